"""The IVR channel's turns, without servers: a dict stands in for Redis and a stub for
the assistant, which records what it was told."""
import asyncio
import json
from typing import Any, Dict, List, Optional

import pytest

from bot.channels.front_ends import FrontEnds
from bot.channels.ivr import IvrInput, keyed_number
from bot.channels.ivr_request import parse_turn
from bot.channels.ivr_turns import TurnConflict, TurnStore
from bot.channels.message_checks import MessageRejected
from bot.channels.rate_limit import MessageRateLimit

TOKEN = "ivr-token-0123456789"
CALLER = "13800138008"


class DictRedis:
    """The few Redis commands the turn store uses."""

    def __init__(self) -> None:
        self.values: Dict[str, str] = {}

    async def set(self, key: str, value: str, nx: bool = False, ex: Optional[int] = None) -> bool:
        if nx and key in self.values:
            return False
        self.values[key] = value
        return True

    async def get(self, key: str) -> Optional[str]:
        return self.values.get(key)

    async def delete(self, key: str) -> None:
        self.values.pop(key, None)


class Assistant:
    """Answers every message with `answers` (after a pause, as a model takes time)."""

    def __init__(self, *answers: Dict[str, Any]) -> None:
        self.answers = list(answers) or [{"text": "您好，请问有什么可以帮您？"}]
        self.heard: List[Any] = []

    async def __call__(self, message) -> None:
        self.heard.append(message)
        await asyncio.sleep(0.05)
        for answer in self.answers:
            if "custom" in answer:
                await message.output_channel.send_custom_json(message.sender_id, answer["custom"])
            elif "buttons" in answer:
                await message.output_channel.send_text_with_buttons(message.sender_id, answer["text"], answer["buttons"])
            else:
                await message.output_channel.send_text_message(message.sender_id, answer["text"])


@pytest.fixture
def channel():
    turns = TurnStore("redis://unused", poll_seconds=0.01)
    turns._redis = DictRedis()
    front_ends = FrontEnds.from_config([{"name": "ivr", "token": TOKEN, "channel": "ivr", "may_mark_vip": False}])
    return IvrInput(front_ends, MessageRateLimit(30), turns, "caller-secret-0123456789")


def turn(turn_id: str, caller: str = CALLER, call_id: str = "call-1", **given: Any):
    body = {"call_id": call_id, "turn_id": turn_id, "caller": caller, "locale": "zh-CN", **given}
    return parse_turn(json.dumps(body).encode(), 2000)


def answer(channel, assistant, *turns):
    front_end = channel.front_ends.front_ends[0]

    async def run():
        return await asyncio.gather(*(channel.answer_once(front_end, t, assistant) for t in turns))

    return asyncio.run(run())


def test_a_turn_sent_again_while_it_is_answered_reaches_the_assistant_once(channel):
    assistant = Assistant()
    replies = answer(channel, assistant, *[turn("2", text="你好", confidence=0.9)] * 3)
    assert len(assistant.heard) == 1
    assert replies[0] == replies[1] == replies[2]
    assert replies[0]["prompts"] == ["您好，请问有什么可以帮您？"]
    later, = answer(channel, assistant, turn("2", text="你好", confidence=0.9))
    assert later == replies[0] and len(assistant.heard) == 1


def test_a_turn_id_reused_for_other_input_is_refused(channel):
    answer(channel, Assistant(), turn("2", text="你好"))
    with pytest.raises(TurnConflict):
        answer(channel, Assistant(), turn("2", digits="1"))


def test_the_conversation_is_the_callers_and_never_holds_the_number(channel):
    assistant = Assistant()
    answer(channel, assistant, turn("1", text="你好"), turn("1", call_id="call-2", text="你好"),
           turn("1", call_id="call-3", caller="13900139009", text="你好"))
    first, again, other = (message.sender_id for message in assistant.heard)
    assert first == again != other
    assert CALLER not in first and first.startswith("ivr~")
    message = assistant.heard[0]
    assert message.input_channel == "ivr"
    assert message.metadata["trusted"] == {"front_end": "ivr", "vip": False, "caller": CALLER}


def test_a_menu_key_sends_its_choice_and_a_key_off_the_menu_is_asked_again(channel):
    assistant = Assistant()
    start, = answer(channel, assistant, turn("1", event="start"))
    assert "查快递请按1" in "".join(start["prompts"]) and assistant.heard == []
    answer(channel, assistant, turn("2", digits="2"))
    assert assistant.heard[-1].text == "我要退货"
    menu = Assistant({"text": "请打分。", "buttons": [{"title": "满意", "payload": "5"}]})
    answer(channel, menu, turn("3", text="好的"))
    off_menu, = answer(channel, menu, turn("4", digits="7"))
    assert len(menu.heard) == 1 and "没有听清" in off_menu["prompts"][0] and "满意请按1" in off_menu["prompts"][1]
    answer(channel, menu, turn("5", digits="1#"))
    assert menu.heard[-1].text == "5"


def test_speech_heard_too_unsure_is_asked_again_and_the_third_miss_asks_for_a_person(channel):
    assistant = Assistant({"text": "正在为您转接。"}, {"custom": {"transfer": {"team": "general", "case_id": "c"}}})
    answer(channel, assistant, turn("1", event="start"))
    mumbled, = answer(channel, assistant, turn("2", text="嗯啊", confidence=0.1))
    silent, = answer(channel, assistant, turn("3", event="no_input"))
    assert assistant.heard == [] and mumbled["action"] == silent["action"] == "continue"
    transferred, = answer(channel, assistant, turn("4", event="no_match"))
    assert assistant.heard[-1].text == "/request_human"
    assert transferred["action"] == "transfer" and transferred["transfer"]["team"] == "general"


def test_our_parcel_numbers_are_keyed_without_their_letters():
    assert keyed_number("202611230001") == "KD202611230001"
    assert keyed_number("73123456789012") == "73123456789012"  # ZTO's are digits anyway
    assert keyed_number("13800138000") == "13800138000"


@pytest.mark.parametrize("body, error", [
    (b"\xff", "invalid_encoding"), (b"[1]", "invalid_json"), (b"{", "invalid_json"),
    (json.dumps({"call_id": "c", "turn_id": "1", "text": "x", "digits": "1"}).encode(), "invalid_input"),
    (json.dumps({"call_id": "c", "turn_id": "1"}).encode(), "invalid_input"),
    (json.dumps({"call_id": "", "turn_id": "1", "text": "x"}).encode(), "invalid_call_id"),
    (json.dumps({"call_id": "c", "turn_id": True, "text": "x"}).encode(), "invalid_turn_id"),
    (json.dumps({"call_id": "c", "turn_id": "1", "digits": "12a"}).encode(), "invalid_digits"),
    (json.dumps({"call_id": "c", "turn_id": "1", "event": "ring"}).encode(), "invalid_event"),
    (json.dumps({"call_id": "c", "turn_id": "1", "event": "transfer_result"}).encode(), "invalid_status"),
    (json.dumps({"call_id": "c", "turn_id": "1", "text": "x", "confidence": 2}).encode(), "invalid_confidence"),
    (json.dumps({"call_id": "c", "turn_id": "1", "text": "x", "caller": "anonymous"}).encode(), "invalid_caller"),
    (json.dumps({"call_id": "c", "turn_id": "1", "text": " "}).encode(), "empty_message"),
])
def test_a_malformed_turn_is_refused_with_a_reason(body, error):
    with pytest.raises(MessageRejected) as refused:
        parse_turn(body, 2000)
    assert refused.value.code == error and refused.value.status in (400, 413)


def test_a_transfer_that_failed_is_told_and_the_call_ends(channel):
    failed, = answer(channel, Assistant(), turn("9", event="transfer_result", status="busy"))
    assert failed["action"] == "hangup" and "无法接通人工客服" in failed["prompts"][0]
    connected, = answer(channel, Assistant(), turn("10", event="transfer_result", status="connected"))
    assert connected == {"prompts": [], "ssml": connected["ssml"], "barge_in": False, "action": "hangup"}


def test_a_turn_the_assistant_failed_on_is_not_stored_so_its_retry_is_answered(channel):
    class Failing(Assistant):
        async def __call__(self, message) -> None:
            self.heard.append(message)
            raise RuntimeError("the model broke")

    with pytest.raises(MessageRejected) as refused:
        answer(channel, Failing(), turn("2", text="你好"))
    assert refused.value.status == 503 and refused.value.headers["Retry-After"]
    retried, = answer(channel, Assistant(), turn("2", text="你好"))
    assert retried["prompts"] == ["您好，请问有什么可以帮您？"]
