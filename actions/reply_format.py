"""How composed replies write dates and numbers, and lay sentences out per channel.

Shared by the tracking answers, the return dialogue and the return policy's
explanations, so a date or a spoken number reads the same in all of them. Dates are
spelt out rather than formatted with strftime, so no locale setting changes them.
"""
from datetime import date
from typing import List

from foundation.language import ENGLISH
from foundation.wording import Phrase, finish, join_sentences, say

# The voice line reads out the end of a number only; fourteen characters are too many
# to listen to, and the last digits tell a customer's parcels and returns apart.
SPOKEN_NUMBER_DIGITS = 4

_ENDING_IN = Phrase("尾号 {digits}", "ending in {digits}")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def reply_text(phrase: Phrase, language: str, **values: object) -> str:
    """The phrase filled in, as a whole reply (Traditional converted at the end)."""
    return finish(say(phrase, language, **values), language)


def render(sentences: List[str], language: str, voice: bool) -> str:
    """Spoken sentences run on; in text, each sentence and scan gets its own line."""
    text = join_sentences(sentences, language) if voice else "\n".join(sentences)
    return finish(text, language)


def spaced(digits: str) -> str:
    """123456 → 1 2 3 4 5 6, so the voice reads digits, not "one hundred and…"."""
    return " ".join(digits)


def spoken_end(number: str) -> str:
    """The last digits of a parcel or return number, spaced for the voice."""
    return spaced(number[-SPOKEN_NUMBER_DIGITS:])


def number_as_said(number: str, language: str, voice: bool) -> str:
    """The number in text; on the phone line only its end: 尾号 0 0 0 1."""
    if not voice:
        return number
    return say(_ENDING_IN, language, digits=spoken_end(number))


def date_words(day: date, language: str) -> str:
    """11月25日 / 25 Nov."""
    if language == ENGLISH:
        return f"{day.day} {_MONTHS_EN[day.month - 1]}"
    return f"{day.month}月{day.day}日"
