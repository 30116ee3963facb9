"""What a customer reads or hears when returning a parcel, through the running assistant.

The test stories (tests/stories/returns.yml) check which actions run; these check the
words and what the carrier stored: the RMA and next steps, one return however often it
is submitted, the masked address, the phone line, the three scripts, the explanations
of a refusal, the status answers, and a carrier system that does not answer. Before the
pickup address, or a return's details, the recipient types the SMS code texted to them
(tests/stack/test_verification_security.py tries to do without).
Each test returns delivered parcels of its own, taken from the end of the demo data's
lists; the stories take theirs from the start.
"""
import asyncio
import re
import uuid

from rasa_sdk import Tracker

from actions.carrier.http_carrier import HttpCarrier
from actions.returns import return_form
from commands.processes import free_port
from chat import messages, say

RMA = re.compile(r"RT\d{10}")


CODE = "{code}"  # the SMS code texted to the parcel's recipient
SIMPLIFIED = ("我要退货", "衣服", "尺码不合适", "是", "没有", CODE, "是", "1", "确认提交")
TRADITIONAL = ("我要退貨", "衣服", "尺碼不合適", "是", "沒有", CODE, "是", "1", "確認提交")


def book(stack, demo_data, sender: str, parcel, answers=SIMPLIFIED, **extra) -> str:
    """Goes through the whole form for clothing returned without a reason; the answer."""
    start, *rest = answers
    for text in (start, parcel.tracking_number, *rest[:-1]):
        if text == CODE:
            text = demo_data.code(parcel.recipient.phone)
        say(stack, text, sender, **extra)
    return "\n".join(say(stack, rest[-1], sender, **extra))


def test_a_booked_return_gives_the_rma_the_pickup_and_what_happens_next(stack, demo_data):
    parcel = demo_data.delivered["recent"][-1]
    sender = uuid.uuid4().hex
    answer = book(stack, demo_data, sender, parcel)
    stored = asyncio.run(demo_data.carrier.returns_of_parcel(parcel.tracking_number))
    assert len(stored) == 1
    assert f"退货单号 {stored[0].return_number}" in answer
    assert f"{stored[0].pickup_slot.start:%H:%M}–{stored[0].pickup_slot.end:%H:%M}" in answer
    assert "退货运费由您承担" in answer and "退款原路返回" in answer
    # The address the courier goes to is stored whole, and shown masked.
    assert stored[0].pickup_address == parcel.recipient.address
    assert parcel.recipient.address not in answer and "****" in answer
    assert (stored[0].category, stored[0].reason) == ("apparel", "no_reason")


def test_submitting_the_same_return_twice_creates_one(stack, demo_data):
    parcel = demo_data.delivered["recent"][-2]
    sender = uuid.uuid4().hex
    first = RMA.search(book(stack, demo_data, sender, parcel)).group()
    again = "".join(say(stack, f"我要退货 {parcel.tracking_number}", sender))
    assert f"已经有一个退货申请：退货单号 {first}" in again
    # From another conversation too: the parcel's open return is found, not doubled,
    # and told once the recipient's code is given.
    elsewhere = uuid.uuid4().hex
    asked = "".join(say(stack, f"I want to return {parcel.tracking_number}", elsewhere))
    assert first not in asked and "code" in asked
    told = "".join(say(stack, demo_data.code(parcel.recipient.phone), elsewhere))
    assert f"already has a return: {first}" in told
    assert len(asyncio.run(demo_data.carrier.returns_of_parcel(parcel.tracking_number))) == 1


def test_the_questions_come_with_buttons_on_the_web(stack, demo_data):
    sender = uuid.uuid4().hex
    parcel = demo_data.delivered["recent"][-3]
    say(stack, "我要退货", sender)
    category = messages(stack, parcel.tracking_number, sender)[0]
    assert [b["title"] for b in category["buttons"]][:3] == ["衣服", "鞋子", "数码电子产品"]
    reason = messages(stack, category["buttons"][1]["payload"], sender)[0]
    assert "质量问题" in [b["title"] for b in reason["buttons"]]
    code = messages(stack, "质量问题", sender)[0]
    assert "验证码" in code["text"] and not code.get("buttons")
    address = messages(stack, demo_data.code(parcel.recipient.phone), sender)[0]
    assert "****" in address["text"] and [b["title"] for b in address["buttons"]] == ["是", "否"]
    slots = messages(stack, "是", sender)[0]
    assert 3 <= len(slots["buttons"]) <= 9
    assert slots["buttons"][0]["payload"] == "1"


def test_another_pickup_address_is_asked_for_and_used(stack, demo_data):
    parcel = demo_data.delivered["recent"][-4]
    sender = uuid.uuid4().hex
    for text in (f"我要退货 {parcel.tracking_number}", "鞋子", "发错货了", CODE, "不是"):
        if text == CODE:
            text = demo_data.code(parcel.recipient.phone)
        asked = "".join(say(stack, text, sender))
    assert "请告诉我取件地址" in asked
    assert "太短" in "".join(say(stack, "公司区", sender))
    say(stack, "上海市徐汇区漕溪北路 88 号 5 楼", sender)
    summary = "".join(say(stack, "1", sender))
    assert "取件地址：上海市徐汇区****" in summary
    assert "退货运费：商家承担" in summary
    say(stack, "确认", sender)
    stored = asyncio.run(demo_data.carrier.returns_of_parcel(parcel.tracking_number))
    assert stored[0].pickup_address == "上海市徐汇区漕溪北路 88 号 5 楼"


def test_english_and_traditional_customers_are_answered_in_their_script(stack, demo_data):
    english = "".join(say(stack, f"I'd like to return {demo_data.delivered['recent'][-5].tracking_number}"))
    assert english == "What kind of item are you returning?"
    assert "請發一下要退的包裹的運單號" in "".join(say(stack, "我要退貨"))
    booked = book(stack, demo_data, uuid.uuid4().hex, demo_data.delivered["recent"][-6],
                  TRADITIONAL)
    assert "退貨申請已提交" in booked and "退货" not in booked


def test_the_phone_line_hears_the_choices_and_the_summary(stack, demo_data):
    parcel = demo_data.delivered["recent"][-7]
    sender = uuid.uuid4().hex
    ivr = {"input_channel": "ivr"}
    category = messages(stack, f"我要退货 {parcel.tracking_number}", sender, **ivr)[0]
    assert "请说商品类别" in category["text"] and not category.get("buttons")
    code = "".join(say(stack, "衣服", sender, **ivr) + say(stack, "质量问题", sender, **ivr))
    assert "尾号 " + " ".join(parcel.recipient.phone[-4:]) in code
    assert parcel.recipient.phone[:3] not in code
    spoken = " ".join("零幺二三四五六七八九"[int(d)] for d in demo_data.code(parcel.recipient.phone))
    for text in (spoken, "是"):
        asked = "".join(say(stack, text, sender, **ivr))
    assert re.search(r"1，(今天|明天) \d+ 点到 \d+ 点。", asked), asked
    summary = "".join(say(stack, "第一个", sender, **ivr))
    assert "尾号 " + " ".join(parcel.tracking_number[-4:]) in summary
    assert "\n" not in summary and parcel.tracking_number not in summary
    booked = "".join(say(stack, "对", sender, **ivr))
    assert re.search(r"退货单号是 R T( \d){10}", booked), booked


def test_a_refusal_says_which_rule_and_the_dates(stack, demo_data):
    parcel = demo_data.delivered["old"][-1]
    answer = "".join(say(stack, f"我要退货 {parcel.tracking_number}，衣服不想要了"))
    delivered = parcel.last_scan.time
    assert f"衣服无理由退货需在签收后 7 天内申请，您的包裹 {delivered.month}月{delivered.day}日签收" in answer
    assert "转人工" in answer
    assert asyncio.run(demo_data.carrier.returns_of_parcel(parcel.tracking_number)) == []


def test_excluded_goods_are_explained_in_english(stack, demo_data):
    sender = uuid.uuid4().hex
    say(stack, f"I want to return {demo_data.delivered['recent'][-8].tracking_number}", sender)
    say(stack, "underwear", sender)
    answer = "".join(say(stack, "I don't want it any more", sender))
    assert "for hygiene it can't be returned without a reason" in answer


def test_parcels_that_cannot_be_returned_are_explained_and_asked_again(stack, demo_data):
    sender = uuid.uuid4().hex
    say(stack, "我要退货", sender)
    on_its_way = demo_data.find("out_for_delivery").tracking_number
    answer = say(stack, on_its_way, sender)
    assert "派送中" in answer[0] and "签收以后才能申请退货" in answer[0]
    assert "请发一下要退的包裹的运单号" in answer[1]
    other = "".join(say(stack, "SF1234567890123", sender))
    assert "顺丰速运" in other and "如果还是不行，我会为您转人工客服" in other


def test_status_by_parcel_number_and_a_parcel_without_returns(stack, demo_data):
    seeded = asyncio.run(demo_data.carrier.get_return(demo_data.fill("{return:pickup_scheduled}")))
    sender = uuid.uuid4().hex
    asked = "".join(say(stack, f"{seeded.tracking_number} 的退货进度", sender))
    assert seeded.return_number not in asked and "验证码" in asked
    answer = "".join(say(stack, demo_data.fill("{code:return:pickup_scheduled}"), sender))
    assert f"退货单 {seeded.return_number}（包裹 {seeded.tracking_number}）：已预约上门取件" in answer
    assert f"{seeded.pickup_slot.start:%H:%M}–{seeded.pickup_slot.end:%H:%M}" in answer
    assert "退款：商家收到退货并验货后发起" in answer
    fresh = demo_data.delivered["recent"][-9]
    sender = uuid.uuid4().hex
    say(stack, f"{fresh.tracking_number} 的退款到哪了", sender)
    assert "还没有退货申请" in "".join(say(stack, demo_data.code(fresh.recipient.phone), sender))


def test_a_refund_in_progress_and_an_unknown_return_number(stack, demo_data):
    sender = uuid.uuid4().hex
    say(stack, "where is my refund", sender)
    unknown = "".join(say(stack, "RT9999999999", sender))
    assert "I can't find a return RT9999999999" in unknown
    say(stack, demo_data.fill("{return:refund_pending}"), sender)
    answer = "".join(say(stack, demo_data.fill("{code:return:refund_pending}"), sender))
    assert "the refund is being processed" in answer and "1–7 working days" in answer


class Dispatcher:
    def __init__(self) -> None:
        self.messages = []

    def utter_message(self, **message) -> None:
        self.messages.append(message)


def test_a_carrier_that_does_not_answer_loses_nothing_of_the_return(monkeypatch):
    dead = HttpCarrier(f"http://127.0.0.1:{free_port()}", "", timeout_seconds=0.5, retries=1)
    monkeypatch.setattr(return_form, "shared_gateway", lambda: dead)
    slots = {
        "language": "en", "return_parcel": "KD202611230001", "return_category": "apparel",
        "return_reason": "quality", "return_answers": {}, "return_address_confirmed": True,
        "return_pickup_slot": ["2026-12-05T09:00:00+08:00", "2026-12-05T12:00:00+08:00"],
        "return_confirmed": True, "return_outcome": "confirmed",
    }
    conversation = Tracker("c", slots, {"intent": {"name": "affirm"}, "entities": [], "text": "yes"},
                           [], False, None, {}, "action_listen")
    dispatcher = Dispatcher()

    async def finish():
        try:
            return await return_form.ActionFinishReturn().run(dispatcher, conversation, {})
        finally:
            await dead.close()

    events = asyncio.run(finish())
    assert "Everything you told me is kept" in dispatcher.messages[0]["text"]
    changed = {event["name"]: event["value"] for event in events if event["event"] == "slot"}
    # The return waits to be confirmed again; its parcel, item and reason are kept.
    assert changed["return_outcome"] is None and changed["return_confirmed"] is None
    assert "return_parcel" not in changed and "return_category" not in changed
    assert changed["handoff_reason"] == "action_error"
    assert events[-1]["name"] == "action_offer_human"
