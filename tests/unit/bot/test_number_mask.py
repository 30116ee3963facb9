"""Long numbers are masked for the classifiers, extracted from the customer's digits,
and back in the text the parse result and the actions read."""
import pytest
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.number_extractor import NumberEntityExtractor
from bot.nlu.text_normaliser import NumbersRestorer, TextNormaliser

pytestmark = pytest.mark.unit


def through_the_pipeline(text):
    """The message after each number-handling step, as the pipeline runs them."""
    message = Message(data={TEXT: text})
    TextNormaliser().process([message])
    for_classifiers = message.get(TEXT)
    NumberEntityExtractor().process([message])
    NumbersRestorer().process([message])
    return for_classifiers, message


def numbers(message):
    return [(e["entity"], e["value"]) for e in message.get(ENTITIES) if e["entity"] != "language"]


def test_the_classifiers_see_zeros_and_the_extractor_the_customers_digits():
    for_classifiers, message = through_the_pipeline("單號 SF1234 5678 9012 三天沒動了，手機 138-1234-5678")

    assert for_classifiers == "单号 sf0000 0000 0000 三天没动了,手机 000-0000-0000"
    assert numbers(message) == [("tracking_number", "SF123456789012"), ("phone_number", "13812345678")]
    # Normalised, with the customer's numbers.
    assert message.get(TEXT) == "单号 SF1234 5678 9012 三天没动了,手机 138-1234-5678"


def test_spoken_digits_are_masked_once_they_are_digits():
    for_classifiers, message = through_the_pipeline("我的单号是 K D 幺二三四五六七八九零幺二")

    assert "000000" in for_classifiers
    assert numbers(message) == [("tracking_number", "KD123456789012")]


def test_two_numbers_give_the_classifiers_the_same_text():
    assert through_the_pipeline("RT0000000042 退款呢")[0] == through_the_pipeline("RT9876543210 退款呢")[0]


def test_training_examples_are_masked_alike():
    examples = TrainingData(training_examples=[Message(data={TEXT: "KD202611230001 到哪了"})])
    TextNormaliser().process_training_data(examples)
    assert examples.training_examples[0].get(TEXT) == "kd000000000000 到哪了"


def test_digits_in_pasted_order_data_are_no_waybill_but_a_prefixed_number_is():
    assert numbers(through_the_pipeline("Order ID: 402-1234567-7654321\nwhere is my parcel")[1]) == []
    assert numbers(through_the_pipeline("订单号：SF123456789012 到哪了")[1]) == [
        ("tracking_number", "SF123456789012")]
    assert numbers(through_the_pipeline("4021234567 到哪了")[1]) == [("tracking_number", "4021234567")]
