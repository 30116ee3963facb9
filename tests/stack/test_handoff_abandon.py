"""A waiting customer leaving the queue, through the running stack: they say "不用了"
while waiting, the queue lets them go at once, the bot takes the conversation back and
says so, and the case is archived as abandoned; or their web chat has been gone for the
grace period. A customer an agent has is not dropped."""
import asyncio
import os
import time
import uuid

import pytest
from sqlalchemy import select

from chat import WebChat, conversation_id, conversation_of, say, tracker
from foundation.chat_presence import ChatPresence
from foundation.redis_client import connect
from handoff.cases import CaseArchive, cases_table
from services import queue_call
from handoff.queue_records import Presence


@pytest.fixture
def agent(stack, redis_url, monkeypatch):
    monkeypatch.setenv("REDIS_URL", redis_url)
    agent = f"agent-{uuid.uuid4().hex[:6]}"
    queue_call(os.environ["REDIS_URL"], "register_agent", agent, ["general", "tracking", "complaints"])
    yield agent
    queue_call(os.environ["REDIS_URL"], "set_presence", agent, Presence.OFFLINE)


def wait_until_told(stack, sender: str, text: str, timeout: float = 30) -> None:
    """Until the bot's last word in the conversation starts with `text`, which the
    service says once the customer has left the queue."""
    deadline = time.monotonic() + timeout
    while not bot_texts(stack, sender)[-1].startswith(text):
        assert time.monotonic() < deadline, f"{sender} not told {text!r} within {timeout} s"
        time.sleep(0.2)


def bot_texts(stack, sender: str):
    return [e.get("text") or "" for e in tracker(stack, sender)["events"] if e["event"] == "bot"]


def archived(stack, sender: str):
    archive = CaseArchive(os.environ.get("HANDOFF_DATABASE_URL") or
                          f"sqlite:///{stack.settings.var_dir / 'handoff.db'}")
    try:
        with archive.engine.connect() as connection:
            return connection.execute(select(cases_table).where(
                cases_table.c.conversation_id == conversation_id(sender))).mappings().all()
    finally:
        archive.close()


def test_a_waiting_customer_who_says_never_mind_leaves_at_once_and_the_bot_is_back(stack, agent):
    sender = uuid.uuid4().hex
    say(stack, "我要转人工", sender)
    assert queue_call(os.environ["REDIS_URL"], "ticket", conversation_id(sender)).state == "waiting"

    assert say(stack, "不用了，谢谢", sender) == []  # the bot is still paused when it reads it
    wait_until_told(stack, sender, "好的，已为您取消排队，机器人继续为您服务。还有什么可以帮您？")

    assert queue_call(os.environ["REDIS_URL"], "ticket", conversation_id(sender)) is None
    assert tracker(stack, sender)["paused"] is False
    assert say(stack, "你好", sender)  # the bot answers again
    [case] = archived(stack, sender)
    assert (case["category"], case["agent_id"], case["disposition"]) == ("abandoned", None, "said so")
    assert "不用了，谢谢" in str(case["transcript"])


def test_a_customer_with_an_agent_who_says_it_is_not_dropped(stack, agent):
    with_agent, waiting = uuid.uuid4().hex, uuid.uuid4().hex
    say(stack, "我要转人工", with_agent)
    assert queue_call(os.environ["REDIS_URL"], "claim_next", agent).conversation_id == conversation_id(with_agent)
    say(stack, "talk to an agent please", waiting)

    say(stack, "算了", with_agent)
    say(stack, "never mind", waiting)
    # The service reads customers' messages in order: once the second has left, the
    # first's "算了" has been read too.
    wait_until_told(stack, waiting, "All right, you have left the queue")

    ticket = queue_call(os.environ["REDIS_URL"], "ticket", conversation_id(with_agent))
    assert (ticket.state, ticket.agent_id) == ("assigned", agent)
    assert tracker(stack, with_agent)["paused"] is True
    assert archived(stack, with_agent) == []
    assert queue_call(os.environ["REDIS_URL"], "ticket", conversation_id(waiting)) is None
    queue_call(os.environ["REDIS_URL"], "close", conversation_id(with_agent))


def presence_call(redis_url, method, *args, **kwargs):
    async def call():
        client = connect(redis_url)
        try:
            return await getattr(ChatPresence(client), method)(*args, **kwargs)
        finally:
            await client.close(close_connection_pool=True)

    return asyncio.run(call())


def test_a_customer_whose_chat_is_gone_past_the_grace_period_leaves_as_abandoned(stack, agent, redis_url):
    # The chat channel marks a conversation gone when its socket goes; here the test
    # marks them as it would: one gone long past the grace period (120 s), one just now.
    left, away_briefly = uuid.uuid4().hex, uuid.uuid4().hex
    say(stack, "我要转人工", away_briefly)
    say(stack, "我要转人工", left)
    now = time.time()
    presence_call(redis_url, "gone", conversation_id(away_briefly), now=now - 5)
    presence_call(redis_url, "gone", conversation_id(left), now=now - 1000)

    wait_until_told(stack, left, "好的，已为您取消排队")
    assert queue_call(os.environ["REDIS_URL"], "ticket", conversation_id(left)) is None
    [case] = archived(stack, left)
    assert (case["category"], case["disposition"]) == ("abandoned", "chat gone")

    # Back within the grace period: still first in line.
    presence_call(redis_url, "connected", conversation_id(away_briefly))
    assert queue_call(os.environ["REDIS_URL"], "position", conversation_id(away_briefly)) == 1
    assert archived(stack, away_briefly) == []
    queue_call(os.environ["REDIS_URL"], "close", conversation_id(away_briefly))


def test_a_gone_customer_whose_agent_is_lost_leaves_instead_of_waiting_again(stack, agent, redis_url):
    with_agent, sentinel = uuid.uuid4().hex, uuid.uuid4().hex
    say(stack, "我要转人工", with_agent)
    assert queue_call(os.environ["REDIS_URL"], "claim_next", agent).conversation_id == conversation_id(with_agent)
    say(stack, "我要转人工", sentinel)
    long_ago = time.time() - 1000
    presence_call(redis_url, "gone", conversation_id(with_agent), now=long_ago)
    presence_call(redis_url, "gone", conversation_id(sentinel), now=long_ago)
    # The service looks at both gone chats together: once the waiting one has left,
    # the one with an agent has been seen, and kept.
    wait_until_told(stack, sentinel, "好的，已为您取消排队")
    assert queue_call(os.environ["REDIS_URL"], "ticket", conversation_id(with_agent)).agent_id == agent

    # The agent's console is lost: back in the queue, the customer is still gone.
    queue_call(os.environ["REDIS_URL"], "set_presence", agent, Presence.OFFLINE)
    wait_until_told(stack, with_agent, "好的，已为您取消排队")
    assert queue_call(os.environ["REDIS_URL"], "ticket", conversation_id(with_agent)) is None
    assert [case["category"] for case in archived(stack, with_agent)] == ["abandoned"]


def test_the_web_chat_marks_a_closed_chat_gone_and_a_reopened_one_back(stack, redis_url):
    async def close_then_reopen():
        chat = WebChat(stack)
        token = await chat.open()
        await chat.close()  # the customer closes the browser
        presence = ChatPresence(connect(redis_url))
        conversation = conversation_of(token)

        async def gone_list(until_gone: bool):
            # The server marks it when it notices; a busy machine takes longer than usual.
            for _ in range(100):
                listed = await presence.gone_before(time.time() + 1)
                if (conversation in listed) == until_gone:
                    break
                await asyncio.sleep(0.1)
            return listed

        gone = await gone_list(until_gone=True)
        again = WebChat(stack)
        await again.open(token)  # and comes back to the same conversation
        back = await gone_list(until_gone=False)
        await again.close()
        return conversation_of(token), gone, back

    conversation, gone, back = asyncio.run(close_then_reopen())
    assert conversation in gone
    assert conversation not in back
