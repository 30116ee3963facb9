"""Masking of free text for archives, the gap list, the agent console and logs: every
number the NLU takes for a mobile phone is masked, spoken ones too; the rest stays."""
import logging

import pytest

from foundation.numbers import find_phone_numbers, spoken_digits_to_digits
from foundation.privacy import MaskPhoneNumbers, mask_text

PARCEL = "KD202611230001"


@pytest.mark.parametrize(
    "text, masked",
    [
        # Simplified Chinese, spoken digits as speech recognition writes them.
        ("我的手机是幺三八一二三四五六七八，请回电", "我的手机是138****5678，请回电"),
        ("号码 幺 三 八 一 二 三 四 五 六 七 八 谢谢", "号码 138****5678 谢谢"),
        ("电话一三九八七六五四三二一", "电话139****4321"),
        # Traditional Chinese: 兩 is read as 两, as the NLU reads it.
        ("我的電話是幺三八兩二三四五六七八，謝謝", "我的電話是138****5678，謝謝"),
        ("請打幺三八一二三四五六七八聯絡我", "請打138****5678聯絡我"),
        # English, with doubles and commas.
        ("my number is one three eight one two three four five six seven eight thanks",
         "my number is 138****5678 thanks"),
        ("call me on one three eight, double one, two three four, five six seven",
         "call me on 138****4567"),
        # Mixed: spoken and full-width digits in one number.
        ("幺三八１２３４５６７８", "138****5678"),
    ],
)
def test_a_spoken_mobile_number_is_masked(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text, masked",
    [
        ("我的电话是13812345678，请回电", "我的电话是138****5678，请回电"),
        ("打+86 138 1234 5678找我", "打+86 138****5678找我"),
        ("号码１３８１２３４５６７８", "号码138****5678"),
        ("13812345678或13987654321都行", "138****5678或139****4321都行"),
    ],
)
def test_a_written_mobile_number_is_masked_as_before(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        f"单号{PARCEL}到哪了",
        "我的单号是 K D 二零二六一一二三零零零一",  # a spoken waybill number: not personal
        "k d two zero two six one one two three zero zero zero one",
        "座机021-12345678",
        "等一下，两天后再说，一二三四",
        "I'll wait one or two days, oh one more thing",
        "我三点到，六七个包裹",
    ],
)
def test_ordinary_text_and_waybill_numbers_stay_as_written(text):
    assert mask_text(text) == text


def test_every_phone_the_nlu_finds_is_masked():
    """The NLU reads spoken digits before looking for phones; what it finds must not
    reach an archive in clear."""
    for text in ("幺三八一二三四五六七八", "one three eight one two three four five six seven eight",
                 "我的号码是 幺三八 1234 5678"):
        phones = [phone.number for phone in find_phone_numbers(spoken_digits_to_digits(text))]
        assert phones == ["13812345678"]
        assert "13812345678" not in spoken_digits_to_digits(mask_text(text))


def test_log_lines_are_masked_spoken_numbers_too():
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "customer said %s", ("幺三八一二三四五六七八",), None)
    MaskPhoneNumbers().filter(record)
    assert record.getMessage() == "customer said 138****5678"
