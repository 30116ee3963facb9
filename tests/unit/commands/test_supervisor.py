"""The launcher's supervisor (commands/supervisor.py), with stand-in children and a
clock the test moves: who is restarted, when, and what the operator reads."""
from pathlib import Path
from types import SimpleNamespace
from typing import List

import pytest

from commands.supervisor import RestartPolicy, Supervisor


class FakeChild:
    """A child process as the supervisor sees it."""

    def __init__(self, name: str, log_path: Path) -> None:
        self.name = name
        self.log_path = log_path
        self.process = SimpleNamespace(returncode=None)
        self.starts = 0

    def is_running(self) -> bool:
        return self.process.returncode is None

    def start(self) -> "FakeChild":
        self.starts += 1
        self.process = SimpleNamespace(returncode=None)
        return self

    def die(self, code: int = -9) -> None:
        self.process.returncode = code

    def log_tail(self) -> str:
        return f"Last lines of {self.log_path}:\nTraceback: boom"


class World:
    def __init__(self, tmp_path: Path) -> None:
        self.now = 1000.0
        self.lines: List[str] = []
        self.serving = True
        self.child = FakeChild("action server", tmp_path / "actions.log")
        self.supervisor = Supervisor(RestartPolicy(), clock=lambda: self.now, say=self.lines.append)
        self.supervisor.watch(self.child, ready=lambda: self.serving)

    def at(self, seconds_later: float) -> None:
        self.now += seconds_later
        self.supervisor.check()


@pytest.fixture
def world(tmp_path) -> World:
    return World(tmp_path)


def test_a_dead_child_is_told_with_its_log_and_restarted_after_a_second(world):
    world.at(5)
    world.child.die(-9)
    world.at(0.5)
    assert world.lines[0] == "action server exited with code -9; restarting in 1 s (restart 1)"
    assert "Traceback: boom" in world.lines[1]
    world.at(0.4)
    assert world.child.starts == 0  # still pausing
    world.at(0.6)
    assert world.child.starts == 1
    world.serving = False
    world.at(0.5)
    assert len(world.lines) == 2  # started, not answering yet
    world.serving = True
    world.at(0.5)
    assert world.lines[2] == "action server is back after 2.0 s."
    world.at(10)
    assert len(world.lines) == 3  # said once


def test_deaths_in_a_row_double_the_pause_up_to_thirty_seconds(world):
    for _ in range(7):
        world.child.die(1)
        world.at(0.1)
        world.at(30)  # the pause is over: started again
    pauses = [line.split("; ")[1] for line in world.lines if "restarting in" in line]
    assert pauses == [
        "restarting in 1 s (restart 1)", "restarting in 2 s (restart 2)",
        "restarting in 4 s (restart 3)", "restarting in 8 s (restart 4)",
        "restarting in 16 s (restart 5)", "restarting in 30 s (restart 6)",
        "restarting in 30 s (restart 7)",
    ]
    # The log's end is shown the first time; later deaths point at the log.
    assert sum("Traceback" in line for line in world.lines) == 1
    assert any(str(world.child.log_path) in line for line in world.lines[2:])


def test_a_child_that_stayed_up_a_minute_is_restarted_after_a_second_again(world):
    for _ in range(3):
        world.child.die()
        world.at(0.1)
        world.at(10)
    world.at(60)  # restarted and up for over a minute now
    world.child.die()
    world.at(0.1)
    assert world.lines[-2] == "action server exited with code -9; restarting in 1 s (restart 1)"
    assert "Traceback" in world.lines[-1]


def test_a_child_that_dies_before_it_answers_waits_longer_and_is_back_once(world):
    world.child.die()
    world.at(0.1)
    world.serving = False
    world.at(1)
    world.child.die()  # dies again while starting
    world.at(0.1)
    assert world.lines[-1].startswith("  (its log:")
    assert "restarting in 2 s (restart 2)" in world.lines[-2]
    world.serving = True
    world.at(2)
    world.at(0.1)
    back = [line for line in world.lines if "is back" in line]
    assert back == ["action server is back after 3.2 s."]  # since the first death


def test_without_a_readiness_check_a_running_child_is_back(tmp_path):
    lines: List[str] = []
    now = [0.0]
    child = FakeChild("redis", tmp_path / "redis.log")
    supervisor = Supervisor(clock=lambda: now[0], say=lines.append)
    supervisor.watch(child)
    child.die(0)
    supervisor.check()
    now[0] += 1
    supervisor.check()
    supervisor.check()
    assert child.starts == 1
    assert lines[0] == "redis exited with code 0; restarting in 1 s (restart 1)"
    assert lines[-1] == "redis is back after 1.0 s."


def test_the_pause_policy():
    policy = RestartPolicy(first_delay=0.5, max_delay=3)
    assert [policy.delay(n) for n in range(1, 6)] == [0.5, 1, 2, 3, 3]
