"""The conversation lock of endpoints.yml (bot/lock_store.py) against a real Redis, as
two Rasa servers share it: one message of a conversation at a time, in arrival order,
other conversations not held up, an abandoned lock freed by its lifetime."""
import asyncio
import uuid

import pytest
import redis
from rasa.core.lock_store import LockError, LockStore
from rasa.utils.endpoints import EndpointConfig, read_endpoint_config

from bot.lock_store import AtomicRedisLockStore
from foundation.settings import ROOT


def _store(redis_url: str) -> AtomicRedisLockStore:
    return AtomicRedisLockStore(EndpointConfig(url=redis_url, key_prefix=f"test{uuid.uuid4().hex[:6]}"))


def test_endpoints_yml_configures_it(monkeypatch, redis_url):
    for name in ("ACTION_SERVER_URL", "ACTION_SERVER_TOKEN", "DATABASE_URL"):
        monkeypatch.setenv(name, "")
    monkeypatch.setenv("REDIS_URL", redis_url)
    store = LockStore.create(read_endpoint_config(str(ROOT / "endpoints.yml"), "lock_store"))
    assert isinstance(store, AtomicRedisLockStore)


def test_messages_of_one_conversation_take_turns_in_arrival_order(redis_url):
    # Two stores: two Rasa servers sharing one Redis.
    first, second = _store(redis_url), _store(redis_url)
    second.key_prefix = first.key_prefix
    conversation = uuid.uuid4().hex
    inside, order = [], []

    async def message(store, number: int) -> None:
        await asyncio.sleep(number * 0.01)  # they arrive in this order
        async with store.lock(conversation):
            inside.append(number)
            assert len(inside) == 1, "two messages of one conversation at once"
            await asyncio.sleep(0.05)
            order.append(number)
            inside.remove(number)

    async def run():
        await asyncio.gather(*(message((first, second)[n % 2], n) for n in range(8)))

    asyncio.run(run())
    assert order == list(range(8))
    # Nothing is left behind in Redis.
    assert not redis.Redis.from_url(redis_url).keys(f"{first.key_prefix}*")


def test_other_conversations_are_not_held_up(redis_url):
    store = _store(redis_url)

    async def run():
        async with store.lock("busy"):
            async with store.lock("other"):  # would wait forever if the lock were global
                return True

    assert asyncio.run(asyncio.wait_for(run(), 5))


def test_a_lock_abandoned_by_a_dead_server_frees_after_its_lifetime(redis_url):
    store = _store(redis_url)
    conversation = uuid.uuid4().hex

    async def run():
        # A server died holding this ticket: it is never released.
        await store._issue(keys=store._keys(conversation), args=[300])
        started = asyncio.get_running_loop().time()
        async with store.lock(conversation):
            return asyncio.get_running_loop().time() - started

    assert 0.2 <= asyncio.run(run()) < 2


def test_a_message_whose_ticket_expired_while_waiting_fails_as_in_rasa(redis_url):
    store = _store(redis_url)
    conversation = uuid.uuid4().hex

    async def run():
        async with store.lock(conversation, lock_lifetime=10):
            async with store.lock(conversation, lock_lifetime=0.2):
                pass

    with pytest.raises(LockError):
        asyncio.run(run())
