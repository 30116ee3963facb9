"""What an IVR plays: the bot's messages as plain spoken sentences, buttons as a menu of
keys, and the channel's own words (welcome, re-prompts, transfer).

A text-to-speech engine reads markdown, emoji and links out loud ("asterisk asterisk",
"h t t p s"), so they are taken out here, whatever the bot's response was written for.
"""
import re
from html import escape
from typing import Any, Dict, List, Optional, Sequence, Tuple

from foundation.language import ENGLISH, SIMPLIFIED, TRADITIONAL, to_traditional
from foundation.wording import Phrase, say

# Digits a menu can offer: 1–9, then 0 (0 is usually "a person", set by the menu itself).
MENU_KEYS = "1234567890"

WELCOME = Phrase("您好，这里是快递客服。", "Hello, this is the courier's help line.")
WELCOME_MENU = Phrase(
    "查快递请按1，退货请按2，人工服务请按0，也可以直接说出您的问题。",
    "To track a parcel press 1, for a return press 2, for a person press 0, or just say your question.",
)
# What each key of the welcome menu sends to the assistant, as if the caller said it.
WELCOME_CHOICES = {
    "1": Phrase("我要查快递", "I want to track my parcel"),
    "2": Phrase("我要退货", "I want to return a parcel"),
    "0": Phrase("转人工", "I want to talk to a person"),
}
WELCOME_BACK = Phrase("欢迎回来，我们接着刚才的说。", "Welcome back, let's carry on where we left off.")
NOT_HEARD = Phrase("抱歉，我没有听清。", "Sorry, I didn't catch that.")
PRESS = Phrase("{title}请按{key}", "for {title} press {key}")
PLEASE_WAIT = Phrase("请稍候。", "Please hold on.")
TRANSFER_FAILED = Phrase(
    "抱歉，现在无法接通人工客服，请稍后再拨。再见。",
    "Sorry, we can't reach an agent just now. Please call again later. Goodbye.",
)

_LINK = re.compile(r"\[([^\]]*)\]\([^)]*\)")  # [title](url) → title
_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_MARKUP = re.compile(r"[*_`#>|~]+")
# Emoji, pictographs, dingbats, arrows and the joiners and selectors that build them.
_SYMBOLS = re.compile(
    "[\U0001F000-\U0001FAFF\u2190-\u21FF\u2300-\u23FF\u2460-\u27BF\u2B00-\u2BFF"
    "\uFE0E\uFE0F\u200D\u20E3]"
)
_BULLET = re.compile(r"^\s*(?:[-•·]|\d+[.)])\s+", re.MULTILINE)
_SPACE_BEFORE_STOP = re.compile(r"\s+([，。！？、,.!?；;：:])")
_SENTENCE_END = re.compile(r"(?<=[。！？!?])\s*|(?<=[.;；])\s+|\n+")


def language_of_locale(locale: Optional[str]) -> str:
    """The bot's language tag for an IVR locale: en-*, zh-TW/HK/MO/Hant, else Simplified."""
    tag = (locale or "").replace("_", "-").lower()
    if tag.startswith("en"):
        return ENGLISH
    if tag.startswith("zh") and any(part in tag for part in ("-tw", "-hk", "-mo", "hant")):
        return TRADITIONAL
    return SIMPLIFIED


def spoken(phrase: Phrase, language: str, **values: object) -> str:
    text = say(phrase, language, **values)
    return to_traditional(text) if language == TRADITIONAL else text


def plain_sentences(text: str) -> List[str]:
    """`text` as sentences a TTS engine can read: no links, markup, emoji or bullets."""
    text = _LINK.sub(r"\1", text or "")
    text = _URL.sub("", text)
    text = _BULLET.sub("", text)
    text = _SYMBOLS.sub("", _MARKUP.sub(" ", text))
    sentences = (_SPACE_BEFORE_STOP.sub(r"\1", re.sub(r"[ \t]+", " ", part)).strip(" ，,：:")
                 for part in _SENTENCE_END.split(text))
    return [sentence for sentence in sentences if sentence]


def menu(buttons: Sequence[Dict[str, Any]], language: str) -> Tuple[str, Dict[str, str]]:
    """The buttons read as keys to press ("查快递请按1，…"), and the payload of each key."""
    choices: Dict[str, str] = {}
    spoken_items = []
    for key, button in zip(MENU_KEYS, buttons):
        title = " ".join(plain_sentences(str(button.get("title") or "")))
        payload = button.get("payload")
        if not title or not isinstance(payload, str) or not payload:
            continue
        choices[key] = payload
        spoken_items.append(spoken(PRESS, language, title=title, key=key))
    if not spoken_items:
        return "", {}
    if language == ENGLISH:
        sentence = ", ".join(spoken_items) + "."
        return sentence[0].upper() + sentence[1:], choices
    return "，".join(spoken_items) + "。", choices


def ssml(prompts: Sequence[str], language: str) -> str:
    """The prompts as SSML, with a short pause between sentences."""
    body = '<break time="300ms"/>'.join(escape(prompt) for prompt in prompts)
    return f'<speak xml:lang="{escape(language)}">{body}</speak>'
