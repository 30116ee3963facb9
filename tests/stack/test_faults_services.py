"""Faults of what the assistant leans on, each on a private stack so that what breaks
hurts no other test: Redis (embedded, append-only files as in production) restarted under
customers waiting and talking to agents; the courier's tracking API slow, failing or down.
"""
import asyncio
import dataclasses
import json
import threading
import time
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple
from urllib.parse import urlsplit

import aiohttp
import pytest
from aiohttp import web

from actions.carrier.demo_parcels import build_parcels
from actions.carrier.gateway import ParcelStatus, shanghai_now
from actions.carrier.http_carrier import RETRY_PAUSE_SECONDS
from actions.tracking_phrases import TRACKING_UNAVAILABLE
from chat import WebChat, conversation_id, conversation_of, front_end_headers, say, webhook
from commands.processes import free_port
from commands.redis_server import start_embedded_redis
from foundation.markdown import plain_text_as_markdown
from foundation.language import SIMPLIFIED
from handoff.demo_users import ALL_SKILLS
from handoff.service.queue_watch import TICK_SECONDS
from handoff.waiting_words import back_in_front_text
from services import start_stack, write_users_file
from test_handoff_service import Api, Console, Rasa, Service, wait_for

USERS = {agent: {"name": agent.title(), "role": "agent", "skills": ALL_SKILLS, "capacity": 3}
         for agent in ("amy", "ben", "cy")}
EDITORS = {"eda": {"name": "Eda Qin", "role": "editor"}}


def private_stack(model_path: Path, redis_url: str, var_dir: Path, **environment: str):
    """A stack with a queue of its own, open around the clock, and `environment` for its
    processes; this process's environment is left as it was."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("HANDOFF_KEY_PREFIX", f"test-faults-{uuid.uuid4().hex[:8]}:handoff:")
        patch.setenv("HANDOFF_HOURS", "00:00-24:00")
        for name, value in environment.items():
            patch.setenv(name, value)
        return start_stack(model_path, redis_url, var_dir)


# Redis restarted

# Short, so that the outage outlasts an agent's lease.
LEASE_SECONDS = 5
OUTAGE_SECONDS = LEASE_SECONDS + 3


class RestartableRedis:
    """An embedded Redis that starts again on its port, password and append-only files."""

    def __init__(self, directory: Path) -> None:
        self.directory, self.server = directory, start_embedded_redis(directory)

    def start_again(self) -> None:
        address = urlsplit(self.server.url)
        self.server = start_embedded_redis(self.directory, port=address.port, password=address.password)


@pytest.fixture(scope="module")
def restart(model_path, tmp_path_factory):
    """What customers, agents and an editor saw around a Redis restart, by name."""
    directory = tmp_path_factory.mktemp("redis-restart")
    redis = RestartableRedis(directory / "redis")
    stack = private_stack(
        model_path, redis.server.url, directory / "var",
        HANDOFF_USERS_FILE=str(write_users_file(directory / "agents.yml", USERS)),
        KNOWLEDGE_USERS_FILE=str(write_users_file(directory / "editors.yml", EDITORS)),
        HANDOFF_LEASE_SECONDS=str(LEASE_SECONDS),
    )
    try:
        yield asyncio.run(restart_scenario({"stack": stack}, redis))
    finally:
        stack.stop()
        redis.server.stop()


async def restart_scenario(seen: Dict[str, Any], redis: RestartableRedis) -> Dict[str, Any]:
    stack = seen["stack"]
    service = Service(stack.settings.handoff_url, "", "", None)
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as http:
        api = Api(http, service)
        amy, ben, cy = [await api.login(agent) for agent in USERS]
        web_chat = WebChat(stack)
        # Amy's and Ben's consoles send a heartbeat every second; Cy's only when told.
        async with Console(service, amy) as amy_console, Console(service, ben), \
                Console(service, cy, heartbeat=False) as cy_console:
            await before_outage(seen, http, api, web_chat, (amy, cy), cy_console)
            redis.server.stop()
            stopped = time.monotonic()
            await outage(seen, http, api, amy, amy_console)
            await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - stopped)))
            redis.start_again()
            # At once, as agents do who keep pressing "take next".
            seen["waiting after"] = await noticed(waiting(api, amy))
            claims = await asyncio.gather(
                api.call("POST", "/api/claim", token=amy), api.call("POST", "/api/claim", token=ben))
            seen["claim statuses after"] = [status for status, _ in claims]
            seen["claimed after"] = [body["conversation"]["conversation_id"] for _, body in claims if body]
            seen["amy's after"] = await conversations(api, amy)
            seen["amy's heartbeat"] = await heartbeat(amy_console)
            # Like the real console's (every 10 s), Cy's first heartbeat after the restart
            # comes after the queue watch has looked at the leases.
            await asyncio.sleep(TICK_SECONDS + 1)
            seen["cy's heartbeat"] = await heartbeat(cy_console)
            seen["cy's after"] = await conversations(api, cy)
            await api.call("POST", f"/api/conversations/{seen['web']}/messages", token=amy,
                           json={"text": "网页上的您好！"})
            seen["web reply"] = await noticed(reply_saying(web_chat, "网页上的您好！"))
            await after_restart(seen, http, api, amy, amy_console)
        await web_chat.close()
        # Ben's console is gone: his lease runs out and his customer goes back in line.
        bens = [chat for chat in seen["claimed after"] if chat not in seen["amy's after"]]

        async def bens_back_in_line() -> bool:
            return bool(bens) and set(bens) <= set(await waiting(api, amy))

        seen["requeued"] = await wait_for(bens_back_in_line, timeout=4 * LEASE_SECONDS)
        seen["told back in front"] = [
            await wait_for(lambda: handoff_notice(http, stack, chat, "requeued")) for chat in bens]
    return seen


async def before_outage(seen, http, api: Api, web_chat: WebChat, tokens, cy_console) -> None:
    """Six customers hand off; Amy takes the first two, Cy the third; three wait."""
    stack, (amy, cy) = seen["stack"], tokens
    seen["web"] = conversation_of(await web_chat.open())
    seen["first"] = await hand_off(http, stack)
    await web_chat.send("转人工")
    await noticed(web_chat.reply())
    seen["cy's customer"] = await hand_off(http, stack)
    seen["others"] = [await hand_off(http, stack) for _ in range(3)]
    claims = [await api.call("POST", "/api/claim", token=token) for token in (amy, amy, cy)]
    seen["claimed before"] = [body["conversation"]["conversation_id"] for _, body in claims]
    await heartbeat(cy_console)
    seen["waiting before"] = await waiting(api, cy)
    seen["pids"] = [child.process.pid for child in stack.children]


async def outage(seen, http, api: Api, amy: str, amy_console) -> None:
    """What each party gets while Redis is down."""
    stack, first = seen["stack"], seen["first"]
    seen["new customer"] = await rest(http, stack, uuid.uuid4().hex, "你好")
    seen["waiting customer"] = await rest(http, stack, seen["others"][0], "还要等多久？")
    seen["queues"] = await api.call("GET", "/api/queues", token=amy)
    seen["claim"] = await api.call("POST", "/api/claim", token=amy)
    seen["agent message"] = await api.call(
        "POST", f"/api/conversations/{first}/messages", token=amy, json={"text": "在的"})
    seen["agent login"] = await api.call("POST", "/api/login", json={"user": "ben", "password": "x"})
    seen["editor login"] = await editor_login(http, stack)
    seen["heartbeat"] = await noticed(amy_console.expect("error"))
    newcomer = WebChat(stack)
    seen["web chat session"] = await noticed(asyncio.wait_for(newcomer.open(), 3))
    await newcomer.close()


async def after_restart(seen, http, api: Api, amy: str, amy_console) -> None:
    stack, first = seen["stack"], seen["first"]
    seen["agent message after"] = await api.call(
        "POST", f"/api/conversations/{first}/messages", token=amy, json={"text": "您好，我是客服 Amy。"})
    seen["first tracker"] = (await Rasa(http, stack).tracker(first))["events"]
    seen["customer writes"] = await rest(http, stack, first, "好的，谢谢")
    seen["relayed"] = await noticed(amy_console.expect("message", conversation_id=first, sender="customer"))
    newcomer = uuid.uuid4().hex
    seen["newcomer greets"] = await rest(http, stack, newcomer, "你好")
    seen["newcomer hands off"] = await rest(http, stack, newcomer, "转人工")
    seen["enqueued"] = await noticed(amy_console.expect(
        "queue", event="enqueued", conversation_id=conversation_id(newcomer)))
    seen["newcomer waits"] = conversation_id(newcomer) in await waiting(api, amy)
    seen["editor login after"] = await editor_login(http, stack)


async def rest(http: aiohttp.ClientSession, stack, customer: str, text: str) -> Tuple[int, Any]:
    """What the REST channel answers `text` from `customer` (a sender, or the conversation
    of one) through the app front end: status and JSON."""
    sender = customer.split(":", 1)[-1]
    async with http.post(webhook(stack), json={"sender": sender, "message": text},
                         headers=front_end_headers(stack)) as reply:
        return reply.status, await reply.json()


async def hand_off(http: aiohttp.ClientSession, stack) -> str:
    sender = uuid.uuid4().hex
    status, replies = await rest(http, stack, sender, "转人工")
    assert status == 200 and "转接人工客服" in replies[0]["text"], replies
    return conversation_id(sender)


async def waiting(api: Api, token: str) -> List[str]:
    status, body = await api.call("GET", "/api/queues", token=token)
    assert status == 200, body
    return [c["conversation_id"] for q in body["queues"] for c in q["waiting"]]


async def conversations(api: Api, token: str) -> List[str]:
    _, body = await api.call("GET", "/api/conversations", token=token)
    return [c["conversation_id"] for c in body["conversations"]]


async def heartbeat(console) -> Optional[Dict[str, Any]]:
    console.received.clear()
    await console.socket.send(json.dumps({"type": "heartbeat"}))
    return await noticed(console.expect("heartbeat"))


async def editor_login(http: aiohttp.ClientSession, stack) -> Tuple[int, Any]:
    async with http.post(f"{stack.settings.knowledge_url}/api/login",
                         json={"user": "eda", "password": "eda-secret"}) as reply:
        return reply.status, json.loads(await reply.text() or "null")


async def handoff_notice(http, stack, conversation: str, kind: str) -> Optional[str]:
    """The last text of this kind (position, requeued) the agent service sent the customer."""
    told = [e["text"] for e in (await Rasa(http, stack).tracker(conversation))["events"]
            if e["event"] == "bot" and (e.get("metadata") or {}).get("handoff") == kind]
    return told[-1] if told else None


async def reply_saying(web_chat: WebChat, text: str, timeout: float = 10) -> Dict[str, Any]:
    """The web chat's reply ending with `text` (an agent's words come under their name),
    after the bot's earlier replies."""
    deadline = time.monotonic() + timeout
    while True:
        reply = await web_chat.reply(max(0.1, deadline - time.monotonic()))
        if reply.get("text", "").endswith(plain_text_as_markdown(text)):
            return reply


async def noticed(awaited) -> Any:
    """What an awaited notice brought; None when it did not come (the tests say which)."""
    try:
        return await awaited
    except (AssertionError, asyncio.TimeoutError):
        return None


def test_while_redis_is_down_customers_and_agents_are_told_so_at_once(restart):
    for who in ("new customer", "waiting customer"):
        status, body = restart[who]
        assert (status, body["error"]) == (503, "assistant_error"), who
        assert "send the message again" in body["message"]
    for what in ("queues", "claim", "agent message", "agent login", "editor login"):
        status, body = restart[what]
        assert (status, body["error"]) == (503, "redis_unavailable"), what
    assert restart["heartbeat"]["error"] == "redis_unavailable"


def test_while_redis_is_down_a_web_chat_customer_still_gets_a_session(restart):
    assert restart["web chat session"]


def test_after_a_restart_waiting_customers_keep_their_places_and_agents_their_customers(restart):
    assert restart["claimed before"] == [restart["first"], restart["web"], restart["cy's customer"]]
    assert restart["waiting before"] == restart["waiting after"] == restart["others"]
    assert set(restart["claimed before"][:2]) <= set(restart["amy's after"])
    assert restart["amy's heartbeat"]["lease"] is True
    # Cy's lease did not run out for the time Redis was down.
    assert restart["cy's heartbeat"]["lease"] is True
    assert restart["cy's after"] == [restart["cy's customer"]]


def test_after_a_restart_nobody_is_assigned_twice(restart):
    assert restart["claim statuses after"] == [200, 200]
    assert sorted(restart["claimed after"]) == sorted(restart["others"][:2])
    assert not set(restart["claimed after"]) & set(restart["claimed before"])


def test_after_a_restart_agent_and_customers_talk_again(restart):
    status, body = restart["agent message after"]
    assert status == 201, body
    said = [e["text"] for e in restart["first tracker"] if e["event"] == "bot"]
    assert said and said[-1] == "您好，我是客服 Amy。"
    assert restart["customer writes"] == (200, [])  # the agent answers, not the bot
    assert restart["relayed"]["text"] == "好的，谢谢"


def test_after_a_restart_an_agent_message_reaches_the_web_chat_at_once(restart):
    reply = restart["web reply"]["text"]
    assert reply.startswith("**客服") and reply.endswith("网页上的您好！")


def test_after_a_restart_every_service_works_without_being_restarted(restart):
    stack = restart["stack"]
    assert [child.process.pid for child in stack.children] == restart["pids"]
    assert stack.dead_child() is None
    status, replies = restart["newcomer greets"]
    assert status == 200 and replies  # Rasa, its lock store
    assert restart["newcomer hands off"][0] == 200
    assert restart["newcomer waits"]  # the action server's queue
    assert restart["enqueued"]  # the consoles' channel
    assert restart["requeued"]  # the queue watch
    told = restart["told back in front"]
    assert told and told == [back_in_front_text(SIMPLIFIED)] * len(told)  # and tells the customers
    assert restart["editor login after"][0] == 200  # the knowledge editor


# The carrier's API slow, failing or down

CARRIER_TIMEOUT_SECONDS = 1.0
CARRIER_RETRIES = 1
# The longest the adapter waits: each attempt times out, a pause between (http_carrier.py).
CARRIER_WAIT_SECONDS = (CARRIER_RETRIES + 1) * CARRIER_TIMEOUT_SECONDS + RETRY_PAUSE_SECONDS
# The rest of the turn (understanding, tracker, reply) on a busy 2-core machine.
TURN_SECONDS = 3.0
SLOW_SECONDS = 30.0


class FakeCarrier:
    """The courier's tracking API (the contract in actions/carrier/README.md), serving
    the demo parcels from a thread of its own; it can be made slow, failing or down."""

    def __init__(self) -> None:
        self.parcels = {parcel.tracking_number: parcel for parcel in build_parcels(shanghai_now())}
        self.port, self.behaviour = free_port(), "well"
        self.url = f"http://127.0.0.1:{self.port}"
        self.loop = asyncio.new_event_loop()
        threading.Thread(target=self.loop.run_forever, daemon=True).start()
        self.up()

    def up(self) -> None:
        asyncio.run_coroutine_threadsafe(self._serve(), self.loop).result(10)

    def down(self) -> None:
        """Stops listening: connections are refused."""
        asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(30)

    def close(self) -> None:
        self.down()
        self.loop.call_soon_threadsafe(self.loop.stop)

    async def _serve(self) -> None:
        app = web.Application()
        app.router.add_get("/parcels/{number}", self._parcel)
        # A caller that gave up cancels its handler: none is left sleeping.
        self.runner = web.AppRunner(app, handler_cancellation=True)
        await self.runner.setup()
        await web.TCPSite(self.runner, "127.0.0.1", self.port, reuse_address=True).start()

    async def _parcel(self, request: web.Request) -> web.Response:
        if self.behaviour == "slow":
            await asyncio.sleep(SLOW_SECONDS)
        if self.behaviour == "failing":
            return web.Response(status=500, text="Internal Server Error")
        parcel = self.parcels.get(request.match_info["number"])
        if parcel is None:
            return web.json_response({"error": "not_found"}, status=404)
        as_json = json.dumps(dataclasses.asdict(parcel), default=lambda moment: moment.isoformat())
        return web.json_response(text=as_json)


@pytest.fixture(scope="module")
def carrier(model_path, redis_url, tmp_path_factory):
    """The fake carrier, and a stack whose action server asks it."""
    api = FakeCarrier()
    stack = private_stack(
        model_path, redis_url, tmp_path_factory.mktemp("carrier-faults"),
        CARRIER_GATEWAY="http", CARRIER_API_URL=api.url,
        CARRIER_API_TIMEOUT_SECONDS=str(CARRIER_TIMEOUT_SECONDS), CARRIER_API_RETRIES=str(CARRIER_RETRIES),
    )
    yield api, stack
    stack.stop()
    api.close()


@pytest.mark.parametrize("fault", ["slow", "failing", "down"])
def test_a_carrier_fault_gets_a_clear_answer_in_time_and_tracking_works_once_it_is_over(carrier, fault):
    carrier, stack = carrier
    parcel = next(p for p in carrier.parcels.values() if p.status is ParcelStatus.OUT_FOR_DELIVERY)
    carrier.behaviour = fault
    if fault == "down":
        carrier.down()
    try:
        started = time.monotonic()
        answer = "\n".join(say(stack, f"{parcel.tracking_number} 到哪了"))
        waited = time.monotonic() - started
    finally:
        carrier.behaviour = "well"
        if fault == "down":
            carrier.up()
    assert TRACKING_UNAVAILABLE.zh in answer  # try again later
    assert "转人工" in answer  # or talk to a person
    # Not kept waiting for the carrier (a slow one answers after SLOW_SECONDS).
    assert waited < CARRIER_WAIT_SECONDS + TURN_SECONDS

    answer = "\n".join(say(stack, f"{parcel.tracking_number} 到哪了"))
    assert parcel.tracking_number in answer
    assert TRACKING_UNAVAILABLE.zh not in answer
