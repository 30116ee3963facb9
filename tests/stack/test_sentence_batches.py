"""Messages arriving together are encoded together in the Rasa server's encoder process
(bot/sentence_batches.py) and understood exactly as when the pipeline encodes each one
itself; while that process is gone or hung, messages are still understood, and it
comes back."""
import asyncio
import os
import signal
import time

import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage
from rasa.core.processor import MessageProcessor

from bot import sentence_batches
from foundation import sentence_encoder as encoder

# Simplified, Traditional, full-width, English, spoken digits, a number, an emoji:
# every text the normaliser changes must still find its vector.
MESSAGES = [
    "你好", "我的快递到哪了", "運費怎麼算", "ＫＤ２０２６１１２３０００１", "where is my parcle",
    "我的单号是 K D 二零二六一一二三零零零一", "这件衣服还能退吗", "转人工", "🙂", "谢谢",
]


@pytest.fixture(scope="module")
def agent(model_path):
    return Agent.load(str(model_path))


@pytest.fixture
def recorded(monkeypatch):
    """The batches the encoder process answered (or not), and the texts the pipeline
    had to encode itself."""
    batches, in_server = [], []
    process_encode, server_encode = sentence_batches.EncoderProcess.encode, encoder.encode

    async def encode_in_process(self, texts):
        vectors = await process_encode(self, texts)
        batches.append((len(texts), vectors is not None))
        return vectors

    monkeypatch.setattr(sentence_batches.EncoderProcess, "encode", encode_in_process)
    monkeypatch.setattr(encoder, "encode", lambda texts: in_server.extend(texts) or server_encode(texts))
    monkeypatch.setattr(MessageProcessor, "parse_message", sentence_batches.parse_message)
    return batches, in_server


def understood(parsed):
    return parsed["intent"]["name"], [(row["name"], row["confidence"])
                                      for row in parsed["intent_ranking"]]


async def encoder_ready(agent):
    """Starts the encoder process (the first message goes on without it) and waits."""
    await agent.parse_message("你好")
    process = sentence_batches._batches_of_this_loop()._encoder
    deadline = time.monotonic() + 60
    while not process._ready:
        assert time.monotonic() < deadline, "the encoder process did not start in 60 s"
        await asyncio.sleep(0.1)
    return process


def test_messages_arriving_together_are_encoded_in_one_batch_and_understood_the_same(
        agent, recorded):
    batches, in_server = recorded
    expected = {text: understood(asyncio.run(
        sentence_batches._rasa_parse_message(agent.processor, UserMessage(text))))
        for text in MESSAGES}

    async def together():
        await encoder_ready(agent)
        batches.clear()
        in_server.clear()
        return await asyncio.wait_for(
            asyncio.gather(*(agent.parse_message(text) for text in MESSAGES)), 120)

    results = asyncio.run(together())
    assert batches == [(len(MESSAGES), True)], "one batch, answered by the process"
    assert in_server == [], "no message was encoded twice"
    for text, parsed in zip(MESSAGES, results):
        intent, ranking = understood(parsed)
        want_intent, want_ranking = expected[text]
        assert intent == want_intent, text
        assert [name for name, _ in ranking] == [name for name, _ in want_ranking], text
        assert [c for _, c in ranking] == pytest.approx([c for _, c in want_ranking], abs=1e-5)


@pytest.mark.parametrize("fault", ["killed", "hung"])
def test_an_encoder_process_killed_or_hung_costs_no_message_and_is_started_again(
        agent, recorded, monkeypatch, fault):
    batches, in_server = recorded
    monkeypatch.setattr(sentence_batches, "RESTART_SECONDS", 0.0)
    monkeypatch.setattr(sentence_batches, "ENCODE_SECONDS", 1.0)

    async def through_the_fault():
        process = await encoder_ready(agent)
        first = process._process.pid
        os.kill(first, signal.SIGKILL if fault == "killed" else signal.SIGSTOP)
        batches.clear()
        in_server.clear()
        started = time.monotonic()
        meanwhile = await asyncio.wait_for(agent.parse_message("我的快递到哪了"), 60)
        waited = time.monotonic() - started
        again = await encoder_ready(agent)
        batches.clear()
        after = await asyncio.wait_for(agent.parse_message("我要退货"), 60)
        return first, again._process.pid, meanwhile, waited, after

    first, second, meanwhile, waited, after = asyncio.run(through_the_fault())
    assert meanwhile["intent"]["name"] == "track_parcel"
    assert "我的快递到哪了" in in_server, "the server encoded it while the process was away"
    assert waited < 5, "a hung process holds a message up for ENCODE_SECONDS at most"
    assert second != first, "a new encoder process was started"
    assert after["intent"]["name"] == "request_return"
    assert batches == [(1, True)], "and it answers again"
