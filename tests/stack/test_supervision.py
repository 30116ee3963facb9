"""The launcher keeps the assistant up: a process that dies is started again, and
Ctrl-C still stops every process (commands/launcher.py, commands/supervisor.py)."""
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from types import SimpleNamespace
from typing import List

import psutil
import redis

from chat import say
from commands.launcher import redis_answers
from commands.processes import free_port
from commands.redis_server import start_local_redis
from commands.supervisor import Supervisor
from foundation.settings import ROOT, Settings

STARTING = 300  # seconds: the whole stack on a busy machine


class Output:
    """A process's output lines, read as they come."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.lines: List[str] = []
        self._new: "queue.Queue[str]" = queue.Queue()
        threading.Thread(target=self._read, args=(process.stdout,), daemon=True).start()

    def _read(self, stream) -> None:
        for line in stream:
            self._new.put(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float) -> str:
        """The first line from now on that matches `pattern`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self._new.get(timeout=1)
            except queue.Empty:
                continue
            self.lines.append(line)
            if re.search(pattern, line):
                return line
        raise AssertionError(f"no line matching {pattern!r} within {timeout} s:\n" + "\n".join(self.lines))


def running(processes: List[psutil.Process]) -> List[psutil.Process]:
    alive = []
    for process in processes:
        try:
            if process.is_running() and process.status() != psutil.STATUS_ZOMBIE:
                alive.append(process)
        except psutil.NoSuchProcess:
            pass
    return alive


def test_a_killed_action_server_is_restarted_and_ctrl_c_stops_every_process(model_path, redis_url, tmp_path):
    var_dir = tmp_path / "var"
    ports = {name: str(free_port()) for name in ("RASA_PORT", "ACTIONS_PORT", "HANDOFF_PORT", "KNOWLEDGE_PORT")}
    environment = {
        **os.environ, **ports,
        "REDIS_URL": redis_url,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'rasa.db'}",
        "HANDOFF_KEY_PREFIX": f"test-supervision-{uuid.uuid4().hex[:8]}:handoff:",
        "PYTHONUNBUFFERED": "1",
    }
    launcher = subprocess.Popen(
        [sys.executable, "-m", "commands.launcher", "run", "--var-dir", str(var_dir)],
        cwd=ROOT, env=environment, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    output = Output(launcher)
    children: List[psutil.Process] = []
    try:
        output.wait_for(r"^Ready in", STARTING)
        # The REST channel's token is in the launcher's var folder, as an app's back end reads it.
        assistant = SimpleNamespace(settings=Settings(rasa_port=int(ports["RASA_PORT"]), var_dir=var_dir))
        children = psutil.Process(launcher.pid).children(recursive=True)
        actions = next(child for child in children if "actions.server" in child.cmdline())

        actions.send_signal(signal.SIGKILL)
        output.wait_for(r"^action server exited with code -9; restarting in 1 s \(restart 1\)$", 30)
        output.wait_for(r"^Last lines of .*actions\.log", 5)
        output.wait_for(r"^action server is back after \d+\.\d s\.$", 120)

        # The new action server answers: the session's first action is one of its own.
        sender = uuid.uuid4().hex
        replies = say(assistant, "/greet", sender, metadata={"language": "en-GB"})
        assert any(reply.startswith("Hello") for reply in replies)
        children = psutil.Process(launcher.pid).children(recursive=True)
        assert sum("actions.server" in child.cmdline() for child in children) == 1
    finally:
        launcher.send_signal(signal.SIGINT)
        try:
            launcher.wait(60)
        finally:
            leftovers = running(children)
            for process in leftovers:
                process.kill()
    output.wait_for(r"^Stopped\.$", 5)
    assert launcher.returncode == 0
    assert leftovers == []
    assert not any("stopped unexpectedly" in line for line in output.lines)


def test_the_embedded_redis_comes_back_on_its_port_with_its_password_and_data(tmp_path):
    server = start_local_redis(tmp_path)
    lines: List[str] = []
    supervisor = Supervisor(say=lines.append)
    supervisor.watch(server, lambda: redis_answers(server.url))
    client = redis.Redis.from_url(server.url)
    try:
        client.set("parcel", "KD202611180001")
        aof = Path(tmp_path / "redis" / "appendonly.aof")
        deadline = time.monotonic() + 10
        while b"KD202611180001" not in (aof.read_bytes() if aof.exists() else b""):
            assert time.monotonic() < deadline, "Redis did not write its append-only file"
            time.sleep(0.1)
        psutil.Process(server.process.pid).kill()
        server.process.wait()
        deadline = time.monotonic() + 30
        while not any("is back" in line for line in lines):
            assert time.monotonic() < deadline, lines
            supervisor.check()
            time.sleep(0.1)
        assert lines[0] == "redis exited with code -9; restarting in 1 s (restart 1)"
        # The same URL, password included, reaches the same data.
        assert client.get("parcel") == b"KD202611180001"
    finally:
        client.close()
        server.stop()
