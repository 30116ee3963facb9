"""Whole phone calls through the IVR channel (/webhooks/ivr/turn) of the running
assistant, as a scripted IVR front end makes them: one request per turn, speech as
recognised text, keys as digits, silence and hang-ups as events."""
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict

import pytest
import requests

from chat import conversation_id, conversation_tracker, messages
from ivr_call import Call, conversation_of_call as _conversation
from services import queue_call
from handoff.queue_records import Presence


@pytest.fixture
def agent_online(stack, redis_url):
    agent = f"agent-{uuid.uuid4().hex[:6]}"
    queue_call(redis_url, "register_agent", agent, ["general", "tracking", "complaints", "returns"])
    yield agent
    queue_call(redis_url, "set_presence", agent, Presence.OFFLINE)


def test_a_call_starts_with_a_spoken_menu_that_expects_speech_or_a_key(stack):
    call = Call(stack)
    answer = call.start()
    assert answer["action"] == "continue"
    assert "查快递请按1" in call.spoken() and "人工服务请按0" in call.spoken()
    assert answer["expect"]["input"] == ["speech", "digits"]
    assert answer["expect"]["digits"]["max"] == 1
    assert answer["ssml"].startswith("<speak")
    assert answer["barge_in"] is True


def test_a_parcel_is_tracked_by_spoken_digits(stack, demo_data):
    parcel = demo_data.find("in_transit")
    call = Call(stack)
    call.start()
    spoken = " ".join("幺二三四五六七八九零"["1234567890".index(d)] for d in parcel.tracking_number[2:])
    call.say(f"我的单号是 K D {spoken}")
    assert "尾号 " + " ".join(parcel.tracking_number[-4:]) in call.spoken()
    assert parcel.tracking_number not in call.spoken()
    assert all("**" not in prompt and "http" not in prompt for prompt in call.last["prompts"])


def test_a_menu_key_chooses_and_a_parcel_number_is_keyed_in(stack, demo_data):
    parcel = demo_data.find("in_transit")
    call = Call(stack)
    call.start()
    call.press("1")  # 查快递
    assert call.last["action"] == "continue"
    assert call.last["expect"]["digits"]["terminator"] == "#"
    call.press(parcel.tracking_number[2:] + "#")
    assert "尾号 " + " ".join(parcel.tracking_number[-4:]) in call.spoken()


def test_a_knowledge_question_is_answered_in_plain_sentences(stack):
    call = Call(stack)
    call.start()
    call.say("寄快递运费怎么算")
    assert call.last["action"] == "continue"
    assert call.last["prompts"]
    assert all(not set(prompt) & set("*#[]()") for prompt in call.last["prompts"])


def test_silence_is_asked_about_twice_shorter_each_time_then_the_call_goes_to_a_person(
        stack, redis_url, agent_online):
    call = Call(stack)
    first = call.start()
    again = call.turn(event="no_input", count=1)
    shorter = call.turn(event="no_input", count=2)
    assert again["action"] == shorter["action"] == "continue"
    assert "没有听清" in "".join(again["prompts"])
    assert len("".join(first["prompts"])) > len("".join(again["prompts"])) > len("".join(shorter["prompts"]))
    assert "请按1" in "".join(shorter["prompts"])  # the menu is still on offer
    transferred = call.turn(event="no_input", count=3)
    assert transferred["action"] == "transfer"
    case_id = transferred["transfer"]["case_id"]
    assert queue_call(redis_url, "ticket", case_id).channel == "ivr"
    queue_call(redis_url, "close", case_id)


def console_view(stack, team, case_id: str) -> Dict[str, Any]:
    """The case as the agents' console shows it to a supervisor, found by its id."""
    base = stack.settings.handoff_url
    login = requests.post(f"{base}/api/login", json={"user": "supervisor", "password": team["supervisor"]},
                          timeout=10)
    login.raise_for_status()
    reply = requests.get(f"{base}/api/conversations/{case_id}", timeout=10,
                         headers={"Authorization": f"Bearer {login.json()['token']}"})
    reply.raise_for_status()
    return reply.json()


def test_a_request_for_a_person_transfers_the_call_with_its_case(stack, redis_url, team, agent_online):
    call = Call(stack)
    call.start()
    call.say("我要转人工")
    answer = call.last
    assert answer["action"] == "transfer" and "expect" not in answer
    transfer = answer["transfer"]
    case_id = transfer["case_id"]
    assert call.caller not in case_id
    assert bytes.fromhex(transfer["uui"]).decode() == f"case_id={case_id};team={transfer['team']}"
    ticket = queue_call(redis_url, "ticket", case_id)
    assert ticket.channel == "ivr" and ticket.skill == transfer["team"]
    assert "转接人工客服" in call.spoken() and "在这里回复" not in call.spoken()
    shown = console_view(stack, team, case_id)
    assert shown["conversation"]["channel"] == "ivr"
    assert [i["intent"] for i in shown["context"]["intents"]][-1] == "request_human"
    assert call.turn(event="transfer_result", status="connected")["action"] == "hangup"
    queue_call(redis_url, "close", case_id)


def test_the_rest_channels_ivr_front_end_still_gets_text_only(stack, redis_url, agent_online):
    sender = uuid.uuid4().hex
    replies = messages(stack, "我要转人工", sender, input_channel="ivr")
    assert "转接人工客服" in replies[0]["text"]
    assert all("custom" not in reply for reply in replies)
    queue_call(redis_url, "close", conversation_id(sender))


def test_a_repeated_turn_is_answered_from_the_first_reply_not_processed_twice(stack):
    call = Call(stack)
    call.start()
    body = {"turn_id": "t-2", "text": "你好", "confidence": 0.9}
    with ThreadPoolExecutor(3) as pool:
        replies = list(pool.map(lambda _: call.post(**body), range(3)))
    assert [reply.status_code for reply in replies] == [200, 200, 200]
    assert len({reply.text for reply in replies}) == 1
    conversation = replies[0].json()  # same answer; the tracker holds the words once
    assert conversation["action"] == "continue"
    tracker = conversation_tracker(stack, _conversation(stack, call))
    assert [e["text"] for e in tracker["events"] if e["event"] == "user"] == ["你好"]
    reused = call.post(turn_id="t-2", text="我要退货")
    assert reused.status_code == 409 and reused.json()["error"] == "turn_id_reused"


def test_a_hangup_mid_return_keeps_what_was_said_and_a_call_back_resumes(stack, demo_data):
    parcel = demo_data.find("delivered")
    first = Call(stack)
    first.start()
    first.press("2")  # 退货
    first.say(f"单号 {parcel.tracking_number}")
    asked = first.last["prompts"][-1]
    assert first.turn(event="hangup")["action"] == "hangup"

    again = Call(stack, caller=first.caller)
    resumed = again.start()
    assert "欢迎回来" in resumed["prompts"][0]
    assert resumed["prompts"][-1] == asked
    slots = conversation_tracker(stack, _conversation(stack, again))["slots"]
    assert parcel.tracking_number in str(slots)


def test_out_of_hours_a_callback_to_the_callers_number_is_confirmed_by_a_key(stack, redis_url):
    call = Call(stack)  # nobody is online: the callback path, as out of hours
    call.start()
    call.say("我要转人工")
    assert "尾号 " + " ".join(call.caller[-4:]) in call.spoken()
    assert "确认回电请按1" in call.spoken()
    call.press("1")
    assert call.last["action"] == "hangup"
    assert "回电" in call.spoken()
    callbacks = queue_call(redis_url, "callbacks")
    mine = [c for c in callbacks if c.ticket.conversation_id == _conversation(stack, call)]
    assert mine and mine[0].ticket.context["callback_phone"] == call.caller
    assert mine[0].ticket.channel == "ivr"
