"""Services starting together open a fresh knowledge database at once (the editor
service and the action server at `make run`): each waits for the other's schema
instead of failing with "database is locked"."""
import multiprocessing

from knowledge.tables import Database


def open_database(url: str, start: "multiprocessing.synchronize.Barrier") -> None:
    start.wait()
    Database(url).close()


def test_processes_opening_a_new_database_at_once_all_succeed(tmp_path):
    url = f"sqlite:///{tmp_path / 'knowledge.db'}"
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(6)
    processes = [context.Process(target=open_database, args=(url, start)) for _ in range(6)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
    assert [process.exitcode for process in processes] == [0] * 6
