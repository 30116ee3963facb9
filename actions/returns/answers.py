"""Reads the customer's answers to the return form's questions.

Each reader takes the message as written and gives the value the form stores, or None
when the message does not answer the question. The words are in words.yml beside this
file; Traditional Chinese and full-width characters are folded first, so one list of
Simplified words serves both scripts.

    category_in("想退一件衣服")          -> "apparel"
    reason_in("收到就是坏的，质量太差")   -> "quality"
    yes_or_no("还在的")                  -> True
    slot_choice("明天下午", offered)     -> the offered slot of tomorrow 13:00-18:00
"""
import re
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import yaml

from actions.carrier.gateway import SHANGHAI, PickupSlot
from foundation.language import fold_full_width, normalise

WORDS_FILE = Path(__file__).with_name("words.yml")
# More than this many offered slots is a list nobody reads to the end.
MAX_SLOT_CHOICES = 9

_CHINESE_NUMBERS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
                    "八": 8, "九": 9}
_ENGLISH_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5,
                     "sixth": 6, "seventh": 7, "eighth": 8, "ninth": 9, "one": 1, "two": 2,
                     "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
                     "nine": 9}
_NUMBER_CHOICE = re.compile(
    r"^\s*(?:第\s*)?([1-9一二两三四五六七八九])\s*(?:个|号|项|条)?\s*[。.!！]?\s*$"
    r"|^\s*(?:number\s+|the\s+)?(first|second|third|fourth|fifth|sixth|seventh|eighth|ninth"
    r"|one|two|three|four|five|six|seven|eight|nine)(?:\s+one)?\s*[.!]?\s*$",
    re.IGNORECASE,
)


class Vocabulary:
    """The word lists of words.yml, each compiled to one pattern per meaning."""

    def __init__(self, data: Dict) -> None:
        self.categories = _patterns(data["categories"])
        self.reasons = _patterns(data["reasons"])
        self.reason_labels = {reason: entry["label"] for reason, entry in data["reasons"].items()}
        self.answers = _patterns({name: data[name] for name in ("unsure", "no", "yes")})
        self.cancel = _patterns({"cancel": data["cancel"]})
        self.days = _patterns(data["days"])
        self.day_parts = _patterns(data["day_parts"])


@lru_cache(maxsize=1)
def vocabulary() -> Vocabulary:
    return Vocabulary(yaml.safe_load(WORDS_FILE.read_text(encoding="utf-8")))


def plain(text: str) -> str:
    """The message as the word lists are written: Simplified, half-width, lower case."""
    return normalise(fold_full_width(text or ""))[0].lower().replace("’", "'")


def category_in(text: str, extra_names: Optional[Dict[str, Sequence[str]]] = None) -> Optional[str]:
    """The product category the message names; `extra_names` adds the policy's own
    names of each category (衣服, "clothing"), which the buttons show."""
    patterns = dict(vocabulary().categories)
    for category, names in (extra_names or {}).items():
        patterns[category] = patterns.get(category, []) + [_pattern(name) for name in names]
    return _first_meaning(plain(text), patterns)


def reason_in(text: str) -> Optional[str]:
    """Why the customer returns the item: a reason id of policy.yml."""
    return _first_meaning(plain(text), vocabulary().reasons)


def yes_or_no(text: str) -> Optional[bool]:
    """True for yes, False for no, None for "not sure" or anything else."""
    meaning = _first_meaning(plain(text), vocabulary().answers)
    return {"yes": True, "no": False}.get(meaning)


def is_cancel(text: str) -> bool:
    return _first_meaning(plain(text), vocabulary().cancel) is not None


def number_choice(text: str) -> Optional[int]:
    """1–9 when the whole answer is a choice by number: "2", "第二个", "the second one"."""
    match = _NUMBER_CHOICE.match(fold_full_width(text or ""))
    if not match:
        return None
    word = match.group(1) or match.group(2)
    if word.isdigit():
        return int(word)
    return _CHINESE_NUMBERS.get(word) or _ENGLISH_ORDINALS[word.lower()]


def slot_choice(text: str, offered: Sequence[PickupSlot], today: date) -> Optional[PickupSlot]:
    """The offered slot the customer chose: by its number in the list, or in words
    ("明天下午", "tomorrow morning", "后天"); a day alone is its first offered slot, a
    part of the day alone the first offered slot in that part. None when the answer
    names no offered slot."""
    number = number_choice(text)
    if number is not None:
        return offered[number - 1] if number <= len(offered) else None
    words = plain(text)
    day = _first_meaning(words, vocabulary().days)
    part = _first_meaning(words, vocabulary().day_parts)
    if day is None and part is None:
        return None
    for slot in offered:
        start = slot.start.astimezone(SHANGHAI)
        if day is not None and (start.date() - today).days != int(day):
            continue
        if part is not None and start.hour != int(part):
            continue
        return slot
    return None


def _patterns(entries: Dict) -> Dict[str, List[re.Pattern]]:
    """{meaning: [pattern per word]} of a words.yml section; labels are words too."""
    patterns = {}
    for meaning, entry in entries.items():
        words = list(entry.get("zh", [])) + list(entry.get("en", []))
        words += list((entry.get("label") or {}).values())
        patterns[str(meaning)] = [_pattern(word) for word in words]
    return patterns


def _pattern(word: str) -> re.Pattern:
    word = plain(str(word))
    if word.isascii():
        # Whole English words, with an optional plural: "shoe" matches "shoes".
        return re.compile(rf"(?<![a-z]){re.escape(word)}(?:e?s)?(?![a-z])")
    return re.compile(re.escape(word))


def _first_meaning(words: str, patterns: Dict[str, Iterable[re.Pattern]]) -> Optional[str]:
    """The meaning whose word comes first in `words`; at one place, the longest word."""
    found: List[Tuple[int, int, str]] = []
    for meaning, meaning_patterns in patterns.items():
        for pattern in meaning_patterns:
            match = pattern.search(words)
            if match:
                found.append((match.start(), -len(match.group()), meaning))
    return min(found)[2] if found else None
