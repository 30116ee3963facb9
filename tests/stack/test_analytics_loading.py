"""The analytics load reading what the running assistant really streams (rasa:events on
the stack's Redis): the outcome of each conversation as the customer lived it."""
import time
import uuid

import pytest
from sqlalchemy import select

from analytics.loading import load_events
from analytics.warehouse import conversations, open_warehouse, turns
from chat import conversation_id, say
from handoff.queue_records import Presence
from services import queue_call


@pytest.fixture
def agent_online(stack, redis_url):
    agent = f"agent-{uuid.uuid4().hex[:6]}"
    queue_call(redis_url, "register_agent", agent, ["general", "tracking", "complaints"])
    yield agent
    queue_call(redis_url, "set_presence", agent, Presence.OFFLINE)


def loaded(engine, redis_url, senders, expected):
    """The conversations of `senders` once `expected` of them are in (the broker
    appends a moment after the reply)."""
    ids = [conversation_id(sender) for sender in senders]
    deadline = time.monotonic() + 10
    while True:
        load_events(engine, redis_url)
        with engine.connect() as connection:
            found = {row["sender_id"]: dict(row) for row in connection.execute(
                select(conversations).where(conversations.c.sender_id.in_(ids))).mappings()}
        if len(found) >= expected or time.monotonic() > deadline:
            return found
        time.sleep(0.2)


def test_answered_handed_off_and_unanswered_conversations_get_their_outcome(
    stack, redis_url, agent_online, tmp_path
):
    answered, handed, puzzled, unsure = (uuid.uuid4().hex for _ in range(4))
    say(stack, "寄到北京的运费怎么算", answered)
    say(stack, "寄到北京的运费怎么算", answered)
    say(stack, "KD202611230001 到哪了", handed)
    say(stack, "我要转人工", handed)
    say(stack, "还在吗？", handed)  # to the agent: not a turn of the bot
    queue_call(redis_url, "close", conversation_id(handed))
    say(stack, "/nlu_fallback", puzzled)  # not understood, and the customer leaves
    say(stack, "我想问问关于寄件的规定", unsure)  # three articles offered, none taken

    engine = open_warehouse(f"sqlite:///{tmp_path / 'analytics.db'}")
    found = loaded(engine, redis_url, [answered, handed, puzzled, unsure], 4)
    with engine.connect() as connection:
        answers = connection.execute(select(turns).where(
            turns.c.sender_id == conversation_id(answered)).order_by(turns.c.at)).mappings().all()
    engine.dispose()

    assert found[conversation_id(answered)]["outcome"] == "contained"
    assert [turn["knowledge_answer"] for turn in answers] == [True, True]
    assert [turn["reasked"] for turn in answers] == [True, False]
    handoff = found[conversation_id(handed)]
    assert (handoff["outcome"], handoff["handoff_reason"], handoff["handoff_team"]) == (
        "handoff", "customer_request", "tracking")
    assert handoff["user_messages"] == 2
    assert handoff["channel"] == "app"
    assert found[conversation_id(puzzled)]["outcome"] == "bot_abandoned"
    assert found[conversation_id(unsure)]["outcome"] == "bot_abandoned"
