"""The action server's knowledge base loads once, even when the first questions give up
waiting for it (actions/knowledge_base.py)."""
import asyncio

import pytest

from actions import knowledge_base


@pytest.fixture
def slow_index(monkeypatch):
    opened = []

    async def open_live_index(_redis_url):
        opened.append(1)
        await asyncio.sleep(0.3)
        return "live index"

    monkeypatch.setattr(knowledge_base, "open_live_index", open_live_index)
    monkeypatch.setattr(knowledge_base, "_shared", None)
    monkeypatch.setattr(knowledge_base, "_loading", None)
    return opened


def test_a_question_that_times_out_leaves_the_loading_to_the_next(slow_index):
    async def scenario():
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(knowledge_base.knowledge(), 0.05)
        with pytest.raises(asyncio.TimeoutError):
            await asyncio.wait_for(knowledge_base.knowledge(), 0.05)
        base = await knowledge_base.knowledge()
        return base, await knowledge_base.knowledge()

    first, second = asyncio.run(scenario())
    assert first is second
    assert first._live == "live index"
    assert len(slow_index) == 1


def test_a_failed_loading_is_tried_again(monkeypatch):
    calls = []

    async def open_live_index(_redis_url):
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("knowledge database unreachable")
        return "live index"

    monkeypatch.setattr(knowledge_base, "open_live_index", open_live_index)
    monkeypatch.setattr(knowledge_base, "_shared", None)
    monkeypatch.setattr(knowledge_base, "_loading", None)

    async def scenario():
        with pytest.raises(ConnectionError):
            await knowledge_base.knowledge()
        return await knowledge_base.knowledge()

    assert asyncio.run(scenario())._live == "live index"
    assert len(calls) == 2
