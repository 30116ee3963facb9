"""What the tests of the agent service and the knowledge editor service share: users
files, the services as processes, and the browser their pages are tested in."""
import asyncio
import os
import re
import secrets
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple, Type

import yaml

from commands.launcher import Stack
from commands.processes import ChildProcess, free_port
from commands.simulated_clock import SimulatedClock, inherited_environment
from foundation.settings import ROOT
from handoff.demo_users import HANDOFF_TEAM, KNOWLEDGE_TEAM, ensure_demo_users
from handoff.queue import HandoffQueue, QueueSettings
from foundation.staff.auth import hash_password


# Users


def password(user_id: str) -> str:
    return f"{user_id}-secret"


def write_users_file(path: Path, users: Dict[str, Dict[str, Any]]) -> Path:
    """A users file in foundation/staff/auth.py's format; each user's password is password(id)."""
    entries = [
        # Few iterations: the tests log in often, and the format is the same.
        {"id": user_id, **fields, "password_hash": hash_password(password(user_id), 1000)}
        for user_id, fields in users.items()
    ]
    path.write_text(yaml.safe_dump({"users": entries}, allow_unicode=True), encoding="utf-8")
    return path


# Processes


def queue_call(redis_url: str, method: str, *args: Any, **kwargs: Any) -> Any:
    """Calls one method of the handoff queue of the running stack (its key prefix and
    settings come from the environment, as the stack's)."""
    async def call():
        queue = HandoffQueue.from_url(redis_url, QueueSettings.from_environment())
        try:
            return await getattr(queue, method)(*args, **kwargs)
        finally:
            await queue.disconnect()

    return asyncio.run(call())


def start_stack(model_path: Path, redis_url: str, var_dir: Path, database_url: str = "",
                kind: Type[Stack] = Stack, clock: Optional[SimulatedClock] = None,
                environment: Optional[Dict[str, str]] = None) -> Stack:
    """A whole assistant (action server, Rasa server, handoff and editor services; a
    Cluster for `kind`) on free ports, its data and demo users in `var_dir`: the
    session's `stack` fixture, or a private one for a test that stops or kills its
    processes. Its processes also get `environment`, and with `clock` run on that
    simulated clock (its own Redis too, when `redis_url` is empty)."""
    running = kind.on_free_ports(model_path, var_dir, redis_url, database_url)
    ensure_demo_users(running.settings.users_file, HANDOFF_TEAM)
    ensure_demo_users(running.settings.editors_file, KNOWLEDGE_TEAM)
    extra = {**(environment or {}), **(clock.environment() if clock else {})}
    with inherited_environment(extra):
        running.start()
    return running


def start_service(
    name: str, command: List[str], port_variable: str, environment: Dict[str, str], log_path: Path, timeout: float
) -> Tuple[ChildProcess, str]:
    """Runs a service's command in the project folder on a free port (told in
    `port_variable`) and waits until its /health answers; the process and its URL.
    PYTHONPATH is the project unless `environment` says otherwise."""
    port = free_port()
    process = ChildProcess(
        name, command,
        env={**os.environ, "PYTHONPATH": str(ROOT), port_variable: str(port), **environment},
        cwd=ROOT, log_path=log_path,
    ).start()
    url = f"http://127.0.0.1:{port}"
    try:
        process.wait_until_ready(f"{url}/health", timeout)
    except RuntimeError:
        process.stop()
        raise
    return process, url


@dataclass
class EditorService:
    url: str
    store_url: str
    process: ChildProcess


def start_editor_service(directory: Path, redis_url: str, users: Dict[str, Dict[str, Any]]) -> EditorService:
    """`python -m knowledge.service` on a free port with an empty store, which it
    seeds, and these users."""
    store_url = f"sqlite:///{directory / 'knowledge.db'}"
    environment = {
        "KNOWLEDGE_DATABASE_URL": store_url,
        "KNOWLEDGE_USERS_FILE": str(write_users_file(directory / "users.yml", users)),
        "KNOWLEDGE_SECRET": secrets.token_urlsafe(16),
        "KNOWLEDGE_KEY_PREFIX": f"test-editor:{uuid.uuid4().hex[:8]}:",
        "REDIS_URL": redis_url,
    }
    process, url = start_service(
        "knowledge editor service", [sys.executable, "-m", "knowledge.service"], "KNOWLEDGE_PORT",
        environment, directory / "editor.log", 120,
    )
    return EditorService(url, store_url, process)


class EditorClient:
    """The editor service's API as one user (or nobody): (status, JSON body) per call."""

    def __init__(self, service: EditorService, user: Optional[str] = None) -> None:
        import requests

        self.url = service.url
        self.http = requests.Session()
        if user:
            status, body = self.call("POST", "/api/login", json={"user": user, "password": password(user)})
            assert status == 200, body
            self.http.headers["Authorization"] = f"Bearer {body['token']}"

    def call(self, method: str, path: str, **kwargs: Any) -> Tuple[int, Any]:
        reply = self.http.request(method, self.url + path, timeout=180, **kwargs)
        return reply.status_code, reply.json() if reply.content else None


# The API document


def route_operations(app) -> Set[Tuple[str, str]]:
    """(path, method) of every route of a Sanic app, paths written as in OpenAPI."""
    operations = set()
    for route in app.router.routes:
        path = "/" + re.sub(r"<(\w+)(:[^>]*)?>", r"{\1}", route.path)
        operations |= {(path, method.lower()) for method in route.methods if method != "HEAD"}
    return operations


def documented_operations(spec: Dict[str, Any]) -> Set[Tuple[str, str]]:
    """(path, method) of every operation of an OpenAPI document."""
    return {
        (path, method)
        for path, operations in spec["paths"].items()
        for method in operations
        if method != "parameters"
    }


# Pages


def log_in(page, user: str, password: str) -> None:
    """Sends the login form the console, supervisor and editor pages share."""
    page.fill("#login-user", user)
    page.fill("#login-password", password)
    page.click("#login-form button[type=submit]")


# Redis


async def delete_redis_keys(redis_url: str, prefix: str) -> None:
    """Removes what a test's service wrote under its own key prefix."""
    import redis.asyncio as redis

    client = redis.Redis.from_url(redis_url)
    keys = [key async for key in client.scan_iter(match=prefix + "*")]
    if keys:
        await client.delete(*keys)
    await client.close()
