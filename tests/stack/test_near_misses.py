"""The words customers get on the near misses (README, "Near misses"), whichever of the
two confusable intents the classifier picked; tests/stories/near_misses.yml checks the
actions and slots of the same conversations. Also the NLU's rules behind them."""
import uuid

import pytest
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from foundation.cue_words import says
from bot.nlu.intent_rules import IntentRules
from chat import say, say_as


@pytest.mark.parametrize("intent", ["track_parcel", "complain"])
def test_a_cross_delay_with_a_number_gets_the_parcel_an_apology_and_a_person(stack, demo_data, intent):
    parcel = demo_data.find("in_transit")
    answer = "\n".join(say_as(stack, f"{parcel.tracking_number} 都三天了还没到，这什么速度？", intent,
                              uuid.uuid4().hex))
    assert "运输中" in answer and "物流记录" in answer  # tracked
    assert "抱歉" in answer  # the complaint is kept
    assert answer.endswith("需要现在为您转人工客服吗？")


@pytest.mark.parametrize("intent", ["track_parcel", "complain"])
def test_a_cross_delay_without_a_number_asks_for_it_then_apologises(stack, demo_data, intent):
    sender = uuid.uuid4().hex
    first = "\n".join(say_as(stack, "ordered a week ago and still not delivered, this is unacceptable",
                             intent, sender))
    assert "sorry you've been kept waiting" in first and "tracking number" in first
    answer = "\n".join(say(stack, demo_data.find("in_transit").tracking_number, sender))
    assert "on its way" in answer
    assert "sorry for the trouble" in answer
    assert answer.endswith("Shall I put you through to an agent now?")


@pytest.mark.parametrize("intent", ["request_return", "ask_faq"])
def test_can_i_return_it_gets_the_rule_for_the_item_and_starts_the_return(stack, intent):
    answer = "\n".join(say_as(stack, "这件衣服穿了一次还能退吗", intent, uuid.uuid4().hex))
    assert "衣服签收后 7 天内可以无理由退货" in answer and "没有穿过或洗过" in answer
    assert "我现在就可以为您办理" in answer
    assert "运单号" in answer  # the return has started: it asks for the parcel


@pytest.mark.parametrize("intent", ["ask_faq", "check_return_status"])
def test_a_refund_question_after_a_return_gets_its_status(stack, demo_data, intent):
    sender = uuid.uuid4().hex
    number = demo_data.fill("{return:refund_pending}")
    say(stack, f"我的退货 {number} 到哪一步了", sender)
    say(stack, demo_data.fill("{code:return:refund_pending}"), sender)  # the recipient's code
    answer = "\n".join(say_as(stack, "那退款什么时候到账", intent, sender))
    assert number in answer and "退款" in answer


def test_a_refund_question_after_a_return_in_english(stack, demo_data):
    sender = uuid.uuid4().hex
    number = demo_data.fill("{return:refund_pending}")
    say(stack, f"status of return {number}", sender)
    say(stack, demo_data.fill("{code:return:refund_pending}"), sender)  # the recipient's code
    assert number in "\n".join(say_as(stack, "so when will my refund come", "ask_faq", sender))


def test_the_out_of_scope_reply_says_what_the_assistant_does_and_offers_a_person(stack):
    answer = "".join(say(stack, "这款手机屏幕刷新率是多少"))
    assert "查快递" in answer and "转人工" in answer


def resolved(text: str, intent: str, entities=()) -> str:
    message = Message({TEXT: text, INTENT: {"name": intent, "confidence": 0.6},
                       INTENT_RANKING_KEY: [{"name": intent, "confidence": 0.6}], "entities": list(entities)})
    return IntentRules().process([message])[0].get(INTENT)["name"]


@pytest.mark.parametrize("text", ["when does my refund arrive after I returned it",
                                  "退回去的东西钱什么时候到账", "退款到哪了"])
def test_a_refund_question_read_as_tracking_asks_after_the_return(text):
    assert resolved(text, "track_parcel") == "check_return_status"


@pytest.mark.parametrize("intent, wanted", [("request_return", "check_return_status"),
                                            ("track_parcel", "check_return_status"),
                                            ("complain", "complain"), ("request_human", "request_human")])
def test_a_return_number_is_asked_after_unless_another_service_is_asked_for(intent, wanted):
    text = "退货 RT0000000042 的退款呢"
    start = text.index("RT")
    number = {"entity": "return_number", "value": "RT0000000042", "start": start, "end": start + 12}
    assert resolved(text, intent, [number]) == wanted


@pytest.mark.parametrize("text, intent", [("我的快递到哪了", "track_parcel"),
                                          ("退款一般几天到账", "ask_faq")])
def test_other_messages_keep_their_intent(text, intent):
    assert resolved(text, intent) == intent


@pytest.mark.parametrize("text", ["🤔", "😀😀", "。。。", "?!", "👍🤔", ""])
def test_a_message_without_words_is_not_understood(text):
    assert resolved(text, "out_of_scope") == "nlu_fallback"


@pytest.mark.parametrize("text, intent", [("👍", "affirm"), ("👌👌 ", "affirm"), ("👍🏻", "affirm"),
                                          ("🙏🏽", "thank"), ("❌", "deny")])
def test_emoji_that_answer_a_question_are_read(text, intent):
    assert resolved(text, "out_of_scope") == intent


@pytest.mark.parametrize("text, intent", [
    ("12345", "out_of_scope"), ("好👍", "affirm"), ("ok😀", "affirm"), ("ＯＫ", "affirm"),
    ("１２３", "out_of_scope"), ("到了沒", "track_parcel"), ("幺三八", "out_of_scope"),
    ("привет", "greet"), ("①", "out_of_scope"), ("1️⃣", "out_of_scope")])
def test_a_word_or_digit_beside_emoji_keeps_the_intent(text, intent):
    assert resolved(text, intent) == intent


def test_an_emoji_gets_the_not_understood_reply(stack):
    assert "没太明白" in "".join(say(stack, "🤔"))


@pytest.mark.parametrize("kind, text", [
    ("complaint_tone", "九点下的单现在还没到，这什么速度？"),
    ("complaint_tone", "又要我每小时催一次吗"),
    ("complaint_tone", "still not here, ridiculous"),
    ("return_question", "這個還能退嗎"),
    ("return_question", "用了一次能换吗"),
    ("return_question", "Can I return this?"),
    ("refund", "钱什么时候退给我"),
])
def test_cue_words_are_heard_in_every_script(kind, text):
    assert says(kind, text)


@pytest.mark.parametrize("kind, text", [
    ("complaint_tone", "帮我查一下快递到哪了"),
    ("return_question", "我要退货"),
    ("refund", "where is my parcel"),
])
def test_plain_requests_hold_no_cue(kind, text):
    assert not says(kind, text)
