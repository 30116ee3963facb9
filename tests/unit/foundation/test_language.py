import pytest

from foundation.language import (
    detect_language,
    fold_full_width,
    normalise,
    to_simplified,
    to_traditional,
    without_emoji,
)


def test_full_width_letters_digits_and_spaces_are_folded():
    assert fold_full_width("ＳＦ１２３４　５６７８") == "SF1234 5678"


def test_traditional_is_converted_to_simplified():
    assert to_simplified("我的包裹還沒到，請幫我查詢物流") == "我的包裹还没到，请帮我查询物流"


def test_simplified_reply_is_converted_to_traditional():
    assert to_traditional("请把运单号发给我") == "請把運單號發給我"


@pytest.mark.parametrize(
    "text, language",
    [
        ("我的快递到哪了", "zh-Hans"),
        ("我的快遞到哪了", "zh-Hant"),
        ("退貨怎麼申請", "zh-Hant"),
        ("where is my parcel", "en"),
        ("ok", "en"),
        ("hi", "en"),
        ("SF1234567890", None),
        ("sf 1234 5678 9012", None),
        ("12345", None),
        ("😀😀", None),
        ("", None),
        ("我的单号是SF1234567890", "zh-Hans"),
    ],
)
def test_language_is_detected_from_what_the_customer_wrote(text, language):
    assert detect_language(text) == language


def test_normalise_keeps_length_so_entity_offsets_stay_valid():
    original = "請幫我查ＳＦ１２３４５６７８９０１２的物流"
    text, language = normalise(original)
    assert text == "请帮我查SF123456789012的物流"
    assert len(text) == len(original)
    assert language == "zh-Hant"


@pytest.mark.parametrize("text, plain", [
    ("到哪了 😡😡", "到哪了"), ("😭我的快递", "我的快递"), ("where is it 🙏🏻", "where is it"), ("❤️谢谢", "谢谢"),
])
def test_emoji_beside_words_are_left_out(text, plain):
    assert without_emoji(text) == plain


@pytest.mark.parametrize("text", ["👍", "👍🏻👍🏻", "🙏", "。。。"])
def test_a_message_of_emoji_only_keeps_them(text):
    assert without_emoji(text) == text
