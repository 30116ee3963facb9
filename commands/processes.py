"""Child processes of the launcher (and of the integration tests).

Each child runs in its own process group and is told by the kernel to stop when its
parent dies, so Ctrl-C, a crash or a killed launcher never leaves a server running.
"""
import ctypes
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Dict, List, Optional

_PR_SET_PDEATHSIG = 1


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def answers(url: str, timeout: float = 1.0) -> bool:
    """Whether `url` answers 200 now."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:
            return reply.status == 200
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False


def _die_with_parent() -> None:
    os.setsid()
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class ChildProcess:
    def __init__(
        self,
        name: str,
        argv: List[str],
        url: Optional[str] = None,
        env: Optional[Dict[str, str]] = None,
        cwd: Optional[Path] = None,
        log_path: Optional[Path] = None,
        stdin: str = "",
    ) -> None:
        """`stdin` is written to the child's standard input, which is then closed."""
        self.name = name
        self.argv = argv
        self.url = url
        self.env = env
        self.cwd = cwd
        self.log_path = log_path
        self.stdin = stdin
        self.process: Optional[subprocess.Popen] = None
        self._group_ended = False

    def start(self) -> "ChildProcess":
        """Starts the command; a restart first ends what the last run left in its
        process group (nginx's workers outlive a killed master and keep its port)."""
        self._kill_group()
        output = subprocess.DEVNULL
        if self.log_path:
            self.log_path.parent.mkdir(parents=True, exist_ok=True)
            output = open(self.log_path, "ab")
        self.process = subprocess.Popen(
            self.argv,
            env=self.env,
            cwd=self.cwd,
            stdin=subprocess.PIPE if self.stdin else subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        self._group_ended = False
        if self.log_path:
            output.close()
        if self.stdin:
            try:
                self.process.stdin.write(self.stdin.encode("utf-8"))
                self.process.stdin.close()
            except BrokenPipeError:
                pass  # it died at once; is_running() and its log say so
        return self

    def is_running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def wait_until_ready(self, health_url: str, timeout: float) -> float:
        """Polls `health_url` until it answers 200; returns the seconds it took."""
        started = time.monotonic()
        while time.monotonic() - started < timeout:
            if not self.is_running():
                raise RuntimeError(
                    f"{self.name} exited with code {self.process.returncode}.\n"
                    + self.log_tail()
                )
            if answers(health_url, timeout=2):
                return time.monotonic() - started
            time.sleep(0.25)
        raise RuntimeError(
            f"{self.name} was not ready after {timeout:.0f} s.\n" + self.log_tail()
        )

    def log_tail(self, lines: int = 30) -> str:
        """The end of the log, under a heading; "" when there is nothing to show."""
        if not self.log_path or not self.log_path.exists():
            return ""
        tail = self.log_path.read_text(errors="replace").splitlines()[-lines:]
        if not tail:
            return ""
        return f"Last lines of {self.log_path}:\n" + "\n".join(tail)

    def _kill_group(self) -> None:
        """Ends what is left of the last run's process group, once only: afterwards its
        number may be another process's."""
        if self.process is None or self._group_ended:
            return
        self._group_ended = True
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass  # nothing left

    def stop(self, timeout: float = 15) -> None:
        if self.is_running():
            try:
                os.killpg(self.process.pid, signal.SIGTERM)
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
            except ProcessLookupError:
                pass
        self._kill_group()  # what of its process group outlived it
