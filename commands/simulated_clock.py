"""A clock the generated month (commands/generate_month.py) moves for a whole stack.

The processes run under Debian's libfaketime (`commands/install-faketime.sh`): it reads
their wall-clock offset from a file at every call, so rewriting the file moves the time
of Redis, Rasa, the action server and the handoff service at once, and every event they
record carries the simulated moment. Monotonic time stays real: asyncio's timers, and
so the servers' sleeps and timeouts, must not jump.
"""
import glob
import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Dict, Iterator, Optional

# The multi-threaded build: Rasa and the services call the clock from several threads.
LIBRARY_PATTERN = "/usr/lib/*/faketime/libfaketimeMT.so.1"


def faketime_library() -> Optional[str]:
    """The path of libfaketime, or None when it is not installed."""
    found = sorted(glob.glob(LIBRARY_PATTERN))
    return found[0] if found else None


class SimulatedClock:
    """The offset file of a faked stack: `set(moment)` makes `moment` (epoch seconds)
    the stack's time now, from which it runs on at the real pace."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0.0

    def environment(self) -> Dict[str, str]:
        """The variables that put a process under this clock."""
        library = faketime_library()
        if library is None:
            raise RuntimeError("libfaketime is missing: run commands/install-faketime.sh.")
        return {
            "LD_PRELOAD": library,
            "FAKETIME_TIMESTAMP_FILE": str(self.path),
            # Read again at every call: a process never runs on a stale offset.
            "FAKETIME_NO_CACHE": "1",
            "FAKETIME_DONT_FAKE_MONOTONIC": "1",
        }

    def set(self, moment: float) -> None:
        self.offset = moment - time.time()
        # Written whole, then renamed: a reader never sees half a line.
        partial = self.path.with_suffix(".new")
        partial.write_text(f"{self.offset:+.3f}\n", encoding="ascii")
        partial.replace(self.path)

    def now(self) -> float:
        """The stack's time now."""
        return time.time() + self.offset


@contextmanager
def inherited_environment(variables: Dict[str, str]) -> Iterator[None]:
    """`variables` in os.environ meanwhile, for the processes started meanwhile (a
    stack's Redis takes os.environ as it is). This process's own clock is settled at
    its start: LD_PRELOAD set now does not change it."""
    saved = {name: os.environ.get(name) for name in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
