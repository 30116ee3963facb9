"""The agent service's calls to Rasa (handoff/service/rasa_client.py) and its texts to
customers (customer_messages.py), against a small in-process server that answers as
Rasa's HTTP API does and records what it was sent."""
import asyncio
import json
from dataclasses import dataclass, field
from typing import Any, Awaitable, Callable, Dict, List, Optional

import aiohttp
import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from commands.processes import free_port
from handoff.service.customer_messages import CustomerMessenger
from handoff.service.rasa_client import RasaClient, RasaUnavailable

TOKEN = "rasa-token"
CONVERSATION = "web/customer 1"  # a slash and a space: the id must reach Rasa whole


@dataclass
class Received:
    method: str
    conversation_id: str
    action: str
    query: Dict[str, str]
    body: Any


@dataclass
class FakeRasa:
    intents: List[str] = field(default_factory=lambda: ["handoff_closed"])
    failing: bool = False  # answers 500, as Rasa does when its tracker store is down
    delay_seconds: float = 0.0
    received: List[Received] = field(default_factory=list)
    events: Dict[str, List[Dict[str, Any]]] = field(default_factory=dict)

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/conversations/{conversation_id}/tracker", self.tracker)
        app.router.add_post("/conversations/{conversation_id}/tracker/events", self.append)
        app.router.add_post("/conversations/{conversation_id}/trigger_intent", self.trigger)
        return app

    async def refusal(self, request: web.Request, action: str) -> Optional[web.Response]:
        """Records the request; the error answer when it is not to be served."""
        body = json.loads(await request.text()) if request.can_read_body else None
        self.received.append(Received(
            request.method, request.match_info["conversation_id"], action, dict(request.query), body,
        ))
        await asyncio.sleep(self.delay_seconds)
        if request.query.get("token") != TOKEN:
            return web.json_response({"message": "User is not authenticated."}, status=401)
        if self.failing:
            return web.Response(status=500, text="Tracker store is not answering.")
        return None

    async def tracker(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["conversation_id"]
        refused = await self.refusal(request, "tracker")
        if refused is not None:
            return refused
        events = self.events.get(conversation_id, [])
        return web.json_response({"sender_id": conversation_id, "events": events})

    async def append(self, request: web.Request) -> web.Response:
        conversation_id = request.match_info["conversation_id"]
        refused = await self.refusal(request, "append")
        if refused is not None:
            return refused
        self.events.setdefault(conversation_id, []).extend(self.received[-1].body)
        return web.json_response({"sender_id": conversation_id})

    async def trigger(self, request: web.Request) -> web.Response:
        refused = await self.refusal(request, "trigger")
        if refused is not None:
            return refused
        if self.received[-1].body["name"] not in self.intents:
            return web.json_response({"message": "Unknown intent."}, status=404)
        return web.json_response({"messages": []})


def against(rasa: FakeRasa, scenario: Callable[[RasaClient], Awaitable[None]], token: str = TOKEN,
            timeout: float = 5) -> None:
    async def main() -> None:
        async with TestServer(rasa.app(), host="127.0.0.1") as server:
            session = aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=timeout))
            async with session:
                await scenario(RasaClient(str(server.make_url("/")), token, session))

    asyncio.run(main())


def test_the_tracker_of_a_conversation_is_read_with_the_token():
    rasa = FakeRasa(events={CONVERSATION: [{"event": "user", "text": "你好"}]})

    async def scenario(client: RasaClient) -> None:
        tracker = await client.tracker(CONVERSATION)
        assert tracker["sender_id"] == CONVERSATION
        assert tracker["events"] == [{"event": "user", "text": "你好"}]

    against(rasa, scenario)
    assert [(r.method, r.conversation_id, r.query) for r in rasa.received] == [
        ("GET", CONVERSATION, {"token": TOKEN})
    ]


def test_appended_events_reach_the_conversation_as_sent():
    rasa = FakeRasa()
    events = [{"event": "resume", "timestamp": 1.0}, {"event": "action", "name": "action_listen"}]
    against(rasa, lambda client: client.append_events(CONVERSATION, events))
    assert rasa.events == {CONVERSATION: events}


def test_triggering_an_intent_asks_for_the_replies_on_the_customers_latest_channel():
    rasa = FakeRasa(intents=["handoff_closed"])

    async def scenario(client: RasaClient) -> None:
        assert await client.trigger_intent(CONVERSATION, "handoff_closed") is True
        assert await client.trigger_intent(CONVERSATION, "not_in_the_domain") is False

    against(rasa, scenario)
    first = rasa.received[0]
    assert (first.action, first.body) == ("trigger", {"name": "handoff_closed"})
    assert first.query == {"token": TOKEN, "output_channel": "latest"}


def test_an_error_answer_is_reported_as_rasa_unavailable_with_its_status():
    async def scenario(client: RasaClient) -> None:
        with pytest.raises(RasaUnavailable) as failed:
            await client.append_events(CONVERSATION, [{"event": "pause"}])
        assert "HTTP 500" in str(failed.value)
        assert "Tracker store is not answering." in str(failed.value)

    against(FakeRasa(failing=True), scenario)


def test_a_wrong_token_is_reported_as_rasa_unavailable():
    async def scenario(client: RasaClient) -> None:
        with pytest.raises(RasaUnavailable, match="HTTP 401"):
            await client.tracker(CONVERSATION)

    against(FakeRasa(), scenario, token="wrong")


def test_a_rasa_nobody_listens_on_is_unavailable():
    async def scenario() -> None:
        async with aiohttp.ClientSession() as session:
            client = RasaClient(f"http://127.0.0.1:{free_port()}", TOKEN, session)
            with pytest.raises(RasaUnavailable, match="not reachable"):
                await client.tracker(CONVERSATION)

    asyncio.run(scenario())


def test_a_rasa_slower_than_the_timeout_is_unavailable():
    async def scenario(client: RasaClient) -> None:
        with pytest.raises(RasaUnavailable, match="not reachable"):
            await client.tracker(CONVERSATION)

    against(FakeRasa(delay_seconds=2), scenario, timeout=0.3)


# Texts to customers


class CustomerSockets:
    """socket.io's Redis manager as the messenger uses it: what was emitted to whom,
    and what Rasa's tracker held at that moment."""

    def __init__(self, rasa: FakeRasa) -> None:
        self.rasa = rasa
        self.emitted: List[Dict[str, Any]] = []

    async def emit(self, event: str, data: Dict[str, Any], room: str, namespace: str) -> None:
        recorded = [e["text"] for e in self.rasa.events.get(room, []) if e["event"] == "bot"]
        self.emitted.append({"event": event, "data": data, "room": room, "namespace": namespace,
                             "already_recorded": recorded})


def test_a_text_is_recorded_in_the_tracker_before_it_reaches_the_web_chat():
    rasa = FakeRasa()
    sockets = CustomerSockets(rasa)

    async def scenario(client: RasaClient) -> None:
        sent_at = await CustomerMessenger(client, sockets).send(CONVERSATION, "您好，我是客服小李。", {"agent": "ana"})
        recorded = rasa.events[CONVERSATION]
        assert recorded == [
            {"event": "bot", "text": "您好，我是客服小李。", "metadata": {"agent": "ana"}, "timestamp": sent_at}
        ]

    against(rasa, scenario)
    # The widget drops messages with any key but text.
    assert sockets.emitted == [{
        "event": "bot_uttered", "data": {"text": "您好，我是客服小李。"}, "room": CONVERSATION,
        "namespace": "/", "already_recorded": ["您好，我是客服小李。"],
    }]


def test_nothing_reaches_the_web_chat_when_rasa_could_not_record_it():
    rasa = FakeRasa(failing=True)
    sockets = CustomerSockets(rasa)

    async def scenario(client: RasaClient) -> None:
        with pytest.raises(RasaUnavailable):
            await CustomerMessenger(client, sockets).send(CONVERSATION, "您好", {"agent": "ana"})

    against(rasa, scenario)
    assert sockets.emitted == []
