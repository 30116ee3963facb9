"""Starts the whole assistant with one command: `python -m commands.launcher run`.

Order: the model (trained only if its inputs changed), Redis (REDIS_URL or an embedded
one), then the action server, the Rasa server, the handoff service, the knowledge
editor service and the callback delivery worker side by side.
A process that dies is started again, after a pause that grows while it keeps dying
(commands/supervisor.py); Ctrl-C or SIGTERM stops them all.
`--var-dir DIR` keeps data, secrets and logs in DIR instead of var/ (a second assistant
on the same machine, or a test). The integration tests start the same `Stack`;
commands/cluster.py starts several servers behind nginx.
"""
import argparse
import os
import signal
import socket
import sys
import time
from functools import partial
from pathlib import Path
from typing import Dict, List, Optional, Tuple
from urllib.parse import urlsplit, urlunsplit

import redis

from commands.processes import ChildProcess, answers, free_port
from commands.first_run import guide
from commands.redis_server import start_local_redis
from commands.supervisor import Supervisor
from foundation.settings import ROOT, Settings
from commands.training import ensure_model
from handoff.demo_users import HANDOFF_TEAM, KNOWLEDGE_TEAM, ensure_demo_users

READY_TIMEOUT = 120
# A child process, and the URL that answers 200 once it serves.
Service = Tuple[ChildProcess, str]


class Stack:
    """The running processes of one assistant: Redis, action server, Rasa server,
    handoff service (agent console and API) and knowledge editor service.

    `supervise()` restarts any of them that dies (commands/supervisor.py); the
    launcher calls it from its loop, and the tests that kill a process call it too."""

    def __init__(self, settings: Settings, model: Path) -> None:
        self.settings = settings
        self.model = model
        self.children: List[ChildProcess] = []
        self.log_dir = settings.var_dir / "log"
        self.supervisor = Supervisor()

    @classmethod
    def on_free_ports(cls, model: Path, var_dir: Path, redis_url: str = "",
                      database_url: str = "") -> "Stack":
        """A stack of this kind, not started yet, on free loopback ports with its data in
        `var_dir` (SQLite there unless `database_url`; its own Redis unless `redis_url`):
        the tests' and the benchmark's."""
        settings = Settings(
            rasa_port=free_port(), actions_port=free_port(),
            handoff_port=free_port(), knowledge_port=free_port(), delivery_port=free_port(),
            redis_url=redis_url or None,
            database_url=database_url or f"sqlite:///{var_dir / 'rasa.db'}",
            var_dir=var_dir,
        )
        return cls(settings, model)

    def start(self) -> float:
        """Starts everything; returns seconds until every server answered. When one
        does not, stops what it started and raises."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> float:
        for port in self.ports():
            _check_port_free(self.settings.host, port)
        if not self.settings.redis_url:
            server = start_local_redis(self.settings.var_dir)
            self.children.append(server)
            self.settings.redis_url = server.url
            self.supervisor.watch(server, partial(redis_answers, server.url))
        services = self.services(self.settings.process_environment())
        started = time.monotonic()
        for child, _ in services:
            self.children.append(child.start())
        for child, health_url in services:
            child.wait_until_ready(health_url, READY_TIMEOUT)
            self.supervisor.watch(child, partial(answers, health_url))
        return time.monotonic() - started

    def ports(self) -> List[int]:
        """The ports this stack listens on, all of which must be free."""
        return [self.settings.rasa_port, self.settings.actions_port,
                self.settings.handoff_port, self.settings.knowledge_port,
                self.settings.delivery_port]

    def services(self, env: Dict[str, str]) -> List[Service]:
        """Every process but Redis, each with the URL that answers 200 once it serves."""
        return [
            self.action_server(env, "action server", self.settings.actions_port, "actions.log"),
            self.rasa_server(env, "Rasa server", self.settings.rasa_port, "rasa.log"),
            *self.staff_services(env),
        ]

    def staff_services(self, env: Dict[str, str]) -> List[Service]:
        """The agents' handoff service, the editors' knowledge service and the worker
        that POSTs app back-ends' callbacks (delivery/worker.py)."""
        return [
            (self._child("delivery worker", ["-m", "delivery.worker"], env, "delivery.log"),
             f"http://{self.settings.host}:{self.settings.delivery_port}/health"),
            (self._child("handoff service", ["-m", "handoff.service"], env, "handoff.log"),
             f"{self.settings.handoff_url}/health"),
            (self._child("knowledge editor service", ["-m", "knowledge.service"], env,
                         "knowledge-editor.log"),
             f"{self.settings.knowledge_url}/health"),
        ]

    def action_server(self, env: Dict[str, str], name: str, port: int, log_name: str) -> Service:
        argv = ["-m", "actions.server", "--actions", "actions",
                "--host", self.settings.host, "--port", str(port)]
        return (self._child(name, argv, env, log_name),
                f"http://{self.settings.host}:{port}/health")

    def rasa_server(self, env: Dict[str, str], name: str, port: int, log_name: str) -> Service:
        argv = ["-m", "bot.server", "run",
                "--model", str(self.model),
                "--interface", self.settings.host,
                "--port", str(port),
                "--endpoints", "endpoints.yml",
                "--credentials", "credentials.yml",
                # One argument: a token may start with "-", which argparse would take
                # for an option.
                "--enable-api", f"--auth-token={self.settings.auth_token}"]
        return (self._child(name, argv, env, log_name),
                f"http://{self.settings.host}:{port}/webhooks/rest/")

    def _child(self, name: str, python_argv: List[str], env: Dict[str, str], log_name: str
               ) -> ChildProcess:
        return ChildProcess(name, [sys.executable, *python_argv], env=env, cwd=ROOT,
                            log_path=self.log_dir / log_name)

    def summary(self) -> List[str]:
        """What `make run` prints once everything answers."""
        s = self.settings
        return [
            f"  Web chat page:   {s.rasa_url}/chat",
            f"  REST channel:    POST {s.rasa_url}/webhooks/rest/webhook",
            f"    bearer tokens: apps {s.secret_place('REST_APP_TOKEN')}, "
            f"IVR {s.secret_place('REST_IVR_TOKEN')}",
            f"  Rasa HTTP API:   {s.rasa_url}  (token: {s.auth_token})",
            f"  Action server:   {s.actions_url}  (answers Rasa only)",
            f"  Redis:           {_without_password(s.redis_url)}",
            f"  Tracker store:   {_without_password(s.database_url)}",
            f"  Agent console:   {s.handoff_url}/console",
            f"  Supervisor view: {s.handoff_url}/supervisor",
            f"  Knowledge editor: {s.knowledge_url}/editor",
            f"  App callbacks:   {os.environ.get('APP_CALLBACK_URL') or 'none'} "
            f"(secret {s.secret_place('APP_CALLBACK_SECRET')}; log delivery.log)",
            "  A process that dies is restarted (pause 1 s, doubling up to 30 s).",
        ]

    def supervise(self) -> None:
        """Restarts what died, after its pause; tells who is back. Never sleeps."""
        self.supervisor.check()

    def dead_child(self) -> Optional[ChildProcess]:
        return next((c for c in self.children if not c.is_running()), None)

    def stop(self) -> None:
        for child in reversed(self.children):
            child.stop()


def redis_answers(url: str) -> bool:
    """Whether the Redis at `url` answers PING now."""
    client = redis.Redis.from_url(url, socket_timeout=1)
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
    finally:
        client.close()


def _check_port_free(host: str, port: int) -> None:
    with socket.socket() as probe:
        if probe.connect_ex((host, port)) == 0:
            raise SystemExit(
                f"Port {port} on {host} is already in use (is the assistant running in "
                "another terminal?). Stop that process or choose other ports with "
                "RASA_PORT / ACTIONS_PORT / HANDOFF_PORT / KNOWLEDGE_PORT / DELIVERY_PORT."
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


def prepare(var_dir: Optional[Path]) -> Tuple[Settings, Path]:
    """Settings from the environment (data in `var_dir` when given), and the model,
    trained first if its inputs changed."""
    settings = Settings.from_environment()
    if var_dir:
        settings.var_dir = var_dir.resolve()
        if not os.environ.get("DATABASE_URL"):
            settings.database_url = f"sqlite:///{settings.var_dir / 'rasa.db'}"
    print("[1/3] model", flush=True)
    model = ensure_model()
    print(
        "[2/3] Redis: "
        + (_without_password(settings.redis_url) if settings.redis_url
           else f"embedded, data in {settings.var_dir / 'redis'}"),
        flush=True,
    )
    return settings, model


def serve(stack: Stack, starting: str) -> int:
    """Starts `stack`, restarts what dies until Ctrl-C or SIGTERM, then stops it all."""
    settings = stack.settings
    print(f"[3/3] starting {starting} (logs in {stack.log_dir})", flush=True)
    # Shown now, before anything else can fail: they are never shown again.
    _print_new_logins(settings.users_file, ensure_demo_users(settings.users_file, HANDOFF_TEAM))
    _print_new_logins(settings.editors_file, ensure_demo_users(settings.editors_file, KNOWLEDGE_TEAM))
    stopping = False

    def request_stop(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        seconds = stack.start()
        print(f"\nReady in {seconds:.0f} s.", *stack.summary(), *guide(settings),
              "Press Ctrl-C to stop everything.", sep="\n", flush=True)
        while not stopping:
            stack.supervise()
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
    parser.add_argument("--var-dir", type=Path, default=None,
                        help="where the data, secrets and logs live (default: var/)")
    args = parser.parse_args()
    settings, model = prepare(args.var_dir)
    sys.exit(serve(Stack(settings, model), "the action server, the Rasa server, the handoff "
                                           "service, the knowledge editor and the delivery worker"))


if __name__ == "__main__":
    main()
