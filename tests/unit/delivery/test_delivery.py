"""The callback outbox and its worker (delivery/) against a real Redis and a local
receiver that checks signatures: order per conversation, retries under one delivery
id, other conversations going on meanwhile, dead letters and their replay."""
import asyncio
import uuid
from typing import Awaitable, Callable

import aiohttp
import pytest

from callback_receiver import SECRET, CallbackReceiver
from delivery.outbox import Outbox
from delivery.targets import CallbackTarget, load_targets
from delivery.worker import ATTEMPT_HEADER, RetryPolicy, Worker
from foundation.signing import sign, signed_headers, verify

QUICK = RetryPolicy(first_seconds=0.05, max_seconds=0.1, attempts=4)


def test_a_receiver_accepts_the_signed_body_and_nothing_altered_forged_or_old():
    body = '{"text": "您的快递已到"}'.encode("utf-8")
    headers = signed_headers(SECRET, "d1", 1_000_000, body)
    assert verify(SECRET, headers, body, now=1_000_010)
    assert not verify(SECRET, headers, body.replace(b"text", b"txet"), now=1_000_010)
    assert not verify("another-secret-of-enough-length", headers, body, now=1_000_010)
    # Replayed ten minutes later.
    assert not verify(SECRET, headers, body, now=1_000_600)
    assert not verify(SECRET, {**headers, "X-Courier-Timestamp": "1000001"}, body, now=1_000_010)
    assert sign(SECRET, 1_000_000, body) == headers["X-Courier-Signature"]


def test_retries_back_off_exponentially_up_to_a_ceiling_and_the_default_lasts_hours():
    policy = RetryPolicy()
    pauses = [policy.pause(n, 0.999) for n in range(1, policy.attempts)]
    assert pauses[0] == pytest.approx(5, rel=0.01) and pauses[1] == pytest.approx(10, rel=0.01)
    assert pauses[-1] == pytest.approx(3600, rel=0.01)
    # Jitter: never less than half the ceiling.
    assert policy.pause(3, 0.0) == pytest.approx(10)
    assert sum(policy.pause(n, 0.0) for n in range(1, policy.attempts)) > 4 * 3600
    assert not policy.gives_up(policy.attempts - 1) and policy.gives_up(policy.attempts)


def test_callback_settings_come_from_credentials_and_a_url_needs_a_secret(tmp_path, monkeypatch):
    path = tmp_path / "credentials.yml"
    path.write_text(
        "bot.channels.rest.CourierRestInput:\n  front_ends:\n"
        "    - {name: app, callback_url: '${URL}', callback_secret: '${SECRET}'}\n"
        "    - {name: ivr}\n", encoding="utf-8")
    monkeypatch.setenv("URL", "")
    assert load_targets(path) == {}
    monkeypatch.setenv("URL", "https://app.example.com/hook")
    monkeypatch.setenv("SECRET", SECRET)
    assert load_targets(path) == {"app": CallbackTarget("https://app.example.com/hook", SECRET)}
    monkeypatch.setenv("SECRET", "short")
    with pytest.raises(ValueError, match="callback_secret"):
        load_targets(path)
    monkeypatch.setenv("URL", "ftp://app.example.com")
    with pytest.raises(ValueError, match="http"):
        load_targets(path)


def run(redis_url: str, receiver: CallbackReceiver,
        scenario: Callable[[Outbox, Worker], Awaitable[None]], policy: RetryPolicy = QUICK) -> None:
    async def main() -> None:
        outbox = Outbox.from_url(redis_url)
        outbox.prefix = f"test-{uuid.uuid4().hex[:8]}:delivery:"
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
            worker = Worker(outbox, {"app": CallbackTarget(receiver.url, SECRET)}, policy, http)
            running = asyncio.ensure_future(worker.run())
            try:
                await scenario(outbox, worker)
            finally:
                running.cancel()
                await asyncio.gather(running, return_exceptions=True)
                await outbox.close()

    receiver.start()
    try:
        asyncio.run(main())
    finally:
        receiver.stop()


async def wait_for(receiver: CallbackReceiver, conversation: str, count: int) -> None:
    await asyncio.get_running_loop().run_in_executor(None, receiver.wait_for, conversation, count, 30)


def bot_says(text: str) -> dict:
    return {"sender": "u1", "from": "bot", "message": {"text": text}}


def test_a_receiver_failing_twice_gets_every_message_once_in_order_under_one_delivery_id(redis_url):
    receiver = CallbackReceiver(failures_per_message=2)

    async def scenario(outbox: Outbox, _worker: Worker) -> None:
        ids = [await outbox.put("app:u1", "app", bot_says(f"第{n}条")) for n in range(1, 4)]
        await wait_for(receiver, "app:u1", 3)
        assert receiver.texts("app:u1") == ["第1条", "第2条", "第3条"]
        assert [m["delivery_id"] for m in receiver.accepted] == ids
        first = [a["headers"] for a in receiver.attempts if a["delivery_id"] == ids[0]]
        assert [h[ATTEMPT_HEADER] for h in first] == ["1", "2", "3"]
        assert receiver.forged == 0

    run(redis_url, receiver, scenario)


def test_one_conversation_waiting_for_its_retries_does_not_hold_up_another(redis_url):
    receiver = CallbackReceiver()
    slow = RetryPolicy(first_seconds=2, max_seconds=2, attempts=3)

    async def scenario(outbox: Outbox, _worker: Worker) -> None:
        receiver.down = True
        await outbox.put("app:stuck", "app", bot_says("等一下"))
        await asyncio.sleep(0.3)
        receiver.down = False
        await outbox.put("app:other", "app", bot_says("马上到"))
        await wait_for(receiver, "app:other", 1)
        assert receiver.texts("app:stuck") == []
        await wait_for(receiver, "app:stuck", 1)

    run(redis_url, receiver, scenario, slow)


def test_after_the_last_attempt_a_message_is_a_dead_letter_until_replayed(redis_url):
    receiver = CallbackReceiver()

    async def scenario(outbox: Outbox, _worker: Worker) -> None:
        receiver.down = True
        lost = await outbox.put("app:u1", "app", bot_says("第一条"))
        for _ in range(200):
            if await outbox.dead_count():
                break
            await asyncio.sleep(0.05)
        [dead] = await outbox.dead_letters()
        assert (dead["delivery_id"], dead["attempts"], dead["last_error"]) == (lost, 4, "HTTP 503")
        assert dead["message"]["message"]["text"] == "第一条"
        receiver.down = False
        # The conversation is not blocked behind its dead letter.
        await outbox.put("app:u1", "app", bot_says("第二条"))
        await wait_for(receiver, "app:u1", 1)
        assert await outbox.replay(dead["id"]) == lost
        assert await outbox.replay(dead["id"]) is None
        await wait_for(receiver, "app:u1", 2)
        assert receiver.texts("app:u1") == ["第二条", "第一条"]
        assert receiver.accepted[-1]["delivery_id"] == lost
        assert await outbox.dead_letters() == []

    run(redis_url, receiver, scenario)


def test_a_back_end_that_refuses_a_message_gets_no_retries_but_a_busy_one_does(redis_url):
    receiver = CallbackReceiver()

    async def scenario(outbox: Outbox, _worker: Worker) -> None:
        receiver.refusing = 400
        refused = await outbox.put("app:u1", "app", bot_says("格式不对"))
        for _ in range(200):
            if await outbox.dead_count():
                break
            await asyncio.sleep(0.05)
        [dead] = await outbox.dead_letters()
        assert (dead["delivery_id"], dead["attempts"], dead["last_error"]) == (refused, 1, "HTTP 400")
        receiver.refusing = 429
        await outbox.put("app:u2", "app", bot_says("稍后"))
        while len([a for a in receiver.attempts if a["message"]["conversation_id"] == "app:u2"]) < 2:
            await asyncio.sleep(0.05)
        receiver.refusing = None
        await wait_for(receiver, "app:u2", 1)
        assert await outbox.dead_count() == 1

    run(redis_url, receiver, scenario)
