"""Messages per conversation per minute (bot/channels/rate_limit.py)."""
import asyncio

import pytest

from bot.channels.rate_limit import MessageRateLimit
from commands.processes import free_port


class Clock:
    def __init__(self, now: float) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def send(limit: MessageRateLimit, conversation: str, times: int):
    async def sending():
        return [await limit.retry_after(conversation) for _ in range(times)]

    return asyncio.run(sending())


def test_messages_over_the_limit_wait_for_the_next_minute():
    clock = Clock(1_000_000 * 60 + 45.2)
    limit = MessageRateLimit(3, clock=clock)
    assert send(limit, "c1", 5) == [None, None, None, 15, 15]


def test_each_conversation_has_its_own_count():
    limit = MessageRateLimit(2, clock=Clock(600.0))
    send(limit, "c1", 2)
    assert send(limit, "c2", 2) == [None, None]


def test_the_next_minute_starts_a_new_count():
    clock = Clock(600.0)
    limit = MessageRateLimit(2, clock=clock)
    assert send(limit, "c1", 3)[-1] == 60
    clock.now = 660.0
    assert send(limit, "c1", 2) == [None, None]


def test_a_redis_that_does_not_answer_still_limits_in_this_process():
    limit = MessageRateLimit(2, redis_url=f"redis://127.0.0.1:{free_port()}/0", clock=Clock(600.0))
    assert send(limit, "c1", 3) == [None, None, 60]


@pytest.mark.parametrize("per_minute", [0, -1, "20", 2.5, None])
def test_a_limit_that_is_not_a_positive_whole_number_stops_the_start(per_minute):
    with pytest.raises(ValueError, match="messages_per_minute"):
        MessageRateLimit(per_minute)
