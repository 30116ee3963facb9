"""The socket.io message bus in Redis (foundation/message_bus.py), against the running
Rasa server: what is published there is read as JSON or not at all, never unpickled."""
import asyncio
import json
import pickle

import redis.asyncio as redis

from chat import WebChat, conversation_of
from foundation.message_bus import JsonRedisManager

CHANNEL = "socketio"  # python-socketio's default, used by the channel and the handoff service


class CreatesAFile:
    """Unpickling this opens (so creates) a file: what an attacker's code would do."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def emit_to(room: str, data) -> dict:
    return {"method": "emit", "event": "bot_uttered", "data": data, "namespace": "/",
            "room": room, "skip_sid": None, "callback": None, "host_id": "attacker"}


async def published_as_json(listener, data, seconds: float = 10) -> bool:
    """Whether an emit of `data` is read from the channel as JSON within `seconds`."""
    deadline = asyncio.get_running_loop().time() + seconds
    while asyncio.get_running_loop().time() < deadline:
        message = await listener.get_message(ignore_subscribe_messages=True, timeout=1)
        if message and message["data"][:1] == b"{" and json.loads(message["data"]).get("data") == data:
            return True
    return False


def test_a_pickle_on_the_bus_is_not_run_and_json_still_reaches_the_customer(stack, redis_url, tmp_path):
    planted = tmp_path / "planted"

    async def scenario() -> None:
        customer = WebChat(stack)
        room = conversation_of(await customer.open())
        client = redis.Redis.from_url(redis_url)
        listener = client.pubsub()
        await listener.subscribe(CHANNEL)
        sockets = JsonRedisManager(redis_url, write_only=True)
        try:
            await client.publish(CHANNEL, pickle.dumps(emit_to(room, {"text": CreatesAFile(str(planted))})))
            await client.publish(CHANNEL, pickle.dumps(emit_to(room, {"text": "pickled"})))
            await sockets.emit("bot_uttered", {"text": "客服小李：您好"}, room=room, namespace="/")
            assert await customer.reply(10) == {"text": "客服小李：您好"}
            # What the handoff service's manager wrote is plain JSON. Other stacks' and
            # the attacker's messages share the channel, so it is looked for among them.
            assert await published_as_json(listener, {"text": "客服小李：您好"})
            await asyncio.sleep(0.5)
            assert customer.replies.empty()  # the pickled emit was dropped too
        finally:
            await customer.close()
            await sockets.redis.close()
            await listener.close()
            await client.close()

    asyncio.run(scenario())
    assert not planted.exists()


def test_each_reply_reaches_the_web_chat_once(stack):
    # The Rasa server delivers to its own sockets directly and publishes for other
    # processes' sockets; its own copy coming back over Redis must not show twice.
    async def scenario() -> list:
        customer = WebChat(stack)
        await customer.open()
        await customer.send("运费怎么算")
        replies = [await customer.reply()]
        try:
            while True:
                replies.append(await customer.reply(timeout=1.5))
        except asyncio.TimeoutError:
            pass
        await customer.close()
        return replies

    replies = asyncio.run(scenario())
    texts = [reply.get("text") for reply in replies]
    assert texts and len(texts) == len(set(texts)), texts
