"""What the numbers in a message say about its intent, whatever the classifier read."""
import pytest
from rasa.shared.nlu.constants import INTENT, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.intent_rules import IntentRules
from bot.nlu.number_extractor import NumberEntityExtractor
from bot.nlu.text_normaliser import TextNormaliser

pytestmark = pytest.mark.unit


def intent_after_the_rules(text, classified):
    message = Message(data={TEXT: text})
    TextNormaliser().process([message])
    NumberEntityExtractor().process([message])
    message.set(INTENT, {"name": classified, "confidence": 0.6})
    IntentRules().process([message])
    return message.get(INTENT)["name"]


@pytest.mark.parametrize("text", [
    "电话 13812345678", "我的手机号是：138 1234 5678", "手機號碼 13812345678", "phone 13812345678",
    "my mobile number is 13812345678", "运单号：SF123456789012", "tracking no. KD202611230001",
])
def test_a_number_with_its_name_is_nothing_but_the_number(text):
    # "电话" sits near "打电话给人工" in meaning; the message only gives a number.
    assert intent_after_the_rules(text, "request_human") == "track_parcel"


@pytest.mark.parametrize("text", [
    "我要人工 我的电话13812345678", "call me back on 13812345678", "快递员电话 13812345678 打不通",
])
def test_a_request_beside_the_number_keeps_its_intent(text):
    assert intent_after_the_rules(text, "request_human") == "request_human"


def test_a_return_number_with_its_name_asks_after_the_return():
    assert intent_after_the_rules("退货单号 RT0000000042", "request_human") == "check_return_status"
