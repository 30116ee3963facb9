"""The handoff agent service as a real process, with the real Rasa stack and Redis.

Conversations are started over Rasa's REST channel (as the app front end) or the web
chat, and paused, as the action server does at handoff; the test then puts them into the queue itself (under this module's
own key prefix) and publishes the notification the action would publish. Customer
messages reach the service through Rasa's event broker (endpoints.yml) and the
`rasa:events` stream; agent messages reach the customer over socket.io.
"""
import asyncio
import json
import logging
import os
import subprocess
import sys
import time
import uuid
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import aiohttp
import pytest
import websockets
import yaml
from sqlalchemy import create_engine, select

from commands.processes import ChildProcess, free_port
from commands.redis_server import start_embedded_redis
from foundation.settings import ROOT
from foundation.privacy import MaskPhoneNumbers
from foundation.staff.auth import load_users, verify_password
from handoff.cases import CATEGORIES, DEPARTMENTS, CaseArchive, case_notes_table, cases_table
from handoff.context import build_context, customer_key
from handoff.notifications import publish_notification
from handoff.queue import HandoffQueue, QueueSettings
from handoff.queue_records import Ticket
from handoff.routing import Route
from handoff.service.app import ServiceSettings, create_app
from chat import WebChat, conversation_id, conversation_of, front_end_headers, webhook
from services import delete_redis_keys, documented_operations, password, route_operations, start_service, write_users_file

# Each test has skills of its own, so what one leaves waiting no other claims.
SKILLS = ("tracking", "returns", "complaints", "general", "lease", "overdue", "position",
          "push", "callbacks", "stale", "closing")
USERS = {
    "hal": {"name": "Hal Qi", "role": "agent", "skills": ["callbacks"], "capacity": 1},
    "ida": {"name": "Ida Fu", "role": "agent", "skills": ["closing"], "capacity": 1},
    "kim": {"name": "Kim Su", "role": "agent", "skills": ["stale"], "capacity": 1},
    "lee": {"name": "Lee He", "role": "agent", "skills": ["stale"], "capacity": 1},
    "ana": {"name": "Ana Li", "role": "agent", "skills": ["tracking", "general"], "capacity": 3},
    "bo": {"name": "Bo Wang", "role": "agent", "skills": ["returns"], "capacity": 2},
    "dan": {"name": "Dan Wu", "role": "agent", "skills": ["lease"], "capacity": 1},
    "eve": {"name": "Eve Xu", "role": "agent", "skills": ["general"], "capacity": 1},
    "fay": {"name": "Fay Lin", "role": "agent", "skills": ["overdue"], "capacity": 1},
    "gus": {"name": "Gus Ma", "role": "agent", "skills": ["push"], "capacity": 1},
    "chen": {"name": "Chen Zhou", "role": "supervisor"},
}
LEASE_SECONDS = 4
SLA_REPLY_SECONDS = 3
EVENTS_STREAM = os.environ.get("RASA_EVENTS_STREAM", "rasa:events")


@dataclass
class Service:
    url: str
    prefix: str
    database_url: str
    process: ChildProcess

    @property
    def ws_url(self) -> str:
        return self.url.replace("http://", "ws://") + "/ws"


@pytest.fixture(scope="module")
def users_file(tmp_path_factory) -> Path:
    return write_users_file(tmp_path_factory.mktemp("users") / "users.yml", USERS)


def start_handoff_service(stack, redis_url, users_file, directory: Path, **env) -> Service:
    prefix = f"test-handoff-service:{uuid.uuid4().hex[:8]}:"
    database_url = f"sqlite:///{directory / 'cases.db'}"
    environment = {
        "REDIS_URL": redis_url,
        "RASA_URL": stack.settings.rasa_url,
        "RASA_AUTH_TOKEN": stack.settings.auth_token,
        "RASA_EVENTS_STREAM": EVENTS_STREAM,
        "HANDOFF_SECRET": "test-secret",
        "HANDOFF_USERS_FILE": str(users_file),
        "HANDOFF_DATABASE_URL": database_url,
        "HANDOFF_KEY_PREFIX": prefix,
        "HANDOFF_SKILLS": ",".join(SKILLS),
        "HANDOFF_LEASE_SECONDS": str(LEASE_SECONDS),
        "HANDOFF_SLA_REPLY_SECONDS": str(SLA_REPLY_SECONDS),
        "HANDOFF_POSITION_UPDATE_SECONDS": "1",
        **env,
    }
    process, url = start_service(
        "handoff service", [sys.executable, "-m", "handoff.service"], "HANDOFF_PORT", environment,
        directory / "handoff.log", 60,
    )
    return Service(url, prefix, database_url, process)


@pytest.fixture(scope="module")
def service(stack, redis_url, users_file, tmp_path_factory):
    running = start_handoff_service(stack, redis_url, users_file, tmp_path_factory.mktemp("handoff"))
    yield running
    running.process.stop()
    asyncio.run(delete_redis_keys(redis_url, running.prefix))


@pytest.fixture(scope="module")
def push_service_without_rasa(stack, redis_url, users_file, tmp_path_factory):
    """Push assignment, and a Rasa URL nobody listens on."""
    running = start_handoff_service(
        stack, redis_url, users_file, tmp_path_factory.mktemp("handoff-push"),
        HANDOFF_ASSIGNMENT="push", RASA_URL=f"http://127.0.0.1:{free_port()}",
    )
    yield running
    running.process.stop()
    asyncio.run(delete_redis_keys(redis_url, running.prefix))


# Talking to the service, Rasa and Redis from inside a test


class Api:
    def __init__(self, session: aiohttp.ClientSession, service: Service) -> None:
        self.session = session
        self.service = service

    async def call(
        self, method: str, path: str, token: Optional[str] = None, **kwargs: Any
    ) -> Tuple[int, Any]:
        headers = kwargs.pop("headers", {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        async with self.session.request(
            method, self.service.url + path, headers=headers, **kwargs
        ) as reply:
            text = await reply.text()
            return reply.status, json.loads(text) if text else None

    async def login(self, user_id: str) -> str:
        status, body = await self.call(
            "POST", "/api/login", json={"user": user_id, "password": password(user_id)}
        )
        assert status == 200, body
        return body["token"]


class Console:
    """An agent console's websocket: collects what the service pushes and, like the
    real console, sends a heartbeat (here every second, as leases are short)."""

    def __init__(self, service: Service, token: str, heartbeat: bool = True) -> None:
        self.url = f"{service.ws_url}?token={token}"
        self.heartbeat = heartbeat
        self.received: List[Dict[str, Any]] = []
        self._arrived = asyncio.Event()

    async def __aenter__(self) -> "Console":
        self.socket = await websockets.connect(self.url)
        self._tasks = [asyncio.create_task(self._read())]
        if self.heartbeat:
            self._tasks.append(asyncio.create_task(self._beat()))
        return self

    async def __aexit__(self, *_: Any) -> None:
        for task in self._tasks:
            task.cancel()
        await self.socket.close()

    async def expect(self, kind: str, timeout: float = 15, **fields: Any) -> Dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            for message in self.received:
                if message.get("type") == kind and all(message.get(k) == v for k, v in fields.items()):
                    self.received.remove(message)
                    return message
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(f"no {kind} {fields} within {timeout} s; got {self.received}")
            self._arrived.clear()
            try:
                await asyncio.wait_for(self._arrived.wait(), remaining)
            except asyncio.TimeoutError:
                pass

    async def _read(self) -> None:
        async for text in self.socket:
            self.received.append(json.loads(text))
            self._arrived.set()

    async def _beat(self) -> None:
        while True:
            await self.socket.send(json.dumps({"type": "heartbeat"}))
            await asyncio.sleep(1)


class Rasa:
    def __init__(self, session: aiohttp.ClientSession, stack) -> None:
        self.session = session
        self.stack = stack
        self.url = stack.settings.rasa_url
        self.token = stack.settings.auth_token

    async def say(self, sender: str, text: str) -> str:
        """`text` from `sender` through the app front end; the conversation it is in."""
        async with self.session.post(
            webhook(self.stack), json={"sender": sender, "message": text},
            headers=front_end_headers(self.stack),
        ) as reply:
            assert reply.status == 200, await reply.text()
        return conversation_id(sender)

    async def tracker(self, sender: str) -> Dict[str, Any]:
        async with self.session.get(
            f"{self.url}/conversations/{sender}/tracker", params={"token": self.token}
        ) as reply:
            return await reply.json()

    async def pause(self, sender: str) -> None:
        async with self.session.post(
            f"{self.url}/conversations/{sender}/tracker/events",
            params={"token": self.token},
            json=[{"event": "pause"}],
        ) as reply:
            assert reply.status == 200, await reply.text()

    async def set_slot(self, sender: str, name: str, value: Any) -> None:
        async with self.session.post(
            f"{self.url}/conversations/{sender}/tracker/events",
            params={"token": self.token},
            json=[{"event": "slot", "name": name, "value": value}],
        ) as reply:
            assert reply.status == 200, await reply.text()

    async def intents(self) -> List[str]:
        async with self.session.get(
            f"{self.url}/domain", params={"token": self.token}, headers={"Accept": "application/json"}
        ) as reply:
            intents = (await reply.json())["intents"]
        # An intent with properties is a one-key mapping.
        return [intent if isinstance(intent, str) else next(iter(intent)) for intent in intents]


@dataclass
class World:
    api: Api
    rasa: Rasa
    queue: HandoffQueue
    stack: Any

    async def hand_off(
        self, skill: str, text: str = "你好", language: str = "zh-Hans", reason: str = "customer_request",
        verified_phone: Optional[str] = None,
    ) -> str:
        """A conversation of the app front end that the bot handed off."""
        conversation = await self.rasa.say(f"handoff-test-{uuid.uuid4().hex[:12]}", text)
        if verified_phone:  # as the tracking form sets it after a right SMS code
            await self.rasa.set_slot(conversation, "verified_phone", verified_phone)
        await self.queue_up(conversation, skill, language, reason)
        return conversation

    async def queue_up(
        self, conversation: str, skill: str, language: str = "zh-Hans", reason: str = "customer_request",
    ) -> None:
        """Hands the conversation off as action_hand_off does."""
        await self.rasa.pause(conversation)
        route = Route(reason, 3, skill)
        context = build_context(await self.rasa.tracker(conversation), route, [], time.time())
        await self.queue.enqueue(Ticket(conversation, skill, 3, reason, "rest", language, context))
        await publish_notification(
            self.queue.redis, {"type": "enqueued", "conversation_id": conversation, "skill": skill}
        )


@asynccontextmanager
async def world(stack, redis_url: str, service: Service):
    queue = HandoffQueue.from_url(redis_url, QueueSettings(key_prefix=service.prefix, skills=SKILLS))
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        try:
            yield World(Api(session, service), Rasa(session, stack), queue, stack)
        finally:
            await queue.disconnect()


def run(stack, redis_url, service, scenario) -> None:
    async def main() -> None:
        async with world(stack, redis_url, service) as w:
            await scenario(w)

    asyncio.run(main())


async def wait_for(check, timeout: float = 15, interval: float = 0.3):
    """Polls the coroutine function `check` until it returns something true."""
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result or time.monotonic() > deadline:
            return result
        await asyncio.sleep(interval)


# The API is documented


def test_every_route_is_in_the_openapi_document_and_nothing_else(service, tmp_path):
    app = create_app(ServiceSettings(redis_url="redis://unused", users_file=tmp_path / "none.yml"))
    spec = yaml.safe_load((ROOT / "handoff" / "openapi.yaml").read_text(encoding="utf-8"))
    assert route_operations(app) == documented_operations(spec)

    served = json.loads(aiohttp_get(f"{service.url}/openapi.json"))
    assert served == spec
    schemas = spec["components"]["schemas"]
    assert schemas["Category"]["enum"] == list(CATEGORIES)
    assert schemas["Department"]["enum"] == list(DEPARTMENTS)


def aiohttp_get(url: str) -> str:
    async def get() -> str:
        async with aiohttp.ClientSession() as session:
            async with session.get(url) as reply:
                assert reply.status == 200
                return await reply.text()

    return asyncio.run(get())


def test_the_users_example_file_opens_no_account_with_a_known_password():
    users = load_users(ROOT / "handoff" / "users.example.yml")
    assert {user.role for user in users.values()} == {"agent", "supervisor"}
    for user_id, user in users.items():
        # The passwords the example once published in its comments, and the obvious ones.
        for guess in (f"{user_id}-example-pw", user_id, "", "password", user.password_hash):
            assert not verify_password(guess, user.password_hash)


# Logging in


def test_login_gives_a_token_that_the_api_checks(stack, redis_url, service):
    async def scenario(w: World) -> None:
        status, body = await w.api.call("POST", "/api/login", json={"user": "ana", "password": password("ana")})
        assert status == 200
        assert body["user"] == {
            "id": "ana", "name": "Ana Li", "role": "agent", "skills": ["tracking", "general"], "capacity": 3,
        }
        assert body["expires_at"] > time.time() + 11 * 3600
        token = body["token"]

        status, body = await w.api.call("POST", "/api/login", json={"user": "ana", "password": "nope"})
        assert (status, body["error"]) == (401, "invalid_credentials")

        status, body = await w.api.call("GET", "/api/queues")
        assert (status, body["error"]) == (401, "unauthorised")
        assert "Bearer" in body["message"]
        status, body = await w.api.call("GET", "/api/queues", token=token[:-2] + "xx")
        assert (status, body["error"]) == (401, "unauthorised")
        status, body = await w.api.call("GET", "/api/queues", token=token)
        assert status == 200
        assert [queue["skill"] for queue in body["queues"]] == list(SKILLS)

        status, body = await w.api.call("GET", "/api/supervisor/overview", token=token)
        assert (status, body["error"]) == (403, "forbidden")
        supervisor = await w.api.login("chen")
        status, body = await w.api.call("GET", "/api/supervisor/overview", token=supervisor)
        assert status == 200
        ana = next(agent for agent in body["agents"] if agent["id"] == "ana")
        assert ana["presence"] == "online"  # logging in made her available
        status, body = await w.api.call("POST", "/api/claim", token=supervisor)
        assert (status, body["error"]) == (403, "forbidden")

    run(stack, redis_url, service, scenario)


def test_a_user_name_is_locked_out_after_five_failed_logins(stack, redis_url, service):
    async def scenario(w: World) -> None:
        for _ in range(5):
            status, _ = await w.api.call("POST", "/api/login", json={"user": "eve", "password": "guess"})
            assert status == 401
        # Now even the right password is refused, with the time to wait.
        status, body = await w.api.call("POST", "/api/login", json={"user": "eve", "password": password("eve")})
        assert (status, body["error"]) == (429, "too_many_attempts")
        assert 240 < body["retry_after"] <= 300
        # Other users are not affected.
        assert await w.api.login("ana")

    run(stack, redis_url, service, scenario)


def test_websocket_refuses_a_bad_token(service):
    async def scenario() -> None:
        async with websockets.connect(f"{service.ws_url}?token=forged") as socket:
            with pytest.raises(websockets.ConnectionClosed) as closed:
                await socket.recv()
            assert closed.value.code == 4401

    asyncio.run(scenario())


# A conversation from handoff to close


def test_agent_and_customer_talk_through_the_service(stack, redis_url, service):
    async def scenario(w: World) -> None:
        ana = await w.api.login("ana")
        supervisor = await w.api.login("chen")
        chat = WebChat(stack)
        conversation = conversation_of(await chat.open())
        async with Console(service, ana) as console, Console(service, supervisor) as watching:
            await chat.send("我的快递到哪了")
            await chat.reply()
            await w.queue_up(conversation, "tracking")
            await console.expect("queue", event="enqueued", conversation_id=conversation)
            status, body = await w.api.call("GET", "/api/queues", token=ana)
            waiting = next(q for q in body["queues"] if q["skill"] == "tracking")["waiting"]
            assert [c["conversation_id"] for c in waiting] == [conversation]
            assert waiting[0]["position"] == 1 and waiting[0]["summary"].startswith("查件")
            assert waiting[0]["overdue"] is False

            status, body = await w.api.call("POST", "/api/claim", token=ana)
            assert status == 200
            assert body["conversation"]["conversation_id"] == conversation
            assert body["conversation"]["state"] == "assigned"
            status, body = await w.api.call("GET", "/api/conversations", token=ana)
            assert [c["conversation_id"] for c in body["conversations"]] == [conversation]

            # The bot is paused: the customer's message goes to the agent instead,
            # with the unverified phone number masked.
            await chat.send("我的电话是13812345678")
            relayed = await console.expect("message", conversation_id=conversation)
            assert relayed["sender"] == "customer"
            assert relayed["text"] == "我的电话是138****5678"
            assert relayed["time"] > time.time() - 60
            await watching.expect("message", conversation_id=conversation, sender="customer")

            # After the bot's answers to the first message, the web chat said who
            # took the conversation; the agent's message comes under their name.
            shown = []
            while "客服 Ana Li 已接入" not in shown:
                shown.append((await chat.reply(10))["text"])
            # While she writes, the web chat is told (and nothing is recorded).
            typing = asyncio.Event()
            chat.client.on("agent_typing", lambda *_: typing.set())
            status, _ = await w.api.call("POST", f"/api/conversations/{conversation}/typing", token=ana)
            assert status == 204
            await asyncio.wait_for(typing.wait(), 10)
            status, body = await w.api.call(
                "POST", f"/api/conversations/{conversation}/messages", token=ana,
                json={"text": "您好，我是客服小李，马上为您查询。"},
            )
            assert status == 201, body
            assert await chat.reply(10) == {"text": "**客服 Ana Li**  \n您好，我是客服小李，马上为您查询。"}
            await chat.close()
            await watching.expect("message", conversation_id=conversation, sender="agent")

            events = (await w.rasa.tracker(conversation))["events"]
            agent_message = events[-1]
            assert agent_message["event"] == "bot"
            assert agent_message["text"] == "您好，我是客服小李，马上为您查询。"
            # Rasa adds its own model and assistant ids.
            assert agent_message["metadata"].items() >= {"agent": "ana", "agent_name": "Ana Li"}.items()

            status, body = await w.api.call("GET", f"/api/conversations/{conversation}", token=ana)
            assert status == 200
            assert body["context"]["conversation_id"] == conversation
            assert body["context"]["reason"] == "customer_request"
            assert [(line["sender"], line["text"]) for line in body["transcript"]][-2:] == [
                ("customer", "我的电话是138****5678"),
                ("agent", "您好，我是客服小李，马上为您查询。"),
            ]
            assert body["conversation"]["last_agent_reply_at"] is not None
            assert body["notes"] == []
        await w.queue.close(conversation)

    run(stack, redis_url, service, scenario)


def test_notes_transfers_and_closing_archive_the_case_and_resume_the_bot(stack, redis_url, service):
    async def scenario(w: World) -> None:
        ana, bo = await w.api.login("ana"), await w.api.login("bo")
        async with Console(service, ana) as ana_console, Console(service, bo):
            conversation = await w.hand_off("tracking", "快遞被摔壞了", "zh-Hant", reason="complaint")
            status, _ = await w.api.call("POST", "/api/claim", token=ana)
            assert status == 200
            status, body = await w.api.call(
                "POST", f"/api/conversations/{conversation}/notes", token=ana,
                json={"text": "Customer sounds upset; parcel damaged."},
            )
            assert status == 201 and body["note"]["agent_id"] == "ana"

            # Ana passes it to the returns team; Bo takes it, then hands it back to her.
            status, body = await w.api.call(
                "POST", f"/api/conversations/{conversation}/transfer", token=ana, json={"skill": "returns"}
            )
            assert status == 200
            assert (body["position"], body["conversation"]["state"]) == (1, "waiting")
            status, _ = await w.api.call("GET", f"/api/conversations/{conversation}", token=ana)
            assert status == 403  # no longer hers
            status, body = await w.api.call("POST", "/api/claim", token=bo)
            assert body["conversation"]["conversation_id"] == conversation
            status, body = await w.api.call(
                "POST", f"/api/conversations/{conversation}/transfer", token=bo, json={"agent_id": "ana"}
            )
            assert status == 200 and body["conversation"]["agent_id"] == "ana"
            await ana_console.expect("assigned", conversation_id=conversation)
            status, body = await w.api.call(
                "POST", f"/api/conversations/{conversation}/transfer", token=ana, json={"agent_id": "dan"}
            )
            assert (status, body["error"]) == (409, "agent_unavailable")

            status, body = await w.api.call(
                "POST", f"/api/conversations/{conversation}/close", token=ana,
                json={"category": "made_up", "department": "claims"},
            )
            assert (status, body["field"]) == (400, "category")
            assert body["known"] == list(CATEGORIES)

            status, body = await w.api.call(
                "POST", f"/api/conversations/{conversation}/close", token=ana,
                json={"category": "claim_opened", "department": "claims", "disposition": "Claim opened."},
            )
            assert status == 200, body
            await ana_console.expect("queue", event="closed", conversation_id=conversation)

        archive = CaseArchive(service.database_url)
        case = archive.get(body["case_id"])
        archive.close()
        assert case["conversation_id"] == conversation
        assert (case["category"], case["department"], case["disposition"]) == (
            "claim_opened", "claims", "Claim opened.",
        )
        assert (case["agent_id"], case["reason"], case["skill"]) == ("ana", "complaint", "returns")
        assert [note["text"] for note in case["notes"]] == ["Customer sounds upset; parcel damaged."]
        assert any(line["text"] == "快遞被摔壞了" for line in case["transcript"])
        assert case["assigned_at"] and case["enqueued_at"]

        status, _ = await w.api.call("GET", f"/api/conversations/{conversation}", token=ana)
        assert status == 404
        assert await w.queue.ticket(conversation) is None

        events = (await w.rasa.tracker(conversation))["events"]
        resumed = max(i for i, event in enumerate(events) if event["event"] == "resume")
        # The customer heard each agent join, in their script, and the agent leave
        # before the bot came back.
        notices = [(i, event["text"]) for i, event in enumerate(events) if event["event"] == "bot"
                   and event.get("metadata", {}).get("handoff") in ("agent_joined", "agent_left")]
        assert [text for _, text in notices] == [
            "客服 Ana Li 已接入", "客服 Bo Wang 已接入", "客服 Ana Li 已接入", "客服已結束會話，機器人繼續爲您服務",
        ]
        assert notices[-1][0] < resumed
        expect_rating = "handoff_closed" in await w.rasa.intents()
        assert body["rating_requested"] is expect_rating
        if expect_rating:  # the bot thanks the customer and asks for a rating
            assert any(event["event"] == "bot" for event in events[resumed:])

    run(stack, redis_url, service, scenario)


def test_a_closed_case_holds_no_phone_number_and_no_number_as_the_customer_key(stack, redis_url, service):
    phone, other = "13812345678", "13987654321"

    async def scenario(w: World) -> None:
        ana = await w.api.login("ana")
        conversation = await w.hand_off("tracking", f"快递被摔坏了，打我电话{phone}", verified_phone=phone)
        status, _ = await w.api.call("POST", "/api/claim", token=ana)
        assert status == 200
        status, _ = await w.api.call(
            "POST", f"/api/conversations/{conversation}/notes", token=ana,
            json={"text": f"Customer asks to be called on {other} after 6pm."},
        )
        assert status == 201
        status, body = await w.api.call(
            "POST", f"/api/conversations/{conversation}/close", token=ana,
            json={"category": "claim_opened", "department": "claims",
                  "disposition": f"Claim opened; will call back on {phone}."},
        )
        assert status == 200, body
        case_id = body["case_id"]

        engine = create_engine(service.database_url)
        with engine.connect() as connection:
            rows = [
                connection.execute(select(table).where(table.c.case_id == case_id)).mappings().all()
                for table in (cases_table, case_notes_table)
            ]
        engine.dispose()
        case, notes = rows[0][0], rows[1]
        assert len(notes) == 1 and "139****4321" in notes[0]["text"]
        assert "138****5678" in case["disposition"]
        for number in (phone, other):
            assert number not in str(rows)
        # The same customer, verified in another conversation, finds this case again.
        assert case["customer_key"] == customer_key({"slots": {"verified_phone": phone}})
        archive = CaseArchive(service.database_url)
        history = archive.history(customer_key({"sender_id": "app-2", "slots": {"verified_phone": phone}}))
        archive.close()
        assert case_id in [earlier["case_id"] for earlier in history]

    run(stack, redis_url, service, scenario)


def test_bad_requests_get_a_clear_4xx(stack, redis_url, service):
    async def scenario(w: World) -> None:
        ana, bo = await w.api.login("ana"), await w.api.login("bo")
        async with Console(service, ana):
            conversation = await w.hand_off("general")
            status, body = await w.api.call("POST", "/api/claim", token=ana)
            assert body["conversation"]["conversation_id"] == conversation
            path = f"/api/conversations/{conversation}"

            status, body = await w.api.call("GET", "/api/conversations/never-handed-off", token=ana)
            assert (status, body["error"]) == (404, "unknown_conversation")
            status, body = await w.api.call(
                "POST", "/api/conversations/never-handed-off/messages", token=ana, json={"text": "hi"}
            )
            assert status == 404
            status, body = await w.api.call(
                "POST", f"{path}/messages", token=ana, data=b'{"text": ',
                headers={"Content-Type": "application/json"},
            )
            assert (status, body["error"]) == (400, "invalid_json")
            assert body["message"]
            for text in ("", "   ", "x" * 4001, 42):
                status, body = await w.api.call("POST", f"{path}/messages", token=ana, json={"text": text})
                assert (status, body["error"], body["field"]) == (400, "invalid_field", "text")
            status, body = await w.api.call("POST", f"{path}/messages", token=bo, json={"text": "hi"})
            assert (status, body["error"]) == (403, "not_your_conversation")
            status, body = await w.api.call("GET", path, token=bo)
            assert status == 403
            status, body = await w.api.call("POST", f"{path}/transfer", token=ana, json={"skill": "cooking"})
            assert (status, body["field"]) == (400, "skill")
            status, body = await w.api.call("POST", f"{path}/transfer", token=ana, json={})
            assert status == 400
            status, body = await w.api.call("POST", "/api/presence", token=ana, json={"presence": "asleep"})
            assert (status, body["field"]) == (400, "presence")
            status, body = await w.api.call("GET", "/api/no-such-route", token=ana)
            assert (status, body["error"]) == (404, "not_found")
            status, body = await w.api.call("GET", f"/api/suggestions?conversation_id={conversation}", token=ana)
            assert status == 200 and isinstance(body, list)  # contents: test_handoff_suggestions.py
            status, body = await w.api.call("GET", "/api/options", token=ana)
            assert body["categories"] == list(CATEGORIES) and "returns" in body["skills"]
            assert {agent["id"] for agent in body["agents"]} == {u for u, f in USERS.items() if f["role"] == "agent"}

            # The agent's other skills' queues are empty: nothing to take.
            status, body = await w.api.call("POST", "/api/claim", token=bo)
            assert (status, body) == (204, None)
            await w.queue.close(conversation)

    run(stack, redis_url, service, scenario)


# Who may act on a conversation


def test_an_agent_whose_lease_ran_out_cannot_close_pass_on_or_answer_the_chat_another_agent_took(
    stack, redis_url, service,
):
    async def scenario(w: World) -> None:
        conversation = await w.hand_off("stale", "我的快递到哪了")
        kim = await w.api.login("kim")
        status, _ = await w.api.call("POST", "/api/claim", token=kim)
        assert status == 200
        # Kim's console goes quiet: the queue's clock, run a lease ahead (unless the
        # service's own watch gets there first), takes her chat back, and Lee, logging
        # in now, takes the customer.
        await w.queue.expire_leases(now=time.time() + w.queue.settings.lease_seconds + 1)
        assert (await w.queue.ticket(conversation)).state == "waiting"
        lee = await w.api.login("lee")
        status, body = await w.api.call("POST", "/api/claim", token=lee)
        assert body["conversation"]["conversation_id"] == conversation

        # Kim's token is still valid; what she sends is refused.
        path = f"/api/conversations/{conversation}"
        status, body = await w.api.call(
            "POST", f"{path}/close", token=kim, json={"category": "resolved", "department": "customer_service"},
        )
        assert (status, body["error"]) == (403, "not_your_conversation")
        status, body = await w.api.call("POST", f"{path}/transfer", token=kim, json={"skill": "general"})
        assert (status, body["error"]) == (403, "not_your_conversation")
        status, body = await w.api.call("POST", f"{path}/messages", token=kim, json={"text": "再见"})
        assert (status, body["error"]) == (403, "not_your_conversation")

        ticket = await w.queue.ticket(conversation)
        assert (ticket.state, ticket.agent_id, ticket.skill) == ("assigned", "lee", "stale")
        assert ticket.last_agent_reply_at is None
        bot_texts = [e.get("text") for e in (await w.rasa.tracker(conversation))["events"] if e["event"] == "bot"]
        assert "再见" not in bot_texts
        status, body = await w.api.call("GET", "/api/conversations", token=lee)
        assert [c["conversation_id"] for c in body["conversations"]] == [conversation]
        await w.queue.close(conversation)

    run(stack, redis_url, service, scenario)


def test_a_close_the_archive_cannot_store_leaves_the_conversation_with_its_agent(stack, redis_url, service):
    async def scenario(w: World) -> None:
        conversation = await w.hand_off("closing", "我要投诉")
        ida = await w.api.login("ida")
        status, _ = await w.api.call("POST", "/api/claim", token=ida)
        assert status == 200
        engine = create_engine(service.database_url)
        with engine.begin() as connection:  # the archive breaks
            connection.exec_driver_sql("DROP TABLE case_notes")
            connection.exec_driver_sql("DROP TABLE cases")
        engine.dispose()
        path = f"/api/conversations/{conversation}/close"
        outcome = {"category": "complaint_recorded", "department": "customer_service"}
        try:
            status, body = await w.api.call("POST", path, token=ida, json=outcome)
            assert (status, body["error"]) == (503, "database_unavailable")
            ticket = await w.queue.ticket(conversation)
            assert (ticket.state, ticket.agent_id) == ("assigned", "ida")
            assert await w.queue.chats_of("ida") == [conversation]
        finally:
            CaseArchive(service.database_url).close()  # makes the tables again
        status, body = await w.api.call("POST", path, token=ida, json=outcome)
        assert status == 200, body
        assert await w.queue.ticket(conversation) is None

    run(stack, redis_url, service, scenario)


# The queue's clock


def test_an_agent_who_stops_sending_heartbeats_loses_the_conversation(stack, redis_url, service):
    async def scenario(w: World) -> None:
        dan, supervisor = await w.api.login("dan"), await w.api.login("chen")
        async with Console(service, supervisor) as watching:
            conversation = await w.hand_off("lease", "我的快遞到哪了", language="zh-Hant")
            status, _ = await w.api.call("POST", "/api/claim", token=dan)
            assert status == 200
            # Dan's console never connects, so no heartbeat renews his lease.
            requeued = await watching.expect("requeued", timeout=LEASE_SECONDS + 10, conversation_id=conversation)
        assert (requeued["agent_id"], requeued["skill"], requeued["position"]) == ("dan", "lease", 1)

        ticket = await w.queue.ticket(conversation)
        assert ticket.state == "waiting"
        notices = [
            event for event in (await w.rasa.tracker(conversation))["events"]
            if event["event"] == "bot" and (event.get("metadata") or {}).get("handoff") == "requeued"
        ]
        assert len(notices) == 1
        assert "服務的客服連接中斷" in notices[0]["text"]  # in the customer's Traditional script

        status, body = await w.api.call("GET", "/api/supervisor/overview", token=supervisor)
        assert next(a for a in body["agents"] if a["id"] == "dan")["presence"] == "offline"
        assert body["skills"]["lease"]["waiting"] == 1
        # Logging in again brings Dan back online, and his heartbeats hold.
        dan = await w.api.login("dan")
        async with Console(service, dan) as console:
            assert (await console.expect("heartbeat"))["lease"] is True
        await w.queue.close(conversation)

    run(stack, redis_url, service, scenario)


def test_an_unanswered_conversation_raises_an_overdue_alert(stack, redis_url, service):
    async def scenario(w: World) -> None:
        fay, supervisor = await w.api.login("fay"), await w.api.login("chen")
        async with Console(service, fay) as console:
            conversation = await w.hand_off("overdue")
            status, _ = await w.api.call("POST", "/api/claim", token=fay)
            assert status == 200
            alert = await console.expect("overdue", timeout=SLA_REPLY_SECONDS + 10, conversation_id=conversation)
            assert (alert["breach"], alert["agent_id"], alert["skill"]) == ("no_reply", "fay", "overdue")

            status, body = await w.api.call("GET", "/api/supervisor/overview", token=supervisor)
            assert conversation in [a["conversation_id"] for a in body["alerts"]]
            fay_row = next(a for a in body["agents"] if a["id"] == "fay")
            assert (fay_row["load"], fay_row["conversations"]) == (1, [conversation])

            status, _ = await w.api.call(
                "POST", f"/api/conversations/{conversation}/messages", token=fay, json={"text": "您好！"}
            )
            assert status == 201
            status, body = await w.api.call("GET", "/api/supervisor/overview", token=supervisor)
            assert conversation not in [a["conversation_id"] for a in body["alerts"]]
        await w.queue.close(conversation)

    run(stack, redis_url, service, scenario)


def test_a_waiting_customer_hears_when_their_place_in_line_changes(stack, redis_url, service):
    async def scenario(w: World) -> None:
        first = await w.hand_off("position")
        second = await w.hand_off("position", "hello", language="en")

        async def position_notices():
            return [
                event for event in (await w.rasa.tracker(second))["events"]
                if event["event"] == "bot" and (event.get("metadata") or {}).get("handoff") == "position"
            ]

        # Its first place was told by the action; the service only notes it.
        await asyncio.sleep(3)
        assert await position_notices() == []
        await w.queue.close(first)  # a colleague took the first customer elsewhere
        notices = await wait_for(position_notices)
        assert [notice["text"] for notice in notices] == ["You're next in line; an agent will be with you shortly."]
        await w.queue.close(second)

    run(stack, redis_url, service, scenario)


def test_push_assignment_and_rasa_being_down(stack, redis_url, push_service_without_rasa):
    service = push_service_without_rasa

    async def scenario(w: World) -> None:
        gus = await w.api.login("gus")
        async with Console(service, gus) as console:
            conversation = f"push-{uuid.uuid4().hex[:12]}"
            await w.queue.enqueue(Ticket(conversation, "push", 3, "customer_request", "rest", "zh-Hans"))
            await publish_notification(
                w.queue.redis, {"type": "enqueued", "conversation_id": conversation, "skill": "push"}
            )
            assigned = await console.expect("assigned", conversation_id=conversation)
            assert assigned["agent_id"] == "gus"

            status, body = await w.api.call(
                "POST", f"/api/conversations/{conversation}/messages", token=gus, json={"text": "您好"}
            )
            assert (status, body["error"]) == (503, "rasa_unavailable")
            assert "nothing was sent" in body["message"]
            status, body = await w.api.call("GET", "/api/conversations", token=gus)
            assert body["conversations"][0]["last_agent_reply_at"] is None
            # Nor is a close half done: the conversation stays with gus.
            status, body = await w.api.call(
                "POST", f"/api/conversations/{conversation}/close", token=gus,
                json={"category": "resolved", "department": "customer_service"},
            )
            assert (status, body["error"]) == (503, "rasa_unavailable")
            ticket = await w.queue.ticket(conversation)
            assert (ticket.state, ticket.agent_id) == ("assigned", "gus")
            await w.queue.close(conversation)

    run(stack, redis_url, service, scenario)


def test_redis_being_down_gives_503(stack, users_file, tmp_path):
    own_redis = start_embedded_redis(tmp_path / "redis")
    service = start_handoff_service(stack, own_redis.url, users_file, tmp_path)

    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            api = Api(session, service)
            ana = await api.login("ana")
            own_redis.stop()
            status, body = await api.call("GET", "/api/queues", token=ana)
            assert (status, body["error"]) == (503, "redis_unavailable")
            status, body = await api.call("GET", "/health")
            assert (status, body["error"]) == (503, "redis_unavailable")

    try:
        asyncio.run(scenario())
    finally:
        service.process.stop()
        own_redis.stop()


# Callbacks


def test_a_callback_is_listed_and_archived_when_done(stack, redis_url, service):
    async def scenario(w: World) -> None:
        hal = await w.api.login("hal")
        conversation = f"callback-{uuid.uuid4().hex[:12]}"
        callback_id = await w.queue.leave_callback(
            Ticket(conversation, "callbacks", 3, "customer_request", "rest", "zh-Hans"), "请明天上午回电"
        )
        status, body = await w.api.call("GET", "/api/callbacks", token=hal)
        listed = next(c for c in body["callbacks"] if c["callback_id"] == callback_id)
        assert (listed["conversation_id"], listed["message"]) == (conversation, "请明天上午回电")

        status, body = await w.api.call("POST", f"/api/callbacks/{callback_id}/done", token=hal, json={})
        assert (status, body["field"]) == (400, "category")
        status, body = await w.api.call(
            "POST", f"/api/callbacks/{callback_id}/done", token=hal,
            json={"category": "callback_promised", "department": "customer_service"},
        )
        assert status == 200
        archive = CaseArchive(service.database_url)
        case = archive.get(body["case_id"])
        archive.close()
        assert (case["conversation_id"], case["agent_id"], case["assigned_at"]) == (conversation, "hal", None)
        status, body = await w.api.call("GET", "/api/callbacks", token=hal)
        assert callback_id not in [c["callback_id"] for c in body["callbacks"]]
        status, body = await w.api.call(
            "POST", f"/api/callbacks/{callback_id}/done", token=hal,
            json={"category": "callback_promised", "department": "customer_service"},
        )
        assert (status, body["error"]) == (404, "unknown_callback")

    run(stack, redis_url, service, scenario)


def test_an_agent_of_another_team_can_neither_list_nor_close_a_callback(stack, redis_url, service):
    async def scenario(w: World) -> None:
        ana, supervisor = await w.api.login("ana"), await w.api.login("chen")  # ana: tracking, general
        conversation = f"callback-{uuid.uuid4().hex[:12]}"
        callback_id = await w.queue.leave_callback(
            Ticket(conversation, "callbacks", 3, "customer_request", "rest", "zh-Hans",
                   context={"summary": "Complaint; phone 138****5678 verified → complaint."}),
            "请回电 13812345678",
        )
        status, body = await w.api.call("GET", "/api/callbacks", token=ana)
        assert status == 200
        assert callback_id not in [c["callback_id"] for c in body["callbacks"]]
        assert all(c["skill"] in ("tracking", "general") for c in body["callbacks"])

        status, body = await w.api.call(
            "POST", f"/api/callbacks/{callback_id}/done", token=ana,
            json={"category": "callback_promised", "department": "customer_service"},
        )
        assert (status, body["error"]) == (403, "not_your_team")
        assert "callbacks team" in body["message"]
        assert callback_id in [c.callback_id for c in await w.queue.callbacks()]  # still open

        # A supervisor sees every team's callbacks.
        status, body = await w.api.call("GET", "/api/callbacks", token=supervisor)
        assert callback_id in [c["callback_id"] for c in body["callbacks"]]
        await w.queue.close_callback(callback_id)

    run(stack, redis_url, service, scenario)


# Tools


def test_add_user_command_writes_a_user_with_a_given_or_generated_password(tmp_path):
    users_path = tmp_path / "users.yml"
    command = [sys.executable, "-m", "foundation.staff.auth", "add-user", str(users_path)]
    environment = {**os.environ, "PYTHONPATH": str(ROOT)}
    subprocess.run(
        command + ["ana", "--name", "Ana Li", "--skills", "tracking,general", "--capacity", "3"],
        input="typed-password\n", text=True, check=True, env=environment, cwd=ROOT,
    )
    generated = subprocess.run(
        command + ["chen", "--role", "supervisor"],
        input="", text=True, check=True, capture_output=True, env=environment, cwd=ROOT,
    )
    users = load_users(users_path)
    assert users["ana"].skills == ["tracking", "general"] and users["ana"].capacity == 3
    assert verify_password("typed-password", users["ana"].password_hash)
    assert users["chen"].role == "supervisor"
    chen_password = generated.stdout.split("Generated password:")[1].strip()
    assert verify_password(chen_password, users["chen"].password_hash)


def test_log_lines_mask_phone_numbers():
    record = logging.LogRecord("handoff", logging.INFO, __file__, 1, "customer wrote %s", ("call 13812345678",), None)
    MaskPhoneNumbers().filter(record)
    assert record.getMessage() == "customer wrote call 138****5678"
