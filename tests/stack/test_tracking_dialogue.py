"""What a customer reads or hears when tracking a parcel, through the running assistant.

The test stories (tests/stories/) check which actions run; these check the words:
the answer, the masking of personal data, the phone line's spoken form, the
languages, and a carrier system that does not answer.
"""
import asyncio
import uuid

from chat import say
from actions import tracking
from actions.carrier.http_carrier import HttpCarrier
from commands.processes import free_port


def test_a_number_gets_status_last_scans_and_no_personal_data(stack, demo_data):
    parcel = demo_data.find("out_for_delivery")
    answer = "\n".join(say(stack, f"{parcel.tracking_number} 到哪了"))
    assert parcel.tracking_number in answer
    assert "派送中" in answer
    assert "物流记录" in answer and parcel.last_scan.place in answer
    assert parcel.recipient.name not in answer
    assert parcel.recipient.phone not in answer


def test_a_wrong_number_is_explained_and_the_third_failure_reaches_a_person(stack):
    sender = uuid.uuid4().hex
    say(stack, "我的快递到哪了", sender)
    first = "".join(say(stack, "KD2026", sender))
    assert "KD 加 12 位数字" in first
    second = "".join(say(stack, "单号是 12345678", sender))
    assert "如果这次还不行，我会为您转人工客服" in second
    third = "".join(say(stack, "不知道", sender))
    assert "请留下您的问题" in third  # no agent is online in these tests: a callback


def test_another_carriers_number_names_the_carrier_and_how_to_track_it(stack):
    answer = "".join(say(stack, "帮我查 SF1234567890123"))
    assert "顺丰速运" in answer and "95338" in answer


def test_an_unknown_number_says_so_and_gives_the_usual_causes(stack):
    answer = "".join(say(stack, "KD209901010001 到哪了"))
    assert "没有查到运单号 KD209901010001" in answer
    assert "包裹刚寄出" in answer


def test_phone_lookup_lists_parcels_only_after_the_sms_code(stack, demo_data):
    sender = uuid.uuid4().hex
    asked = "".join(say(stack, f"用手机号 {demo_data.phone} 查快递", sender))
    assert demo_data.phone not in asked
    assert f"{demo_data.phone[:3]}****{demo_data.phone[-4:]}" in asked
    assert "KD" not in asked  # nothing is listed yet

    wrong = "".join(say(stack, demo_data.fill("{wrong_code}"), sender))
    assert "验证码不正确" in wrong and "KD" not in wrong

    listed = "".join(say(stack, demo_data.code(), sender))
    assert "找到" in listed and "个包裹" in listed
    parcels = asyncio.run(demo_data.carrier.find_parcels_by_phone(demo_data.phone))
    assert parcels[0].tracking_number in listed


def test_pickup_code_is_given_only_to_a_verified_customer(stack, demo_data):
    parcel = demo_data.find("delivered", delivered_to="station")
    sender = uuid.uuid4().hex
    unverified = "".join(say(stack, parcel.tracking_number, sender))
    assert parcel.pickup_code not in unverified
    assert "验证身份后，我可以告诉您取件码" in unverified

    say(stack, f"手机号 {parcel.recipient.phone}", sender)
    say(stack, demo_data.code(parcel.recipient.phone), sender)
    verified = "".join(say(stack, parcel.tracking_number, sender))
    assert f"取件码 {parcel.pickup_code}" in verified


def test_a_damaged_parcel_offers_a_person(stack, demo_data):
    parcel = demo_data.find("damaged")
    answer = say(stack, f"查一下 {parcel.tracking_number}")
    assert "包裹破损" in answer[0]
    assert answer[-1] == "需要现在为您转人工客服吗？"


def test_the_phone_line_gets_short_spoken_sentences(stack, demo_data):
    parcel = demo_data.find("in_transit")
    spoken = " ".join("幺二三四五六七八九零"["1234567890".index(d)] for d in parcel.tracking_number[2:])
    answer = "".join(say(stack, f"我的单号是 K D {spoken}", input_channel="ivr"))
    assert "尾号 " + " ".join(parcel.tracking_number[-4:]) in answer
    assert "\n" not in answer and "物流记录" not in answer
    assert parcel.tracking_number not in answer


def test_english_and_traditional_customers_are_answered_in_their_script(stack, demo_data):
    parcel = demo_data.find("in_transit")
    english = "".join(say(stack, f"where is my parcel {parcel.tracking_number}"))
    assert "on its way" in english
    traditional = "".join(say(stack, f"我的包裹 {parcel.tracking_number} 到哪裡了"))
    assert "運輸中" in traditional and "运输中" not in traditional


class Dispatcher:
    def __init__(self) -> None:
        self.messages = []

    def utter_message(self, **message) -> None:
        self.messages.append(message)


def test_an_unreachable_carrier_is_told_to_the_customer_with_a_person_offered(monkeypatch):
    from rasa_sdk import Tracker

    dead = HttpCarrier(f"http://127.0.0.1:{free_port()}", "", timeout_seconds=0.5, retries=1)
    monkeypatch.setattr(tracking, "shared_gateway", lambda: dead)
    conversation = Tracker(
        "c", {"tracking_number": ["KD202611230001"], "language": "en"},
        {"intent": {"name": "track_parcel"}, "entities": [], "text": "KD202611230001"},
        [], False, None, {}, "action_listen",
    )
    dispatcher = Dispatcher()
    events = asyncio.run(tracking.ActionAnswerTracking().run(dispatcher, conversation, {}))
    assert "unavailable" in dispatcher.messages[0]["text"]
    assert {"event": "slot", "timestamp": None, "name": "handoff_reason", "value": "action_error"} in events
    assert events[-1]["name"] == "action_offer_human"
