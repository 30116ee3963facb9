"""Reading the customer's answers to the return form: categories, reasons, yes and no,
cancelling, and pickup slots, in Simplified, Traditional and English."""
from datetime import date, datetime, timedelta

import pytest

from actions.carrier.gateway import SHANGHAI, PickupSlot, pickup_windows
from actions.returns import answers
from actions.returns.return_form import category_names
from actions.returns.policy import CATEGORIES, REASONS


@pytest.mark.parametrize(
    "text, category",
    [
        ("想退一件衣服", "apparel"), ("我買的外套", "apparel"), ("a pair of jeans", "apparel"),
        ("鞋子", "shoes"), ("these trainers", "shoes"),
        ("手机", "electronics"), ("headphones", "electronics"),
        ("电饭煲", "small_appliances"), ("a kettle", "small_appliances"),
        ("冰箱", "large_appliances"), ("washing machine", "large_appliances"),
        ("口红", "cosmetics"), ("perfume", "cosmetics"),
        ("零食", "food"), ("biscuits", "food"),
        ("水果", "fresh_food"), ("fresh food", "fresh_food"),
        ("一本书籍", "books"), ("a book", "books"),
        ("定制的杯子", "customised"), ("engraved mug", "customised"),
        ("内衣", "underwear"), ("socks", "underwear"),
        ("天气真好", None), ("", None),
    ],
)
def test_categories(text, category):
    assert answers.category_in(text, category_names()) == category


def test_every_button_of_the_category_question_is_understood():
    for category, names in category_names().items():
        for name in names:
            assert answers.category_in(name, category_names()) == category, name


@pytest.mark.parametrize(
    "text, reason",
    [
        ("尺码不合适", "no_reason"), ("不想要了", "no_reason"), ("I changed my mind", "no_reason"),
        ("they don't fit", "no_reason"),
        ("质量太差了", "quality"), ("用了一次就坏了", "quality"), ("it's faulty", "quality"),
        ("發錯貨了", "wrong_item"), ("you sent the wrong colour", "wrong_item"),
        ("收到时摔坏了", "damaged_in_transit"), ("外包装破了里面压坏了", "damaged_in_transit"),
        ("it arrived damaged", "damaged_in_transit"),
        ("和图片不一样", "not_as_described"), ("not as described", "not_as_described"),
        ("你好", None),
    ],
)
def test_reasons(text, reason):
    assert answers.reason_in(text) == reason


def test_every_button_of_the_reason_question_is_understood():
    labels = answers.vocabulary().reason_labels
    assert set(labels) == set(REASONS)
    for reason, label in labels.items():
        assert answers.reason_in(label["zh"]) == reason
        assert answers.reason_in(label["en"]) == reason


@pytest.mark.parametrize(
    "text, answer",
    [
        ("是", True), ("是的", True), ("還在", True), ("吊牌都在", True), ("穿过一次", True),
        ("yes", True), ("Yeah", True), ("确认提交", True),
        ("否", False), ("没有", False), ("沒穿過", False), ("不是", False), ("no", False),
        ("No, never worn", False), ("it hasn't", False),
        ("不知道", None), ("not sure", None), ("衣服", None), ("", None),
    ],
)
def test_yes_and_no(text, answer):
    assert answers.yes_or_no(text) is answer


@pytest.mark.parametrize("text, cancel", [
    ("算了，不退了", True), ("取消", True), ("Cancel", True), ("never mind", True),
    ("是的", False), ("衣服", False),
])
def test_cancelling(text, cancel):
    assert answers.is_cancel(text) is cancel


# 06:00 in Shanghai: all nine windows of today and the next two days are offered.
NOW = datetime(2026, 12, 4, 6, 0, tzinfo=SHANGHAI)
OFFERED = pickup_windows(NOW)
TODAY = NOW.date()


def slot(day: int, hour: int) -> PickupSlot:
    return next(s for s in OFFERED if s.start.date() == TODAY + timedelta(days=day) and s.start.hour == hour)


@pytest.mark.parametrize(
    "text, chosen",
    [
        ("1", (0, 9)), ("第二个", (0, 13)), ("the third one", (0, 18)), ("９", (2, 18)),
        ("明天下午", (1, 13)), ("tomorrow morning", (1, 9)), ("後天晚上", (2, 18)),
        ("the day after tomorrow", (2, 9)), ("明天", (1, 9)), ("晚上", (0, 18)),
        ("10", None), ("下周一", None),
    ],
)
def test_pickup_slot_choices(text, chosen):
    expected = slot(*chosen) if chosen else None
    assert answers.slot_choice(text, OFFERED, TODAY) == expected


def test_a_slot_that_is_not_offered_is_no_choice():
    # Late in the evening only tomorrow's and the day after's slots are left.
    late = pickup_windows(datetime(2026, 12, 4, 20, 0, tzinfo=SHANGHAI))
    assert answers.slot_choice("今天晚上", late, date(2026, 12, 4)) is None
    assert answers.slot_choice("1", late, date(2026, 12, 4)).start.date() == date(2026, 12, 5)


def test_the_word_lists_cover_every_category_of_the_policy():
    assert set(answers.vocabulary().categories) == set(CATEGORIES)
