"""Decides a return request from the return policy in policy.yml.

    policy = load_policy()                          # policy_file.py: reads policy.yml
    policy.questions_for("apparel", "no_reason")    # the conditions the form must ask
    decision = policy.decide("apparel", "no_reason", delivered_at, now,
                             answers={"tags_on": True, "worn_or_washed": False})
    decision.outcome                                # "eligible", "not_eligible", "needs_review"
    policy.decide_so_far("apparel", "no_reason", delivered_at, now, answers={})
                                                    # None until the answers settle it
    explain(decision, "zh-Hant")                    # the reason, in the customer's words

A decision is checked in this order; the first rule that applies decides it:
1. the reason is excluded for the category (customised goods without a reason): not eligible;
2. the window has passed: not eligible;
3. a condition is not met, per the customer's answers (tags removed): not eligible;
4. the policy sends the case to a person (inspection, courier claim): needs review;
5. the declared value is above the policy's limit: needs review;
6. otherwise eligible.
A "needs review" decision is handed to a person with the reason `policy_exception`.

Counting the window, in Asia/Shanghai, from the moment the parcel was signed for:
- a window of N days runs until the end (23:59:59.999999) of the Nth calendar day after
  the delivery day, which itself is not counted (签收次日起): delivered 11-10 at 14:00,
  or at 00:05, with 7 days -> the last day is 11-17;
- a window of N hours runs until exactly N hours after delivery, that moment included.
"""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Dict, List, Mapping, Optional, Tuple, Union

from actions.carrier.gateway import SHANGHAI
from actions.reply_format import date_words, reply_text
from foundation.wording import Phrase, say
from foundation.language import ENGLISH, SIMPLIFIED

# The dialogue maps what the customer says to these ids; the policy must cover them all.
REASONS = ("no_reason", "quality", "wrong_item", "damaged_in_transit", "not_as_described")
# Categories the dialogue offers; the policy may add more.
CATEGORIES = (
    "apparel", "shoes", "electronics", "small_appliances", "large_appliances", "cosmetics",
    "food", "fresh_food", "books", "customised", "underwear",
)
PAYERS = ("customer", "seller", "courier")

ELIGIBLE = "eligible"
NOT_ELIGIBLE = "not_eligible"
NEEDS_REVIEW = "needs_review"
HANDOFF_REASON = "policy_exception"  # the conversation contract's handoff reason

PAYER_NAMES = {
    "customer": Phrase("您", "you"),
    "seller": Phrase("商家", "the seller"),
    "courier": Phrase("快递公司", "the courier"),
}

# Sentence frames. {category} and {reason} are the policy's names, which read as one
# phrase: 衣服 + 无理由退货, "clothing can be returned" + "without a reason".
_ELIGIBLE = Phrase(
    "{category}{reason}可以办理，截至 {deadline}都可以申请。退货运费由{payer}承担。",
    "Good news: {category} can be returned {reason} until {deadline}. "
    "Return shipping is paid by {payer}.",
)
_WINDOW_PASSED = Phrase(
    "{category}{reason}需在签收后 {window}内申请，您的包裹 {delivered}签收，"
    "已超过 {window}（截至 {deadline}）。",
    "Within {window} of delivery, {category} can be returned {reason}. Your parcel was "
    "delivered {delivered}, so it could be returned until {deadline}.",
)
_CONDITION_UNMET = Phrase(
    "{category}{reason}要求{requirement}，根据您的回答，这一条不符合，所以不能办理。",
    "To return {category} {reason}, {requirement}. From your answer this isn't the case, "
    "so it can't be returned this way.",
)
_REVIEW_CASE = Phrase(
    "{category}{reason}{because}，我帮您转给同事处理。",
    "To return {category} {reason}, {because}, so I'll pass this on to a colleague.",
)
_HIGH_VALUE = Phrase(
    "申报价值超过 {limit} 元的退货需要同事人工确认，我帮您转给同事处理。",
    "Returns of items with a declared value above {limit} yuan are checked by a colleague, "
    "so I'll pass this on to one.",
)


@dataclass(frozen=True)
class Condition:
    """A yes/no question the dialogue asks before deciding."""

    id: str  # names what is asked, e.g. tags_on, worn_or_washed
    question: Phrase
    satisfied_by: bool  # the answer to the question that allows the return
    requirement: Phrase  # what must hold, for the explanation


@dataclass(frozen=True)
class ReviewCase:
    id: str
    because: Phrase


@dataclass(frozen=True)
class Window:
    length: int
    unit: str  # "days" or "hours"

    def last_moment(self, delivered_at: datetime) -> datetime:
        """The last moment, in Shanghai time, a return can be asked for."""
        delivered = delivered_at.astimezone(SHANGHAI)
        if self.unit == "hours":
            return delivered + timedelta(hours=self.length)
        last_day = delivered.date() + timedelta(days=self.length)
        return datetime.combine(last_day, time.max, tzinfo=SHANGHAI)

    @property
    def wording(self) -> Phrase:
        plural = "" if self.length == 1 else "s"
        if self.unit == "hours":
            return Phrase(f"{self.length} 小时", f"{self.length} hour{plural}")
        return Phrase(f"{self.length} 天", f"{self.length} day{plural}")


@dataclass(frozen=True)
class ReasonRule:
    window: Window
    conditions: Tuple[Condition, ...]
    shipping_paid_by: str  # one of PAYERS
    review_case: Optional[ReviewCase]


@dataclass(frozen=True)
class Category:
    names: Phrase
    rules: Dict[str, ReasonRule]  # by reason
    exclusions: Dict[str, Phrase]  # by reason: what the customer is told


@dataclass(frozen=True)
class Decision:
    outcome: str  # ELIGIBLE, NOT_ELIGIBLE or NEEDS_REVIEW
    rule: str  # what decided, e.g. "apparel.no_reason.window"
    explanation: Phrase  # filled in; show it with explain()
    # Both None when the reason is excluded for the category: there is no window then.
    return_shipping_paid_by: Optional[str]
    deadline: Optional[date]  # the last day to ask, Shanghai

    @property
    def handoff_reason(self) -> Optional[str]:
        """The handoff reason to pass a person this case with, if it needs one."""
        return HANDOFF_REASON if self.outcome == NEEDS_REVIEW else None


def explain(decision: Decision, language: str) -> str:
    """Why the return was decided so, for a customer reading zh-Hans, zh-Hant or en."""
    return reply_text(decision.explanation, language)


class ReturnPolicy:
    def __init__(
        self,
        reason_names: Dict[str, Phrase],
        categories: Dict[str, Category],
        review_declared_value_above: float,
    ) -> None:
        self._reason_names = reason_names
        self._categories = categories
        self._review_declared_value_above = review_declared_value_above

    @property
    def categories(self) -> Tuple[str, ...]:
        return tuple(self._categories)

    def category_name(self, category: str) -> Phrase:
        """What the customer calls the category: 衣服, "clothing"."""
        return self._categories[category].names

    def summary(self, category: str) -> Phrase:
        """The category's rules in one sentence, for "can I return X?": the window
        without a reason and its requirements, and the window for a defect."""
        rules = self._categories[category].rules
        name = self._categories[category].names
        parts_zh, parts_en = [], []
        free = rules.get("no_reason")
        if free:
            needs = [c.requirement for c in free.conditions]
            parts_zh.append(f"{name.zh}签收后 {free.window.wording.zh}内可以无理由退货"
                            + (f"，要求{'、'.join(n.zh for n in needs)}" if needs else ""))
            parts_en.append(f"{name.en.capitalize()} can be returned without a reason within "
                            f"{free.window.wording.en} of delivery"
                            + (f" ({'; '.join(n.en for n in needs)})" if needs else ""))
        else:
            parts_zh.append(f"{name.zh}不支持无理由退货")
            parts_en.append(f"{name.en.capitalize()} cannot be returned without a reason")
        defect = rules.get("quality")
        if defect:
            parts_zh.append(f"质量问题 {defect.window.wording.zh}内可以退")
            parts_en.append(f"a defect can be returned within {defect.window.wording.en}")
        return Phrase("；".join(parts_zh) + "。", "; ".join(parts_en) + ".")

    def questions_for(self, category: str, reason: str) -> List[Condition]:
        """The conditions to ask about, in order; none when the reason is excluded."""
        rule = self._checked_category(category, reason).rules.get(reason)
        return list(rule.conditions) if rule else []

    def decide(
        self,
        category: str,
        reason: str,
        delivered_at: datetime,
        now: datetime,
        answers: Mapping[str, bool],
        declared_value: Optional[float] = None,
    ) -> Decision:
        """Decides a return; `answers` holds the customer's yes (True) or no (False) to
        every question questions_for() gave, by condition id.

        `delivered_at` and `now` must carry their timezone.
        """
        decision = self.decide_so_far(category, reason, delivered_at, now, answers, declared_value)
        if decision is None:
            missing = next(c.id for c in self.questions_for(category, reason) if c.id not in answers)
            raise _unanswered(missing, None, category, reason)
        return decision

    def decide_so_far(
        self,
        category: str,
        reason: str,
        delivered_at: datetime,
        now: datetime,
        answers: Mapping[str, bool],
        declared_value: Optional[float] = None,
    ) -> Optional[Decision]:
        """The decision as soon as what is known settles it, so the customer is not
        asked questions that cannot change the outcome: an excluded reason, a passed
        window or an unmet condition among the answers (the questions are asked in the
        order questions_for() gives). None while an unanswered question still counts.
        """
        if delivered_at.tzinfo is None or now.tzinfo is None:
            raise ValueError("delivered_at and now must carry a timezone (Asia/Shanghai).")
        policy_category = self._checked_category(category, reason)
        rule_id = f"{category}.{reason}"
        names = {"category": policy_category.names, "reason": self._reason_names[reason]}
        if reason in policy_category.exclusions:
            return Decision(NOT_ELIGIBLE, f"{rule_id}.excluded",
                            policy_category.exclusions[reason], None, None)

        rule = policy_category.rules[reason]
        last_moment = rule.window.last_moment(delivered_at)
        shows_time = rule.window.unit == "hours"
        deadline_words = _moment(last_moment, shows_time, preposition=False)

        def decided(outcome: str, decided_by: str, explanation: Phrase) -> Decision:
            return Decision(outcome, decided_by, explanation, rule.shipping_paid_by,
                            last_moment.date())

        if now > last_moment:
            return decided(NOT_ELIGIBLE, f"{rule_id}.window", _filled(
                _WINDOW_PASSED, **names, window=rule.window.wording, deadline=deadline_words,
                delivered=_moment(delivered_at.astimezone(SHANGHAI), shows_time, preposition=True),
            ))
        for condition in rule.conditions:
            if condition.id not in answers:
                return None
            if _answer(answers, condition, category, reason) != condition.satisfied_by:
                return decided(NOT_ELIGIBLE, f"{rule_id}.condition.{condition.id}", _filled(
                    _CONDITION_UNMET, **names, requirement=condition.requirement))
        if rule.review_case:
            return decided(NEEDS_REVIEW, f"{rule_id}.needs_person.{rule.review_case.id}",
                           _filled(_REVIEW_CASE, **names, because=rule.review_case.because))
        if declared_value is not None and declared_value > self._review_declared_value_above:
            return decided(NEEDS_REVIEW, f"{rule_id}.declared_value", _filled(
                _HIGH_VALUE, limit=f"{self._review_declared_value_above:g}"))
        return decided(ELIGIBLE, rule_id, _filled(
            _ELIGIBLE, **names, deadline=deadline_words,
            payer=PAYER_NAMES[rule.shipping_paid_by]))

    def _checked_category(self, category: str, reason: str) -> Category:
        if category not in self._categories:
            raise ValueError(f"{category!r} is not a category of the return policy; "
                             f"known: {', '.join(self._categories)}.")
        if reason not in REASONS:
            raise ValueError(f"{reason!r} is not a return reason; known: {', '.join(REASONS)}.")
        return self._categories[category]


def _answer(answers: Mapping[str, bool], condition: Condition, category: str, reason: str) -> bool:
    answer = answers.get(condition.id)
    if not isinstance(answer, bool):
        raise _unanswered(condition.id, answer, category, reason)
    return answer


def _unanswered(condition_id: str, answer: object, category: str, reason: str) -> ValueError:
    return ValueError(f"answers[{condition_id!r}] must be True or False, got {answer!r}; "
                      f"ask questions_for({category!r}, {reason!r}) first.")


def _filled(frame: Phrase, **values: Union[Phrase, str]) -> Phrase:
    """The frame in both languages, each Phrase value put in in the matching language."""
    def written_in(language: str) -> str:
        return say(frame, language, **{
            name: say(value, language) if isinstance(value, Phrase) else value
            for name, value in values.items()
        })
    return Phrase(written_in(SIMPLIFIED), written_in(ENGLISH))


def _moment(moment: datetime, shows_time: bool, preposition: bool) -> Phrase:
    """11月17日 / 17 Nov, or 11月12日 14:00 / 14:00 on 12 Nov for windows in hours.

    Spelt out so no locale setting changes it; `preposition` gives "on 17 Nov", "at 14:00
    on 12 Nov" for "delivered ...".
    """
    zh, en = date_words(moment, SIMPLIFIED), date_words(moment, ENGLISH)
    if shows_time:
        return Phrase(f"{zh} {moment:%H:%M}",
                      f"{'at ' if preposition else ''}{moment:%H:%M} on {en}")
    return Phrase(zh, f"on {en}" if preposition else en)
