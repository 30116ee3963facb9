"""Attacks on the staff services' front door, tried against the real processes: the
agent service (python -m handoff.service) and the knowledge editor service, which
share foundation/staff/. Logins come from real, different client addresses (the
loopback network's 127.0.0.x), as Sanic sees them; the login limits on Redis are
also tried directly, with a fixed clock.
"""
import asyncio
import json
import sys
import uuid
from typing import Any, Optional, Tuple

import aiohttp
import pytest
import redis.asyncio as redis
import websockets

from commands.processes import free_port
from foundation.staff.login_throttle import (
    LOCKOUT_SECONDS,
    LoginThrottle,
    MAX_FAILED_LOGINS,
    MAX_FAILED_LOGINS_PER_ADDRESS,
)
from handoff.service.app import MAX_BODY_BYTES
from services import delete_redis_keys, password, start_editor_service, start_service, write_users_file

AGENTS = {
    "agent1": {"name": "Agent One", "role": "agent", "skills": ["general"], "capacity": 1},
    "agent2": {"name": "Agent Two", "role": "agent", "skills": ["general"], "capacity": 1},
}
EDITORS = {"editor1": {"name": "编辑一", "role": "editor"}}
T0 = 1_800_000_000.0


@pytest.fixture(scope="module")
def handoff_url(redis_url, tmp_path_factory):
    """The agent service; no Rasa is needed to log in."""
    directory = tmp_path_factory.mktemp("handoff-security")
    prefix = f"test-staff-security:{uuid.uuid4().hex[:8]}:"
    process, url = start_service(
        "handoff service", [sys.executable, "-m", "handoff.service"], "HANDOFF_PORT",
        {
            "REDIS_URL": redis_url,
            "RASA_URL": f"http://127.0.0.1:{free_port()}",
            "HANDOFF_SECRET": "test-secret",
            "HANDOFF_USERS_FILE": str(write_users_file(directory / "users.yml", AGENTS)),
            "HANDOFF_DATABASE_URL": f"sqlite:///{directory / 'cases.db'}",
            "HANDOFF_KEY_PREFIX": prefix,
        },
        directory / "handoff.log", 60,
    )
    yield url
    process.stop()
    asyncio.run(delete_redis_keys(redis_url, prefix))


@pytest.fixture(scope="module")
def editor_url(redis_url, tmp_path_factory):
    running = start_editor_service(tmp_path_factory.mktemp("editor-security"), redis_url, EDITORS)
    yield running.url
    running.process.stop()


async def call(
    url: str, method: str, path: str, source: Optional[str] = None, **kwargs: Any
) -> Tuple[int, Any]:
    """One request from the client address `source` (a 127.0.0.x: Linux answers every
    loopback address), or the default one."""
    connector = aiohttp.TCPConnector(local_addr=(source, 0) if source else None)
    async with aiohttp.ClientSession(connector=connector) as session:
        async with session.request(method, url + path, **kwargs) as reply:
            text = await reply.text()
            return reply.status, json.loads(text) if text else None


async def log_in(url: str, user: str, secret: str, source: Optional[str] = None, **kwargs: Any):
    return await call(url, "POST", "/api/login", source, json={"user": user, "password": secret}, **kwargs)


# Logins


@pytest.mark.parametrize("service, user", [("handoff", "agent1"), ("editor", "editor1")])
def test_five_bad_logins_for_a_user_from_one_address_do_not_stop_them_logging_in_from_another(
    request, service, user,
):
    url = request.getfixturevalue(f"{service}_url")
    attacker, desk = "127.0.0.2", "127.0.0.1"

    async def scenario() -> None:
        for _ in range(MAX_FAILED_LOGINS):
            status, body = await log_in(url, user, "guess", attacker)
            assert (status, body["error"]) == (401, "invalid_credentials")
        # The guesser is locked out, even with the right password...
        status, body = await log_in(url, user, password(user), attacker)
        assert (status, body["error"]) == (429, "too_many_attempts")
        assert 0 < body["retry_after"] <= LOCKOUT_SECONDS
        # ...but the user, from their own desk, is not.
        status, body = await log_in(url, user, password(user), desk)
        assert status == 200, body
        assert body["token"]

    asyncio.run(scenario())


def test_guessing_many_user_names_from_one_address_locks_that_address_only(handoff_url):
    guesser = "127.0.0.3"

    async def scenario() -> None:
        for n in range(MAX_FAILED_LOGINS_PER_ADDRESS):
            status, _ = await log_in(handoff_url, f"guess-{n}", "guess", guesser)
            assert status == 401
        status, body = await log_in(handoff_url, "guess-next", "guess", guesser)
        assert (status, body["error"]) == (429, "too_many_attempts")
        status, _ = await log_in(handoff_url, "agent2", password("agent2"), guesser)
        assert status == 429
        status, _ = await log_in(handoff_url, "agent2", password("agent2"), "127.0.0.4")
        assert status == 200

    asyncio.run(scenario())


def test_a_forged_x_forwarded_for_header_does_not_give_a_guesser_a_fresh_address(handoff_url):
    guesser = "127.0.0.5"

    async def scenario() -> None:
        for n in range(MAX_FAILED_LOGINS):
            forged = {"X-Forwarded-For": f"198.51.100.{n}", "X-Real-IP": f"198.51.100.{n}"}
            status, _ = await log_in(handoff_url, "agent2", "guess", guesser, headers=forged)
            assert status == 401
        forged = {"X-Forwarded-For": "198.51.100.99", "X-Real-IP": "198.51.100.99"}
        status, body = await log_in(handoff_url, "agent2", password("agent2"), guesser, headers=forged)
        assert (status, body["error"]) == (429, "too_many_attempts")

    asyncio.run(scenario())


def test_the_login_limits_on_redis_are_shared_by_every_service_instance(redis_url):
    prefix = f"test-staff-security:{uuid.uuid4().hex[:8]}:"

    async def scenario() -> None:
        client = redis.Redis.from_url(redis_url, decode_responses=True)
        one, two = LoginThrottle(client, prefix), LoginThrottle(client, prefix)
        try:
            for n in range(MAX_FAILED_LOGINS):
                instance = (one, two)[n % 2]
                assert (await instance.begin("agent1", "203.0.113.7", now=T0 + n)).locked_for == 0
            assert (await one.begin("agent1", "203.0.113.7", now=T0 + 10)).locked_for > 0
            assert (await two.begin("agent1", "203.0.113.7", now=T0 + 11)).locked_for > 0
            assert (await two.begin("agent1", "198.51.100.20", now=T0 + 11)).locked_for == 0
            # A success forgets the name's failures at that address and its own attempt.
            for n in range(MAX_FAILED_LOGINS - 1):
                await one.begin("agent2", "198.51.100.20", now=T0 + 20 + n)
            await two.succeeded(await one.begin("agent2", "198.51.100.20", now=T0 + 30))
            for n in range(MAX_FAILED_LOGINS):
                assert (await two.begin("agent2", "198.51.100.20", now=T0 + 40 + n)).locked_for == 0
            # Unknown names count per address: a flood of them stops.
            for n in range(MAX_FAILED_LOGINS_PER_ADDRESS):
                assert (await one.begin(f"guess-{n}", "192.0.2.1", now=T0 + 50 + n)).locked_for == 0
            assert (await two.begin("guess-x", "192.0.2.1", now=T0 + 80)).locked_for == LOCKOUT_SECONDS
        finally:
            await delete_redis_keys(redis_url, prefix)
            await client.close()

    asyncio.run(scenario())


# Bad input


@pytest.mark.parametrize("service", ["handoff", "editor"])
def test_a_non_ascii_bearer_token_gets_401_with_a_reason_not_500(request, service):
    url = request.getfixturevalue(f"{service}_url")
    path = "/api/queues" if service == "handoff" else "/api/articles"

    async def scenario() -> None:
        for token in ("ключ", "ключ.签名", "e30.签名"):
            status, body = await call(url, "GET", path, headers={"Authorization": f"Bearer {token}"})
            assert (status, body["error"]) == (401, "unauthorised")
            assert "log in again" in body["message"]

    asyncio.run(scenario())


def test_a_non_ascii_token_on_the_console_websocket_is_refused(handoff_url):
    async def scenario() -> None:
        ws_url = handoff_url.replace("http://", "ws://") + "/ws?token=%D0%BA%D0%BB%D1%8E%D1%87"
        async with websockets.connect(ws_url) as socket:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await socket.recv()
            assert closed.value.code == 4401

    asyncio.run(scenario())


def test_a_request_over_the_size_limit_gets_413_with_a_reason(handoff_url):
    async def scenario() -> None:
        big = json.dumps({"user": "agent1", "password": "x" * MAX_BODY_BYTES})
        status, body = await call(
            handoff_url, "POST", "/api/login", data=big, headers={"Content-Type": "application/json"}
        )
        assert (status, body["error"]) == (413, "too_large")
        assert str(MAX_BODY_BYTES) in body["message"]
        # Nor does a websocket message of that size get in.
        status, body = await log_in(handoff_url, "agent1", password("agent1"), "127.0.0.6")
        assert status == 200
        ws_url = handoff_url.replace("http://", "ws://") + f"/ws?token={body['token']}"
        async with websockets.connect(ws_url, max_size=None) as socket:
            await socket.send(json.dumps({"type": "heartbeat", "padding": "x" * MAX_BODY_BYTES}))
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await socket.recv()
            assert closed.value.code == 1009  # message too big

    asyncio.run(scenario())

