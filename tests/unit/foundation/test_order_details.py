"""Order data pasted from a shop, and a message pasted twice, are not what a message asks."""
import pytest

from foundation.cue_words import without_order_details, without_repeat

pytestmark = pytest.mark.unit


@pytest.mark.parametrize("text, core", [
    ("订单编号:2026112312345678\n下单时间:2026-11-23 14:05:33\n实付款:¥129.00\n这单到哪了", "这单到哪了"),
    ("我要退货\n商品名称:纯棉T恤 白色 XL 数量:1", "我要退货"),
    ("【订单号】88231234567 这个能退吗", "这个能退吗"),
    ("订单号: 00000000000 金额: 129.00 下单时间: 2026-11-11 00:03:12 这单到哪了", "这单到哪了"),
    ("Order ID: 402-1234567-7654321\nOrder date: 23 Nov 2026\nTotal: $29.99\nwhere is my parcel",
     "where is my parcel"),
    ("order #88231234567 where is it", "where is it"),
])
def test_the_request_is_left(text, core):
    assert without_order_details(text) == core


@pytest.mark.parametrize("text", [
    # The waybill's label and number say what the message asks.
    "单号: KD000000000000 到哪了",
    # Nothing but order data: it stays, for the classifiers to make of it what they can.
    "Item: cotton t-shirt, white, XL, qty 1", "商品: 12",
    # Not pasted data: a price in a question, the word "order", a label without a value.
    "运费12元 怎么这么贵", "my order hasnt arrived", "订单号多少", "what is the total price of shipping",
])
def test_a_message_without_pasted_order_data_stays(text):
    assert without_order_details(text) == text


@pytest.mark.parametrize("text, once", [
    ("我要退货。我要退货。", "我要退货"), ("where is it? where is it?", "where is it"),
    ("快递到哪了 快递到哪了", "快递到哪了"),
])
def test_a_message_sent_twice_in_one_is_read_once(text, once):
    assert without_repeat(text) == once


@pytest.mark.parametrize("text", ["哈哈", "谢谢谢谢", "好好", "where is my parcel", "退 退 退"])
def test_a_doubled_word_is_no_repeated_message(text):
    assert without_repeat(text) == text
