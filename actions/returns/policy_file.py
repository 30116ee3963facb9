"""Reads and checks the return policy file, policy.yml, into a ReturnPolicy.

    policy = load_policy()    # once, when the action server starts

The action server refuses a broken file: each reader raises PolicyError naming the
file, the place in it ("categories.apparel.reasons.no_reason.days") and what is wrong
there.
"""
from pathlib import Path
from typing import Dict

import yaml

from actions.returns.policy import (
    CATEGORIES,
    PAYERS,
    REASONS,
    Category,
    Condition,
    ReasonRule,
    ReturnPolicy,
    ReviewCase,
    Window,
)
from foundation.wording import Phrase

POLICY_FILE = Path(__file__).with_name("policy.yml")


class PolicyError(ValueError):
    """The policy file is not a valid policy; the message names the file, place and fault."""


def load_policy(path: Path = POLICY_FILE) -> ReturnPolicy:
    """The policy in `path`; raises PolicyError saying what is wrong with the file."""
    try:
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise PolicyError(f"{path}: not valid YAML: {error}") from None
    try:
        return _read_policy(data)
    except PolicyError as error:
        raise PolicyError(f"{path}: {error}") from None


_TOP_LEVEL_KEYS = ("review_declared_value_above", "reasons", "conditions", "review_cases",
                   "categories")


def _read_policy(data: object) -> ReturnPolicy:
    _mapping(data, "the file", required=_TOP_LEVEL_KEYS)
    limit = data["review_declared_value_above"]
    if isinstance(limit, bool) or not isinstance(limit, (int, float)) or limit <= 0:
        raise PolicyError(f"review_declared_value_above: must be an amount in yuan above 0, "
                          f"got {limit!r}")

    reasons = _mapping(data["reasons"], "reasons", required=REASONS)
    reason_names = {
        reason: _text_under("names", reasons[reason], f"reasons.{reason}") for reason in REASONS
    }
    conditions = {
        condition_id: _read_condition(condition_id, entry)
        for condition_id, entry in _dict(data["conditions"], "conditions").items()
    }
    review_cases = {
        case_id: ReviewCase(case_id, _text_under("because", entry, f"review_cases.{case_id}"))
        for case_id, entry in _dict(data["review_cases"], "review_cases").items()
    }

    categories = _dict(data["categories"], "categories")
    missing = [category for category in CATEGORIES if category not in categories]
    if missing:
        raise PolicyError(f"categories: missing {', '.join(missing)}")
    return ReturnPolicy(
        reason_names,
        {
            category: _read_category(f"categories.{category}", entry, conditions, review_cases)
            for category, entry in categories.items()
        },
        float(limit),
    )


def _read_condition(condition_id: str, entry: object) -> Condition:
    where = f"conditions.{condition_id}"
    _mapping(entry, where, required=("question", "satisfied_by", "requirement"))
    if not isinstance(entry["satisfied_by"], bool):
        raise PolicyError(f"{where}.satisfied_by: must be true or false, "
                          f"got {entry['satisfied_by']!r}")
    return Condition(
        condition_id,
        _text(entry["question"], f"{where}.question"),
        entry["satisfied_by"],
        _text(entry["requirement"], f"{where}.requirement"),
    )


def _read_category(
    where: str,
    entry: object,
    conditions: Dict[str, Condition],
    review_cases: Dict[str, ReviewCase],
) -> Category:
    _mapping(entry, where, required=("names", "reasons"), optional=("exclusions",))
    rules = _mapping(entry["reasons"], f"{where}.reasons", optional=REASONS)
    exclusions = _mapping(entry.get("exclusions") or {}, f"{where}.exclusions", optional=REASONS)
    for reason in REASONS:
        if reason in rules and reason in exclusions:
            raise PolicyError(f"{where}: {reason} is under both reasons and exclusions")
        if reason not in rules and reason not in exclusions:
            raise PolicyError(f"{where}: no rule for {reason}; list it under reasons, or "
                              f"under exclusions with what the customer is told")
    return Category(
        _text(entry["names"], f"{where}.names"),
        {
            reason: _read_rule(f"{where}.reasons.{reason}", rule, conditions, review_cases)
            for reason, rule in rules.items()
        },
        {
            reason: _text(text, f"{where}.exclusions.{reason}")
            for reason, text in exclusions.items()
        },
    )


def _read_rule(
    where: str,
    entry: object,
    conditions: Dict[str, Condition],
    review_cases: Dict[str, ReviewCase],
) -> ReasonRule:
    _mapping(entry, where, required=("shipping_paid_by",),
             optional=("days", "hours", "conditions", "needs_person"))
    units = [unit for unit in ("days", "hours") if unit in entry]
    if len(units) != 1:
        raise PolicyError(f"{where}: give the window as either days or hours, "
                          f"got {' and '.join(units) or 'neither'}")
    unit = units[0]
    length = entry[unit]
    if isinstance(length, bool) or not isinstance(length, int) or length < 0:
        raise PolicyError(f"{where}.{unit}: must be a whole number, 0 or more, got {length!r}")

    condition_ids = entry.get("conditions") or []
    if not isinstance(condition_ids, list):
        raise PolicyError(f"{where}.conditions: must be a list of condition ids")
    for condition_id in condition_ids:
        if condition_id not in conditions:
            raise PolicyError(f"{where}.conditions: unknown condition {condition_id!r}; "
                              f"defined: {', '.join(conditions)}")

    payer = entry["shipping_paid_by"]
    if payer not in PAYERS:
        raise PolicyError(f"{where}.shipping_paid_by: must be one of {', '.join(PAYERS)}, "
                          f"got {payer!r}")

    case_id = entry.get("needs_person")
    if case_id is not None and case_id not in review_cases:
        raise PolicyError(f"{where}.needs_person: unknown review case {case_id!r}; "
                          f"defined: {', '.join(review_cases)}")

    return ReasonRule(
        Window(length, unit),
        tuple(conditions[condition_id] for condition_id in condition_ids),
        payer,
        review_cases[case_id] if case_id is not None else None,
    )


def _dict(node: object, where: str) -> dict:
    if not isinstance(node, dict):
        raise PolicyError(f"{where}: must be a mapping of keys to values, got {node!r}")
    return node


def _mapping(node: object, where: str, required=(), optional=()) -> dict:
    """`node` as a dict with the `required` keys and no keys but those and `optional`."""
    allowed = (*required, *optional)
    unknown = [key for key in _dict(node, where) if key not in allowed]
    if unknown:
        raise PolicyError(f"{where}: unknown key {unknown[0]!r}; allowed: {', '.join(allowed)}")
    missing = [key for key in required if key not in node]
    if missing:
        raise PolicyError(f"{where}: missing {', '.join(missing)}")
    return node


def _text(node: object, where: str) -> Phrase:
    _mapping(node, where, required=("zh", "en"))
    for language in ("zh", "en"):
        text = node[language]
        if not isinstance(text, str) or not text.strip():
            raise PolicyError(f"{where}.{language}: must be a text, got {text!r}")
        # Texts pass through str.format on their way out, where braces are placeholders.
        if "{" in text or "}" in text:
            raise PolicyError(f"{where}.{language}: curly braces are not allowed in texts")
    return Phrase(node["zh"], node["en"])


def _text_under(key: str, node: object, where: str) -> Phrase:
    """The text of a mapping that holds only `key`."""
    return _text(_mapping(node, where, required=(key,))[key], f"{where}.{key}")
