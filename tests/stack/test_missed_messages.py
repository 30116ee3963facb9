"""What the agent service says to a web chat that is gone is kept for the customer's
return, and given once (foundation/missed_messages.py), on a real Redis."""
import asyncio
import uuid

from foundation.chat_presence import ChatPresence
from foundation.missed_messages import MAX_KEPT, MissedMessages
from foundation.redis_client import connect


def run(redis_url, steps):
    async def call():
        client = connect(redis_url)
        try:
            return await steps(ChatPresence(client), MissedMessages(client))
        finally:
            await client.close(close_connection_pool=True)

    return asyncio.run(call())


def test_only_what_a_gone_chat_was_told_is_kept_and_given_once_in_order(redis_url):
    conversation = uuid.uuid4().hex

    async def steps(presence, missed):
        kept_while_there = await missed.keep_if_gone(conversation, {"text": "您是下一位"})
        await presence.gone(conversation)
        kept = [await missed.keep_if_gone(conversation, {"text": text}) for text in ("一", "二")]
        await presence.connected(conversation)
        return kept_while_there, kept, await missed.take(conversation), await missed.take(conversation)

    kept_while_there, kept, first, again = run(redis_url, steps)
    assert kept_while_there is False
    assert kept == [True, True]
    assert first == [{"text": "一"}, {"text": "二"}]
    assert again == []


def test_a_chat_gone_long_keeps_the_latest_messages_only(redis_url):
    conversation = uuid.uuid4().hex

    async def steps(presence, missed):
        await presence.gone(conversation)
        for number in range(MAX_KEPT + 5):
            await missed.keep_if_gone(conversation, {"text": str(number)})
        return await missed.take(conversation)

    assert [m["text"] for m in run(redis_url, steps)] == [str(n) for n in range(5, MAX_KEPT + 5)]
