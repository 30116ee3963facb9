"""Child processes (commands/processes.py): nothing of a child outlives its restart or
its stop, as nginx's workers outlive a killed master and keep its port."""
import os
import signal
import time

import psutil
import pytest

from commands.processes import ChildProcess


def gone(process: psutil.Process) -> bool:
    try:
        return not process.is_running() or process.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def eventually(check, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


@pytest.fixture
def family(tmp_path):
    """A child whose leader has a helper in its process group, as nginx's master has
    workers; its leader killed, the helper left behind."""
    child = ChildProcess("family", ["sh", "-c", "sleep 600 & exec sleep 601"], log_path=tmp_path / "family.log")
    child.start()
    leader = psutil.Process(child.process.pid)
    assert eventually(lambda: leader.children())
    helper = leader.children()[0]
    os.kill(leader.pid, signal.SIGKILL)
    child.process.wait()
    assert not child.is_running() and not gone(helper)
    yield child, helper
    child.stop()
    if not gone(helper):
        helper.kill()


def test_a_restart_first_ends_what_the_dead_child_left_behind(family):
    child, helper = family
    child.start()
    assert eventually(lambda: gone(helper))
    assert child.is_running()


def test_stopping_a_dead_child_ends_what_it_left_behind(family):
    child, helper = family
    child.stop()
    assert eventually(lambda: gone(helper))
