"""Texts the actions send, written once in Simplified Chinese and once in English.

Traditional Chinese is the Simplified reply converted as a whole (OpenCC), so no
Traditional copy has to be kept in step. Responses in domain/ go through bot/nlg.py
instead; this is for texts actions compose from data.
"""
from typing import NamedTuple

from foundation.language import ENGLISH, TRADITIONAL, to_traditional

# Channels whose replies are spoken (an IVR reads them out): no symbols, links or
# timelines, numbers said digit by digit.
VOICE_CHANNELS = frozenset({"ivr"})


class Phrase(NamedTuple):
    """One text in Simplified Chinese and English; may hold `{placeholders}`."""

    zh: str
    en: str


def say(phrase: Phrase, language: str, **values: object) -> str:
    """The phrase in English or Chinese, filled in; Traditional comes at the end.

    Any language tag but "en" gets Chinese, as Simplified is the bot's default.
    """
    text = phrase.en if language == ENGLISH else phrase.zh
    return text.format(**values)


def finish(text: str, language: str) -> str:
    """Converts a whole Chinese reply, place names included, for Traditional readers."""
    return to_traditional(text) if language == TRADITIONAL else text


def join_sentences(sentences, language: str) -> str:
    """Sentences run on, as spoken or in a paragraph; Chinese needs no space between."""
    return ("" if language != ENGLISH else " ").join(sentences)
