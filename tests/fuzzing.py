"""What the fuzz tests share: repeatable Hypothesis settings, and the report of a
request that broke a server, with what the server logged meanwhile."""
import shlex
from pathlib import Path
from typing import Mapping

from hypothesis import HealthCheck, Phase, settings

MAX_BODY_SHOWN = 2000
MAX_LOG_SHOWN = 6000


def repeatable(max_examples: int) -> settings:
    """The same examples on every run (a failure found is found again), nothing kept
    between runs, and no deadline per example: the servers answer slower while other
    tests run too. No shrinking: against a server it takes minutes, and the request
    that failed is reported whole."""
    return settings(
        max_examples=max_examples,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        print_blob=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    )


class LogWatch:
    """The lines a process writes to its log from `mark()` on."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.offset = 0
        self.mark()

    def mark(self) -> None:
        self.offset = self.path.stat().st_size if self.path.exists() else 0

    def since_mark(self) -> str:
        if not self.path.exists():
            return ""
        with open(self.path, "rb") as log:
            log.seek(self.offset)
            return log.read().decode("utf-8", errors="replace")


def broken(what: str, request: str, status: object, body: str, log: LogWatch) -> str:
    """The failure message of a request that got a 5xx or no answer: the request as
    sent, the answer, and the server's log around it (its traceback, if any)."""
    logged = log.since_mark()[-MAX_LOG_SHOWN:] or "(nothing)"
    return (
        f"{what} broke on this request:\n{request}\n"
        f"--- it answered {status}:\n{body[:MAX_BODY_SHOWN]}\n"
        f"--- {log.path} meanwhile:\n{logged}"
    )


def as_curl(method: str, url: str, headers: Mapping[str, str], body: bytes) -> str:
    """A request as a curl command, to send it again by hand (long bodies cut)."""
    parts = ["curl", "-X", method, url]
    parts += [arg for name, value in headers.items() for arg in ("-H", f"{name}: {value}")]
    if body:
        shown = body[:MAX_BODY_SHOWN].decode("utf-8", errors="backslashreplace")
        cut = f" (first {MAX_BODY_SHOWN} of {len(body)} bytes)" if len(body) > MAX_BODY_SHOWN else ""
        return " ".join(map(shlex.quote, parts + ["--data-binary", shown])) + cut
    return " ".join(map(shlex.quote, parts))
