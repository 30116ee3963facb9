"""Starts the whole assistant with one command: `python -m commands.launcher run`.

Order: the model (trained only if its inputs changed), Redis (REDIS_URL or an embedded
one), then the action server, the Rasa server, the handoff service and the knowledge
editor service side by side.
Ctrl-C stops them all.
The integration tests start the same `Stack`.
"""
import argparse
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Dict, List, Optional
from urllib.parse import urlsplit, urlunsplit

from commands.processes import ChildProcess
from commands.redis_server import start_local_redis
from foundation.settings import ROOT, Settings
from commands.training import ensure_model
from handoff.demo_users import HANDOFF_TEAM, KNOWLEDGE_TEAM, ensure_demo_users

READY_TIMEOUT = 120


class Stack:
    """The running processes of one assistant: Redis, action server, Rasa server,
    handoff service (agent console and API) and knowledge editor service."""

    def __init__(self, settings: Settings, model: Path) -> None:
        self.settings = settings
        self.model = model
        self.children: List[ChildProcess] = []
        self.log_dir = settings.var_dir / "log"

    def start(self) -> float:
        """Starts everything; returns seconds until both servers answered."""
        for port in (self.settings.rasa_port, self.settings.actions_port,
                     self.settings.handoff_port, self.settings.knowledge_port):
            _check_port_free(self.settings.host, port)
        if not self.settings.redis_url:
            redis = start_local_redis(self.settings.var_dir)
            self.children.append(redis)
            self.settings.redis_url = redis.url
        env = self.settings.process_environment()
        python = sys.executable
        actions = ChildProcess(
            "action server",
            [python, "-m", "actions.server", "--actions", "actions",
             "--host", self.settings.host, "--port", str(self.settings.actions_port)],
            env=env, cwd=ROOT, log_path=self.log_dir / "actions.log",
        )
        rasa = ChildProcess(
            "Rasa server",
            [python, "-m", "rasa", "run",
             "--model", str(self.model),
             "--interface", self.settings.host,
             "--port", str(self.settings.rasa_port),
             "--endpoints", "endpoints.yml",
             "--credentials", "credentials.yml",
             "--enable-api", "--auth-token", self.settings.auth_token],
            env=env, cwd=ROOT, log_path=self.log_dir / "rasa.log",
        )
        handoff = ChildProcess(
            "handoff service",
            [python, "-m", "handoff.service"],
            env=env, cwd=ROOT, log_path=self.log_dir / "handoff.log",
        )
        editor = ChildProcess(
            "knowledge editor service",
            [python, "-m", "knowledge.service"],
            env=env, cwd=ROOT, log_path=self.log_dir / "knowledge-editor.log",
        )
        started = time.monotonic()
        for child in (actions, rasa, handoff, editor):
            self.children.append(child.start())
        actions.wait_until_ready(f"{self.settings.actions_url}/health", READY_TIMEOUT)
        rasa.wait_until_ready(f"{self.settings.rasa_url}/webhooks/rest/", READY_TIMEOUT)
        handoff.wait_until_ready(f"{self.settings.handoff_url}/health", READY_TIMEOUT)
        editor.wait_until_ready(f"{self.settings.knowledge_url}/health", READY_TIMEOUT)
        return time.monotonic() - started

    def dead_child(self) -> Optional[ChildProcess]:
        return next((c for c in self.children if not c.is_running()), None)

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()


def _check_port_free(host: str, port: int) -> None:
    with socket.socket() as probe:
        if probe.connect_ex((host, port)) == 0:
            raise SystemExit(
                f"Port {port} on {host} is already in use (is the assistant running in "
                "another terminal?). Stop that process or choose other ports with "
                "RASA_PORT / ACTIONS_PORT / HANDOFF_PORT / KNOWLEDGE_PORT."
            )


def _print_new_logins(users_file: Path, created: Dict[str, str]) -> None:
    if not created:
        return
    print(f"  Demo logins in {users_file}; their passwords are shown only this once:",
          flush=True)
    for user, password in created.items():
        print(f"    {user} / {password}", flush=True)
    print("  (a forgotten one: python -m foundation.staff.auth add-user "
          f"{users_file} ID --role ROLE sets a new password)", flush=True)


def _without_password(url: str) -> str:
    """`url` fit for a terminal or a log: its password replaced by ***."""
    parts = urlsplit(url)
    if not parts.password:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


def run() -> int:
    settings = Settings.from_environment()
    print("[1/3] model", flush=True)
    model = ensure_model()
    print(
        "[2/3] Redis: "
        + (_without_password(settings.redis_url) if settings.redis_url
           else f"embedded, data in {settings.var_dir / 'redis'}"),
        flush=True,
    )
    print("[3/3] starting the action server, the Rasa server, the handoff service and the "
          "knowledge editor (logs in var/log/)", flush=True)
    # Shown now, before anything else can fail: they are never shown again.
    _print_new_logins(settings.users_file, ensure_demo_users(settings.users_file, HANDOFF_TEAM))
    _print_new_logins(settings.editors_file, ensure_demo_users(settings.editors_file, KNOWLEDGE_TEAM))
    stack = Stack(settings, model)
    stopping = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        seconds = stack.start()
        print(
            f"\nReady in {seconds:.0f} s.\n"
            f"  Web chat page:   {settings.rasa_url}/chat\n"
            f"  REST channel:    POST {settings.rasa_url}/webhooks/rest/webhook\n"
            f"    bearer tokens: apps {settings.secret_place('REST_APP_TOKEN')}, "
            f"IVR {settings.secret_place('REST_IVR_TOKEN')}\n"
            f"  Rasa HTTP API:   {settings.rasa_url}  (token: {settings.auth_token})\n"
            f"  Action server:   {settings.actions_url}  (answers Rasa only)\n"
            f"  Redis:           {_without_password(settings.redis_url)}\n"
            f"  Tracker store:   {_without_password(settings.database_url)}\n"
            f"  Agent console:   {settings.handoff_url}/console\n"
            f"  Supervisor view: {settings.handoff_url}/supervisor\n"
            f"  Knowledge editor: {settings.knowledge_url}/editor\n"
            "Press Ctrl-C to stop everything.",
            flush=True,
        )
        while not stopping:
            dead = stack.dead_child()
            if dead:
                print(f"\n{dead.name} stopped unexpectedly.\n{dead.log_tail()}", flush=True)
                return 1
            time.sleep(0.5)
        return 0
    except RuntimeError as error:
        print(f"\nStart-up failed: {error}", flush=True)
        return 1
    finally:
        print("Stopping all processes...", flush=True)
        stack.stop()
        print("Stopped.", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("command", choices=["run"])
    parser.parse_args()
    sys.exit(run())


if __name__ == "__main__":
    main()
