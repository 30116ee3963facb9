"""Greetings before and thanks after a request are not what it asks."""
import pytest

from foundation.cue_words import without_pleasantries

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text, core", [
    ("亲,在吗?我的快递到哪了 谢谢", "我的快递到哪了"),
    ("您好 请问一下 运费怎么算", "运费怎么算"),
    ("你好我想退货", "我想退货"),
    ("我要投诉 在吗", "我要投诉"),
    ("good morning, where is my parcel", "where is my parcel"),
    ("HELLO? I want to return this pls help", "I want to return this"),
    # The pause before the thanks stays: "??" is how impatient the customer is.
    ("我的快递到哪了?? 麻烦了", "我的快递到哪了??"),
])
def test_the_request_is_left(text, core):
    assert without_pleasantries(text) == core


@pytest.mark.parametrize("text", [
    "你好", "你好 在吗", "hi, thanks", "Hi there, thanks",
    # Nothing but an acknowledgement besides the thanks: the thanks is the message.
    "嗯嗯好的 谢谢", "好嘞 麻烦你了 谢谢", "ok thanks", "不用了 谢谢", "yes please", "no thank you",
    "非常感谢", "您好 客服小姐姐", "hello? anyone",
    # Not greetings: a word that starts like one, or thanks before the request.
    "亲自送到家吗", "你好像没回复我", "higher price?", "谢谢 我要退货", "早点送到", "客服电话",
])
def test_a_message_of_pleasantries_or_without_any_stays(text):
    assert without_pleasantries(text) == text
