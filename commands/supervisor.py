"""Keeps the launcher's children running: one that dies is started again instead of
the whole assistant stopping.

A child is restarted with its own command line, so it comes back on the same port with
the same password and data (the embedded Redis re-reads its append-only files). The
pause before a restart doubles with each death in a row (1 s, 2 s, 4 s ... at most
30 s), so a child that cannot start does not spin; once a child has stayed up a
minute, its next death counts as the first again. Each death is told in one line, with
the end of the child's log the first time in a row; once the restarted child answers
again, one more line says so.

`check()` never sleeps (a readiness probe takes a second at most): the launcher calls
it from its loop, between looks for Ctrl-C, and the tests call it directly.
"""
import time
from dataclasses import dataclass
from typing import Callable, List, Optional

from commands.processes import ChildProcess


@dataclass(frozen=True)
class RestartPolicy:
    first_delay: float = 1.0
    max_delay: float = 30.0
    # Up this long, a child is healthy again: its next death waits first_delay.
    stable_after: float = 60.0

    def delay(self, restart: int) -> float:
        """The pause before the `restart`th restart in a row (1 for the first)."""
        return min(self.max_delay, self.first_delay * 2 ** (restart - 1))


def _say(line: str) -> None:
    print(line, flush=True)


@dataclass
class _Watched:
    child: ChildProcess
    ready: Optional[Callable[[], bool]]
    started_at: float
    restarts: int = 0  # deaths in a row, each within stable_after of its start
    died_at: Optional[float] = None  # set from its death until it answers again
    restart_at: Optional[float] = None  # set while it waits to be started again


class Supervisor:
    def __init__(self, policy: RestartPolicy = RestartPolicy(),
                 clock: Callable[[], float] = time.monotonic,
                 say: Callable[[str], None] = _say) -> None:
        self.policy = policy
        self.clock = clock
        self.say = say
        self._watched: List[_Watched] = []

    def watch(self, child: ChildProcess, ready: Optional[Callable[[], bool]] = None) -> None:
        """Restarts `child` whenever it dies from now on; `ready` says whether a
        restarted child serves again (None: as soon as it runs)."""
        self._watched.append(_Watched(child, ready, self.clock()))

    def check(self) -> None:
        """Notices deaths, starts children whose pause is over, tells who is back."""
        for watched in self._watched:
            now = self.clock()
            if watched.restart_at is not None:
                if now >= watched.restart_at:
                    self._restart(watched, now)
            elif not watched.child.is_running():
                self._died(watched, now)
            elif watched.died_at is not None and (watched.ready is None or watched.ready()):
                self.say(f"{watched.child.name} is back after {now - watched.died_at:.1f} s.")
                watched.died_at = None

    def _died(self, watched: _Watched, now: float) -> None:
        if now - watched.started_at >= self.policy.stable_after:
            watched.restarts = 0
        watched.restarts += 1
        if watched.died_at is None:
            watched.died_at = now
        delay = self.policy.delay(watched.restarts)
        watched.restart_at = now + delay
        child = watched.child
        code = child.process.returncode if child.process else None
        self.say(f"{child.name} exited with code {code}; "
                 f"restarting in {delay:g} s (restart {watched.restarts})")
        if watched.restarts == 1:
            tail = child.log_tail()
            if tail:
                self.say(tail)
        elif child.log_path:
            self.say(f"  (its log: {child.log_path})")

    def _restart(self, watched: _Watched, now: float) -> None:
        watched.restart_at = None
        watched.started_at = now
        try:
            watched.child.start()
        except OSError as error:
            # Told, and counted as one more death in a row: check() sees it not running.
            self.say(f"{watched.child.name} could not be started: {error}")
