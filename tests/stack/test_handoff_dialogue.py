"""Handing a conversation to the agents' queue and taking it back, through the running
assistant and a real Redis: queueing with a context package, the bot falling silent,
callback messages when nobody is online, and the rating after the agent closes."""
import os
import time
import uuid

import pytest
import requests

from actions.handoff import rating_in
from chat import conversation_id, say, tracker
from handoff.cases import CaseArchive, ClosedCase
from services import queue_call
from handoff.queue_records import Presence


@pytest.fixture
def agent_online(stack, redis_url):
    agent = f"agent-{uuid.uuid4().hex[:6]}"
    queue_call(redis_url, "register_agent", agent, ["general", "tracking", "complaints"])
    yield agent
    queue_call(redis_url, "set_presence", agent, Presence.OFFLINE)


def test_asking_for_a_person_queues_the_conversation_and_silences_the_bot(
    stack, redis_url, agent_online
):
    sender = uuid.uuid4().hex
    say(stack, "KD202611230001 到哪了", sender)
    replies = say(stack, "我要转人工", sender)
    assert "转接人工客服" in replies[0]
    assert "您是下一位" in replies[1]

    ticket = queue_call(redis_url, "ticket", conversation_id(sender))
    assert (ticket.reason, ticket.skill, ticket.priority) == ("customer_request", "tracking", 3)
    context = ticket.context
    assert context["conversation_id"] == conversation_id(sender)
    assert "KD202611230001" in context["parcels"]
    assert [i["intent"] for i in context["intents"]] == ["track_parcel", "request_human"]
    assert context["summary"]

    assert tracker(stack, sender)["paused"] is True
    assert say(stack, "还在吗？", sender) == []  # the agent answers now, not the bot
    kept = [e["text"] for e in tracker(stack, sender)["events"] if e["event"] == "user"]
    assert kept[-1] == "还在吗？"  # but it is kept
    queue_call(redis_url, "close", conversation_id(sender))


def test_a_second_customer_is_told_how_many_are_ahead(stack, redis_url, agent_online):
    first, second = uuid.uuid4().hex, uuid.uuid4().hex
    say(stack, "转人工", first)
    replies = say(stack, "talk to an agent please", second)
    assert "There is 1 customer ahead of you" in replies[1]
    assert "minute" in replies[1]
    for sender in (first, second):
        queue_call(redis_url, "close", conversation_id(sender))


def test_with_nobody_online_the_customer_leaves_a_callback_message(stack, redis_url):
    sender = uuid.uuid4().hex
    asked = "".join(say(stack, "人工客服", sender))
    assert "暂时没有客服在线" in asked and "留下您的问题" in asked
    done = "".join(say(stack, "包裹破了，请回电 13812345678", sender))
    assert "已收到您的留言" in done
    callbacks = [
        c for c in queue_call(redis_url, "callbacks") if c.ticket.conversation_id == conversation_id(sender)
    ]
    assert len(callbacks) == 1
    assert callbacks[0].message == "包裹破了，请回电 13812345678"
    assert tracker(stack, sender)["paused"] is False  # the bot keeps helping meanwhile


def test_after_the_agent_closes_the_bot_asks_for_a_rating_and_stores_it(stack):
    sender = uuid.uuid4().hex
    say(stack, "你好", sender)
    conversation = conversation_id(sender)
    archive = CaseArchive(os.environ.get("HANDOFF_DATABASE_URL") or
                          f"sqlite:///{stack.settings.var_dir / 'handoff.db'}")
    case_id = archive.archive(ClosedCase(
        conversation_id=conversation, customer_key=f"conversation:{conversation}", reason="customer_request",
        skill="general", priority=3, category="resolved", department="customer_service",
        closed_at=time.time(),
    ))
    api = stack.settings.rasa_url
    token = {"token": stack.settings.auth_token}
    requests.post(f"{api}/conversations/{conversation}/tracker/events", params=token,
                  json=[{"event": "resume"}], timeout=10).raise_for_status()
    closed = requests.post(f"{api}/conversations/{conversation}/trigger_intent",
                           params={**token, "output_channel": "collector"},
                           json={"name": "handoff_closed"}, timeout=30)
    closed.raise_for_status()
    texts = [m["text"] for m in closed.json()["messages"]]
    assert "本次人工服务已结束" in texts[0]
    assert "1 到 5 分" in texts[1]
    assert [b["payload"] for b in closed.json()["messages"][1]["buttons"]][0] == "5"

    assert "感谢您的评价" in "".join(say(stack, "4分吧", sender))
    assert archive.get(case_id)["rating"] == 4


@pytest.mark.parametrize(
    "text, rating",
    [("5", 5), ("五星", 5), ("给4分", 4), ("three", 3), ("★★", 2), ("１", 1),
     ("还行吧", None), ("10", None), ("我的单号123456", None)],
)
def test_ratings_are_read_from_what_customers_type(text, rating):
    assert rating_in(text) == rating


def test_a_vip_from_the_app_goes_first_in_the_queue(stack, redis_url, agent_online):
    ordinary, vip = uuid.uuid4().hex, uuid.uuid4().hex
    say(stack, "转人工", ordinary, input_channel="app")
    replies = say(stack, "转人工", vip, input_channel="app", metadata={"vip": True})
    assert "您是下一位" in replies[-1]
    ticket = queue_call(redis_url, "ticket", conversation_id(vip))
    assert (ticket.reason, ticket.priority) == ("vip", 0)
    assert queue_call(redis_url, "position", conversation_id(vip)) == 1
    assert queue_call(redis_url, "position", conversation_id(ordinary)) == 2
    for sender in (ordinary, vip):
        queue_call(redis_url, "close", conversation_id(sender))
