"""The return policy engine against the shipped policy.yml, and broken policy files.

EXPECTED below is the policy written out a second time: a change to policy.yml that is
not also made here fails, so nobody changes a window or who pays by accident.
"""
import copy
import re
from datetime import date, datetime, timedelta, timezone
from typing import NamedTuple, Optional, Tuple

import pytest
import yaml

from actions.carrier.gateway import SHANGHAI
from actions.returns.policy import (
    CATEGORIES,
    ELIGIBLE,
    NEEDS_REVIEW,
    NOT_ELIGIBLE,
    REASONS,
    explain,
)
from actions.returns.policy_file import POLICY_FILE, PolicyError, load_policy

POLICY = load_policy()
DELIVERED = datetime(2026, 11, 10, 14, 0, tzinfo=SHANGHAI)
LANGUAGES = ("zh-Hans", "zh-Hant", "en")


class Expected(NamedTuple):
    length: int
    unit: str  # "days" or "hours"
    payer: str
    conditions: Tuple[str, ...] = ()
    review: Optional[str] = None  # the review case that sends it to a person


EXCLUDED = None
DEFECT = Expected(15, "days", "seller")
COURIER_CLAIM = Expected(3, "days", "seller", review="courier_claim")


def rules(no_reason, quality=DEFECT):
    return {
        "no_reason": no_reason,
        "quality": quality,
        "wrong_item": DEFECT,
        "not_as_described": DEFECT,
        "damaged_in_transit": COURIER_CLAIM,
    }


EXPECTED = {
    "apparel": rules(Expected(7, "days", "customer", ("tags_on", "worn_or_washed"))),
    "shoes": rules(Expected(7, "days", "customer", ("tags_on", "worn_outside"))),
    "electronics": rules(
        Expected(7, "days", "customer", ("activated", "accessories_complete"))),
    "small_appliances": rules(
        Expected(7, "days", "customer", ("used", "accessories_complete"))),
    "large_appliances": rules(
        Expected(7, "days", "customer", ("installed", "accessories_complete")),
        quality=Expected(15, "days", "seller", review="inspection")),
    "cosmetics": rules(Expected(7, "days", "customer", ("opened",))),
    "food": rules(Expected(7, "days", "customer", ("opened",))),
    "fresh_food": {
        "no_reason": EXCLUDED,
        "quality": Expected(48, "hours", "seller"),
        "wrong_item": Expected(48, "hours", "seller"),
        "not_as_described": Expected(48, "hours", "seller"),
        "damaged_in_transit": Expected(24, "hours", "seller", review="courier_claim"),
    },
    "books": rules(Expected(7, "days", "customer", ("periodical", "marked_or_stained"))),
    "customised": rules(EXCLUDED),
    "underwear": rules(EXCLUDED),
}

RULES = [
    pytest.param(category, reason, expected, id=f"{category}-{reason}")
    for category, by_reason in EXPECTED.items()
    for reason, expected in by_reason.items()
    if expected is not EXCLUDED
]
EXCLUSIONS = [
    pytest.param(category, reason, id=f"{category}-{reason}")
    for category, by_reason in EXPECTED.items()
    for reason, expected in by_reason.items()
    if expected is EXCLUDED
]
CONDITIONS = [
    pytest.param(category, reason, condition, id=f"{category}-{reason}-{condition}")
    for category, reason, expected in (param.values for param in RULES)
    for condition in expected.conditions
]


def satisfying_answers(category, reason):
    return {c.id: c.satisfied_by for c in POLICY.questions_for(category, reason)}


def last_moment(expected: Expected) -> datetime:
    """The last moment of the window after DELIVERED, worked out by hand."""
    if expected.unit == "hours":
        return DELIVERED + timedelta(hours=expected.length)
    last_day = DELIVERED.date() + timedelta(days=expected.length)
    return datetime(last_day.year, last_day.month, last_day.day, 23, 59, 59, 999999,
                    tzinfo=SHANGHAI)


def decide(category, reason, now, answers=None, delivered_at=DELIVERED, **kwargs):
    if answers is None:
        answers = satisfying_answers(category, reason)
    return POLICY.decide(category, reason, delivered_at, now, answers, **kwargs)


def test_the_policy_covers_every_category_and_reason_in_the_table():
    assert set(CATEGORIES) <= set(POLICY.categories)
    assert set(EXPECTED) == set(CATEGORIES)
    assert all(set(by_reason) == set(REASONS) for by_reason in EXPECTED.values())


# --- every category x reason: the window, its boundary, who pays, who decides ---------


def within_window_outcome(expected: Expected) -> str:
    return NEEDS_REVIEW if expected.review else ELIGIBLE


@pytest.mark.parametrize("category, reason, expected", RULES)
def test_on_the_last_moment_of_the_window(category, reason, expected):
    decision = decide(category, reason, last_moment(expected))
    assert decision.outcome == within_window_outcome(expected)
    assert decision.deadline == last_moment(expected).date()
    assert decision.return_shipping_paid_by == expected.payer


@pytest.mark.parametrize("category, reason, expected", RULES)
def test_just_after_the_window(category, reason, expected):
    # The next day at 00:00 for windows in days; one microsecond on for windows in hours.
    decision = decide(category, reason, last_moment(expected) + timedelta(microseconds=1))
    assert decision.outcome == NOT_ELIGIBLE
    assert decision.rule == f"{category}.{reason}.window"
    assert decision.deadline == last_moment(expected).date()


@pytest.mark.parametrize("category, reason, expected", RULES)
def test_on_the_delivery_day(category, reason, expected):
    decision = decide(category, reason, DELIVERED + timedelta(minutes=5))
    assert decision.outcome == within_window_outcome(expected)
    if expected.review:
        assert decision.rule == f"{category}.{reason}.needs_person.{expected.review}"
        assert decision.handoff_reason == "policy_exception"
    else:
        assert decision.rule == f"{category}.{reason}"
        assert decision.handoff_reason is None


@pytest.mark.parametrize("category, reason, expected", RULES)
def test_asks_only_the_conditions_of_the_rule(category, reason, expected):
    assert [c.id for c in POLICY.questions_for(category, reason)] == list(expected.conditions)


@pytest.mark.parametrize("category, reason, condition", CONDITIONS)
def test_an_unmet_condition_is_not_eligible(category, reason, condition):
    answers = satisfying_answers(category, reason)
    answers[condition] = not answers[condition]
    decision = decide(category, reason, DELIVERED + timedelta(days=1), answers)
    assert decision.outcome == NOT_ELIGIBLE
    assert decision.rule == f"{category}.{reason}.condition.{condition}"


@pytest.mark.parametrize("category, reason", EXCLUSIONS)
def test_an_excluded_reason_is_not_eligible_even_on_the_delivery_day(category, reason):
    assert POLICY.questions_for(category, reason) == []
    decision = decide(category, reason, DELIVERED + timedelta(minutes=5), answers={})
    assert decision.outcome == NOT_ELIGIBLE
    assert decision.rule == f"{category}.{reason}.excluded"
    assert decision.deadline is None and decision.return_shipping_paid_by is None


@pytest.mark.parametrize("reason, payer", [
    ("no_reason", "customer"),
    ("quality", "seller"),
    ("wrong_item", "seller"),
    ("not_as_described", "seller"),
    ("damaged_in_transit", "seller"),
])
def test_who_pays_the_return_shipping(reason, payer):
    decision = decide("apparel", reason, DELIVERED + timedelta(days=1))
    assert decision.return_shipping_paid_by == payer


# --- day counting, spelt out ----------------------------------------------------------


@pytest.mark.parametrize("delivered_at, now, outcome, deadline", [
    # delivered 11-10, 7 days: the window includes all of 11-17 and none of 11-18
    (DELIVERED, datetime(2026, 11, 17, 23, 59, 59, tzinfo=SHANGHAI),
     ELIGIBLE, date(2026, 11, 17)),
    (DELIVERED, datetime(2026, 11, 18, 0, 0, 0, tzinfo=SHANGHAI),
     NOT_ELIGIBLE, date(2026, 11, 17)),
    # the time of day of delivery makes no difference
    (datetime(2026, 11, 10, 0, 5, tzinfo=SHANGHAI),
     datetime(2026, 11, 17, 23, 0, tzinfo=SHANGHAI), ELIGIBLE, date(2026, 11, 17)),
    (datetime(2026, 11, 10, 23, 59, tzinfo=SHANGHAI),
     datetime(2026, 11, 18, 0, 1, tzinfo=SHANGHAI), NOT_ELIGIBLE, date(2026, 11, 17)),
    # same-day: asked minutes after delivery
    (DELIVERED, DELIVERED + timedelta(minutes=1), ELIGIBLE, date(2026, 11, 17)),
    # days are Shanghai days: 17:00 UTC on 11-10 is 01:00 on 11-11 in Shanghai
    (datetime(2026, 11, 10, 17, 0, tzinfo=timezone.utc),
     datetime(2026, 11, 18, 15, 59, 59, tzinfo=timezone.utc), ELIGIBLE, date(2026, 11, 18)),
    (datetime(2026, 11, 10, 17, 0, tzinfo=timezone.utc),
     datetime(2026, 11, 18, 16, 0, 0, tzinfo=timezone.utc), NOT_ELIGIBLE, date(2026, 11, 18)),
    # across the new year
    (datetime(2026, 12, 28, 9, 0, tzinfo=SHANGHAI),
     datetime(2027, 1, 4, 22, 0, tzinfo=SHANGHAI), ELIGIBLE, date(2027, 1, 4)),
])
def test_seven_days_without_reason_counted_from_the_day_after_delivery(
        delivered_at, now, outcome, deadline):
    decision = decide("apparel", "no_reason", now, delivered_at=delivered_at)
    assert (decision.outcome, decision.deadline) == (outcome, deadline)


@pytest.mark.parametrize("now, outcome", [
    (datetime(2026, 11, 12, 14, 0, 0, tzinfo=SHANGHAI), ELIGIBLE),
    (datetime(2026, 11, 12, 14, 0, 1, tzinfo=SHANGHAI), NOT_ELIGIBLE),
])
def test_fresh_food_quality_counts_48_hours_from_the_delivery_moment(now, outcome):
    assert decide("fresh_food", "quality", now).outcome == outcome


# --- which rule decides when several apply --------------------------------------------


@pytest.mark.parametrize("category, reason, now, answers, declared_value, outcome, rule", [
    # a passed window decides before an unmet condition
    ("apparel", "no_reason", datetime(2026, 11, 20, tzinfo=SHANGHAI),
     {"tags_on": False, "worn_or_washed": True}, None, NOT_ELIGIBLE, "apparel.no_reason.window"),
    # the first unmet condition, in the policy's order
    ("apparel", "no_reason", datetime(2026, 11, 11, tzinfo=SHANGHAI),
     {"tags_on": False, "worn_or_washed": True}, None, NOT_ELIGIBLE,
     "apparel.no_reason.condition.tags_on"),
    # an unmet condition decides before the value limit
    ("electronics", "no_reason", datetime(2026, 11, 11, tzinfo=SHANGHAI),
     {"activated": True, "accessories_complete": True}, 8000.0, NOT_ELIGIBLE,
     "electronics.no_reason.condition.activated"),
    # a passed window means no review either
    ("large_appliances", "quality", datetime(2026, 11, 26, tzinfo=SHANGHAI),
     {}, None, NOT_ELIGIBLE, "large_appliances.quality.window"),
    # the policy's review case decides before the value limit
    ("large_appliances", "quality", datetime(2026, 11, 11, tzinfo=SHANGHAI),
     {}, 8000.0, NEEDS_REVIEW, "large_appliances.quality.needs_person.inspection"),
    # the value limit: at it is fine, above it a person looks
    ("electronics", "quality", datetime(2026, 11, 11, tzinfo=SHANGHAI),
     {}, 5000.0, ELIGIBLE, "electronics.quality"),
    ("electronics", "quality", datetime(2026, 11, 11, tzinfo=SHANGHAI),
     {}, 5000.01, NEEDS_REVIEW, "electronics.quality.declared_value"),
    ("cosmetics", "no_reason", datetime(2026, 11, 11, tzinfo=SHANGHAI),
     {"opened": False}, 6000, NEEDS_REVIEW, "cosmetics.no_reason.declared_value"),
])
def test_which_rule_decides(category, reason, now, answers, declared_value, outcome, rule):
    decision = POLICY.decide(category, reason, DELIVERED, now, answers, declared_value)
    assert (decision.outcome, decision.rule) == (outcome, rule)


# --- explanations -----------------------------------------------------------------------

EXPLANATIONS = [
    pytest.param(
        "apparel", "no_reason", datetime(2026, 11, 18, 9, 0, tzinfo=SHANGHAI), None, None,
        "衣服无理由退货需在签收后 7 天内申请，您的包裹 11月10日签收，已超过 7 天（截至 11月17日）。",
        "衣服無理由退貨需在簽收後 7 天內申請，您的包裹 11月10日簽收，已超過 7 天（截至 11月17日）。",
        "Within 7 days of delivery, clothing can be returned without a reason. Your parcel "
        "was delivered on 10 Nov, so it could be returned until 17 Nov.",
        id="window-passed",
    ),
    pytest.param(
        "shoes", "quality", datetime(2026, 11, 11, 9, 0, tzinfo=SHANGHAI), None, None,
        "鞋子质量问题退货可以办理，截至 11月25日都可以申请。退货运费由商家承担。",
        "鞋子質量問題退貨可以辦理，截至 11月25日都可以申請。退貨運費由商家承擔。",
        "Good news: shoes can be returned because of a defect until 25 Nov. "
        "Return shipping is paid by the seller.",
        id="eligible",
    ),
    pytest.param(
        "fresh_food", "quality", datetime(2026, 11, 12, 15, 0, tzinfo=SHANGHAI), None, None,
        "生鲜质量问题退货需在签收后 48 小时内申请，您的包裹 11月10日 14:00签收，"
        "已超过 48 小时（截至 11月12日 14:00）。",
        "生鮮質量問題退貨需在簽收後 48 小時內申請，您的包裹 11月10日 14:00簽收，"
        "已超過 48 小時（截至 11月12日 14:00）。",
        "Within 48 hours of delivery, fresh food can be returned because of a defect. Your "
        "parcel was delivered at 14:00 on 10 Nov, so it could be returned until 14:00 on 12 Nov.",
        id="window-in-hours-passed",
    ),
    pytest.param(
        "apparel", "no_reason", datetime(2026, 11, 11, 9, 0, tzinfo=SHANGHAI),
        {"tags_on": False, "worn_or_washed": False}, None,
        "衣服无理由退货要求吊牌和标签完好，根据您的回答，这一条不符合，所以不能办理。",
        "衣服無理由退貨要求吊牌和標籤完好，根據您的回答，這一條不符合，所以不能辦理。",
        "To return clothing without a reason, the tags and labels must still be on. From "
        "your answer this isn't the case, so it can't be returned this way.",
        id="tags-removed",
    ),
    pytest.param(
        "customised", "no_reason", datetime(2026, 11, 11, 9, 0, tzinfo=SHANGHAI), {}, None,
        "定制商品是按您的要求专门制作的，依法不适用七天无理由退货；如果有质量问题，可以按质量问题申请退货。",
        "定製商品是按您的要求專門製作的，依法不適用七天無理由退貨；如果有質量問題，可以按質量問題申請退貨。",
        "Customised goods are made to your order, so by law they can't be returned without "
        "a reason. If there is a defect, you can return it because of the defect.",
        id="excluded",
    ),
    pytest.param(
        "large_appliances", "quality", datetime(2026, 11, 11, 9, 0, tzinfo=SHANGHAI), {}, None,
        "大家电质量问题退货需要先由售后师傅上门检测，我帮您转给同事处理。",
        "大家電質量問題退貨需要先由售後師傅上門檢測，我幫您轉給同事處理。",
        "To return large appliances because of a defect, a technician has to inspect the "
        "appliance first, so I'll pass this on to a colleague.",
        id="review-case",
    ),
    pytest.param(
        "electronics", "quality", datetime(2026, 11, 11, 9, 0, tzinfo=SHANGHAI), {}, 9999,
        "申报价值超过 5000 元的退货需要同事人工确认，我帮您转给同事处理。",
        "申報價值超過 5000 元的退貨需要同事人工確認，我幫您轉給同事處理。",
        "Returns of items with a declared value above 5000 yuan are checked by a colleague, "
        "so I'll pass this on to one.",
        id="high-value",
    ),
]


@pytest.mark.parametrize("category, reason, now, answers, declared_value, hans, hant, en",
                         EXPLANATIONS)
def test_explanations_in_three_scripts(category, reason, now, answers, declared_value,
                                       hans, hant, en):
    decision = decide(category, reason, now, answers, declared_value=declared_value)
    assert [explain(decision, language) for language in LANGUAGES] == [hans, hant, en]


# --- the caller's mistakes ----------------------------------------------------------------


@pytest.mark.parametrize("category, reason, delivered_at, answers, message", [
    ("furniture", "no_reason", DELIVERED, {}, "'furniture' is not a category"),
    ("apparel", "refund", DELIVERED, {}, "'refund' is not a return reason"),
    ("apparel", "no_reason", DELIVERED, {"tags_on": True},
     "answers['worn_or_washed'] must be True or False, got None"),
    ("apparel", "no_reason", DELIVERED, {"tags_on": "yes", "worn_or_washed": False},
     "answers['tags_on'] must be True or False, got 'yes'"),
    ("apparel", "quality", datetime(2026, 11, 10, 14, 0), {}, "must carry a timezone"),
])
def test_wrong_calls_are_refused(category, reason, delivered_at, answers, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        POLICY.decide(category, reason, delivered_at, DELIVERED, answers)


# --- broken policy files ------------------------------------------------------------------


def shipped_policy() -> dict:
    return yaml.safe_load(POLICY_FILE.read_text(encoding="utf-8"))


def rule_of(data, category, reason):
    return data["categories"][category]["reasons"][reason]


def set_in(node, key, value):
    node[key] = value


BROKEN_POLICIES = [
    pytest.param(lambda d: set_in(d, "refund_days", 7),
                 "the file: unknown key 'refund_days'", id="unknown-top-level-key"),
    pytest.param(lambda d: set_in(rule_of(d, "apparel", "no_reason"), "dayz", 7),
                 "categories.apparel.reasons.no_reason: unknown key 'dayz'",
                 id="unknown-rule-key"),
    pytest.param(lambda d: set_in(d["categories"]["shoes"], "window", 7),
                 "categories.shoes: unknown key 'window'", id="unknown-category-key"),
    pytest.param(lambda d: [d["categories"].pop(c) for c in ("books", "underwear")],
                 "categories: missing books, underwear", id="missing-categories"),
    pytest.param(lambda d: d["reasons"].pop("not_as_described"),
                 "reasons: missing not_as_described", id="missing-reason-name"),
    pytest.param(lambda d: set_in(rule_of(d, "apparel", "no_reason"), "days", -1),
                 "categories.apparel.reasons.no_reason.days: must be a whole number, 0 or more, "
                 "got -1", id="negative-days"),
    pytest.param(lambda d: set_in(rule_of(d, "fresh_food", "quality"), "hours", -48),
                 "categories.fresh_food.reasons.quality.hours: must be a whole number, 0 or more, "
                 "got -48", id="negative-hours"),
    pytest.param(lambda d: set_in(rule_of(d, "apparel", "quality"), "days", "15"),
                 "categories.apparel.reasons.quality.days: must be a whole number",
                 id="days-text"),
    pytest.param(lambda d: set_in(rule_of(d, "apparel", "quality"), "hours", 24),
                 "categories.apparel.reasons.quality: give the window as either days or hours, "
                 "got days and hours", id="days-and-hours"),
    pytest.param(lambda d: rule_of(d, "apparel", "quality").pop("days"),
                 "categories.apparel.reasons.quality: give the window as either days or hours, "
                 "got neither", id="no-window"),
    pytest.param(lambda d: d["categories"]["shoes"]["reasons"].pop("quality"),
                 "categories.shoes: no rule for quality", id="reason-not-covered"),
    pytest.param(lambda d: set_in(d["categories"]["customised"]["reasons"], "no_reason",
                                  {"days": 7, "shipping_paid_by": "customer"}),
                 "categories.customised: no_reason is under both reasons and exclusions",
                 id="reason-ruled-and-excluded"),
    pytest.param(lambda d: set_in(d["categories"]["shoes"]["reasons"], "refund",
                                  {"days": 7, "shipping_paid_by": "customer"}),
                 "categories.shoes.reasons: unknown key 'refund'", id="unknown-reason"),
    pytest.param(lambda d: set_in(rule_of(d, "apparel", "no_reason"), "conditions", ["tag_on"]),
                 "categories.apparel.reasons.no_reason.conditions: unknown condition 'tag_on'",
                 id="unknown-condition"),
    pytest.param(lambda d: set_in(rule_of(d, "apparel", "quality"), "shipping_paid_by", "buyer"),
                 "categories.apparel.reasons.quality.shipping_paid_by: must be one of customer, "
                 "seller, courier, got 'buyer'", id="unknown-payer"),
    pytest.param(lambda d: set_in(rule_of(d, "apparel", "quality"), "needs_person", "manager"),
                 "categories.apparel.reasons.quality.needs_person: unknown review case 'manager'",
                 id="unknown-review-case"),
    pytest.param(lambda d: set_in(d["conditions"]["tags_on"], "satisfied_by", "yes"),
                 "conditions.tags_on.satisfied_by: must be true or false, got 'yes'",
                 id="answer-not-yes-or-no"),
    pytest.param(lambda d: d["categories"]["food"]["names"].pop("en"),
                 "categories.food.names: missing en", id="name-without-english"),
    pytest.param(lambda d: set_in(d["categories"]["food"]["names"], "zh", "食品{}"),
                 "categories.food.names.zh: curly braces are not allowed", id="braces-in-text"),
    pytest.param(lambda d: set_in(d, "review_declared_value_above", -5),
                 "review_declared_value_above: must be an amount in yuan above 0, got -5",
                 id="negative-value-limit"),
]


@pytest.mark.parametrize("break_policy, message", BROKEN_POLICIES)
def test_a_broken_policy_file_is_refused_with_a_clear_message(tmp_path, break_policy, message):
    data = copy.deepcopy(shipped_policy())
    break_policy(data)
    path = tmp_path / "policy.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    with pytest.raises(PolicyError) as refused:
        load_policy(path)
    assert str(refused.value).startswith(f"{path}: ")
    assert message in str(refused.value)


@pytest.mark.parametrize("text, message", [
    ("", "the file: must be a mapping"),
    ("categories: [apparel\n", "not valid YAML"),
])
def test_a_file_that_is_no_policy_is_refused(tmp_path, text, message):
    path = tmp_path / "policy.yml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(PolicyError, match=message):
        load_policy(path)


def test_unquoted_english_cut_by_a_comma_is_caught(tmp_path):
    quoted = 'en: "all accessories, manuals and free gifts must be included"'
    text = POLICY_FILE.read_text(encoding="utf-8")
    assert quoted in text
    path = tmp_path / "policy.yml"
    path.write_text(text.replace(quoted, quoted.replace('"', "")), encoding="utf-8")
    with pytest.raises(PolicyError, match="conditions.accessories_complete.requirement: "
                                          "unknown key 'manuals and free gifts must be included'"):
        load_policy(path)


def test_an_edited_policy_is_followed(tmp_path):
    """The file decides: here the courier pays, and apparel's window is 10 days."""
    data = shipped_policy()
    set_in(rule_of(data, "apparel", "no_reason"), "days", 10)
    set_in(rule_of(data, "apparel", "no_reason"), "shipping_paid_by", "courier")
    path = tmp_path / "policy.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    policy = load_policy(path)
    decision = policy.decide("apparel", "no_reason", DELIVERED,
                             datetime(2026, 11, 20, 12, 0, tzinfo=SHANGHAI),
                             {"tags_on": True, "worn_or_washed": False})
    assert (decision.outcome, decision.deadline) == (ELIGIBLE, date(2026, 11, 20))
    assert decision.return_shipping_paid_by == "courier"
    assert explain(decision, "zh-Hans").endswith("退货运费由快递公司承担。")


# Deciding early, so the form stops asking once the outcome is known.

@pytest.mark.parametrize("category, reason, expected", RULES)
def test_undecided_while_a_condition_is_unanswered_inside_the_window(category, reason, expected):
    decided = POLICY.decide_so_far(category, reason, DELIVERED, DELIVERED, {})
    if expected.conditions:
        assert decided is None
    else:
        assert decided == decide(category, reason, DELIVERED)


@pytest.mark.parametrize("category, reason, expected", RULES)
def test_a_passed_window_is_decided_before_any_question(category, reason, expected):
    late = last_moment(expected) + timedelta(microseconds=1)
    decided = POLICY.decide_so_far(category, reason, DELIVERED, late, {})
    assert decided is not None and decided.outcome == NOT_ELIGIBLE
    assert decided.rule == f"{category}.{reason}.window"


@pytest.mark.parametrize("category, reason, condition", CONDITIONS)
def test_an_unmet_condition_decides_without_the_questions_after_it(category, reason, condition):
    questions = POLICY.questions_for(category, reason)
    asked = questions[: [c.id for c in questions].index(condition) + 1]
    answers = {c.id: c.satisfied_by for c in asked}
    answers[condition] = not answers[condition]
    decided = POLICY.decide_so_far(category, reason, DELIVERED, DELIVERED, answers)
    assert decided.outcome == NOT_ELIGIBLE
    assert decided.rule == f"{category}.{reason}.condition.{condition}"


@pytest.mark.parametrize("category, reason", EXCLUSIONS)
def test_an_excluded_reason_is_decided_at_once(category, reason):
    decided = POLICY.decide_so_far(category, reason, DELIVERED, DELIVERED, {})
    assert decided.outcome == NOT_ELIGIBLE and decided.rule.endswith(".excluded")


@pytest.mark.parametrize("category, reason, expected", RULES)
def test_with_every_answer_given_it_decides_as_decide_does(category, reason, expected):
    assert POLICY.decide_so_far(category, reason, DELIVERED, DELIVERED,
                                satisfying_answers(category, reason)) == decide(category, reason, DELIVERED)
