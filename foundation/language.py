"""Turns what customers type into the one form the model was trained on.

Full-width letters and digits are folded to ASCII and Traditional Chinese is converted
to Simplified, so the model needs Simplified training data only. The script the
customer wrote in is kept as a language tag, so replies can mirror it.
"""
import re
from functools import lru_cache
from typing import Optional, Tuple

import opencc

SIMPLIFIED = "zh-Hans"
TRADITIONAL = "zh-Hant"
ENGLISH = "en"

_CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
# An English word: letters only. Tokens with digits (waybill numbers) say nothing
# about the language, and neither do carrier prefixes written apart from the digits.
_WORD = re.compile(r"(?<![A-Za-z0-9])[A-Za-z]+(?:'[A-Za-z]+)?(?![A-Za-z0-9])")
_NOT_LANGUAGE = {"sf", "jd", "ems", "zto", "yto", "sto", "jt", "dbl", "yd", "dpk", "id"}
_SHORT_ENGLISH = {"hi", "ok", "no", "yo", "thx", "ty", "bye"}

# Full-width ASCII variants (U+FF01..U+FF5E) sit at a fixed offset from ASCII.
_FULL_WIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}
_FULL_WIDTH[0x3000] = 0x20  # ideographic space


@lru_cache(maxsize=None)
def _converter(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(config)


def fold_full_width(text: str) -> str:
    """Folds full-width letters, digits, punctuation and spaces to ASCII."""
    return text.translate(_FULL_WIDTH)


def to_simplified(text: str) -> str:
    return _convert(text, "t2s")


def to_traditional(text: str) -> str:
    return _convert(text, "s2t")


def _convert(text: str, config: str) -> str:
    converted = _converter(config).convert(text)
    # Entity offsets must stay valid, so a phrase-level conversion that changes the
    # length falls back to converting character by character.
    if len(converted) == len(text):
        return converted
    return "".join(_converter(config).convert(char) or char for char in text)


def detect_language(text: str) -> Optional[str]:
    """Returns the language tag of `text`, or None when it shows none (digits, emoji)."""
    if _CJK.search(text):
        return TRADITIONAL if to_simplified(text) != text else SIMPLIFIED
    words = [word.lower() for word in _WORD.findall(text)]
    if any(
        (len(word) >= 3 or word in _SHORT_ENGLISH) and word not in _NOT_LANGUAGE
        for word in words
    ):
        return ENGLISH
    return None


def normalise(text: str) -> Tuple[str, Optional[str]]:
    """Returns the text in the model's form and the language the customer wrote in."""
    folded = fold_full_width(text)
    language = detect_language(folded)
    if language == TRADITIONAL:
        folded = to_simplified(folded)
    return folded, language


# Emoji and pictographs, with their skin tones, variation selectors and joiners.
_EMOJI = re.compile(
    "[\U0001F000-\U0001FAFF\u2600-\u27BF\u2B00-\u2BFF\uFE0E\uFE0F\u200D\u20E3]+"
)
_LETTER = re.compile(r"[^\W_]")


def without_emoji(text: str) -> str:
    """`text` without its emoji ("到哪了 😡😡" → "到哪了"), unless nothing else is in it: a
    message of emoji only ("👍") is read by its emoji (bot/nlu/intent_rules.py)."""
    plain = _EMOJI.sub(" ", text).strip()
    return plain if _LETTER.search(plain) else text
