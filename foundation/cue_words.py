"""Cue words that tell how a message is meant, beside what it asks (cue_words.yml):
blame or impatience, a delay, "can I return this?", a refund, the name of a number,
greetings and thanks around a request, pasted order data; and a message sent twice in
one. The near-miss rules of the dialogue and the NLU read them here, so each list lives
once."""
import re
from pathlib import Path
from typing import Dict, List, Tuple

import yaml

from foundation.language import fold_full_width, to_simplified

CUES_FILE = Path(__file__).with_name("cue_words.yml")


def _load(path: Path) -> Dict[str, List[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    # Longest first, so a longer cue is found before a shorter one inside it.
    return {kind: sorted((str(word).lower() for word in by_language["zh"] + by_language["en"]),
                         key=len, reverse=True)
            for kind, by_language in data.items()}


CUES = _load(CUES_FILE)


def _plain(text: str) -> str:
    return to_simplified(fold_full_width(text or "")).lower()


def says(kind: str, text: str) -> bool:
    """Whether `text` holds one of the cue words of `kind`."""
    plain = _plain(text)
    return any(cue in plain for cue in CUES[kind])


def without(kind: str, text: str) -> str:
    """`text`, plain, with the cue words of `kind` taken out."""
    plain = _plain(text)
    for cue in CUES[kind]:
        plain = plain.replace(cue, " ")
    return plain


# What may sit between a greeting and the request.
_PAUSE = r"[\s,.!?~:;、。…]"
_WORD = re.compile(r"[^\W_]")


def _edge(kind: str, at_start: bool) -> "re.Pattern[str]":
    """The cue words of `kind` at the start (or end) of a text, with the pauses beside."""
    alternatives = []
    for cue in CUES[kind]:
        word = re.escape(cue)
        if cue.isascii():
            word = rf"\b{word}\b"
        elif len(cue) == 1:
            word = rf"{word}(?={_PAUSE})" if at_start else rf"(?<={_PAUSE}){word}"
        elif at_start:
            word = rf"{word}(?!像)"  # "你好像没回复我" is no greeting
        alternatives.append(word)
    either = "|".join(alternatives)
    # At the end, the pause before the thanks stays: "到哪了?? 谢谢" keeps its "??".
    return re.compile(rf"^(?:{either}){_PAUSE}*" if at_start else rf"\s*(?:{either}){_PAUSE}*$",
                      re.IGNORECASE)


_OPENING = _edge("opening_pleasantry", at_start=True)
_CLOSING = _edge("closing_pleasantry", at_start=False)


def without_pleasantries(text: str) -> str:
    """`text` without the greetings before and the thanks after what it asks
    ("亲，在吗？我的快递到哪了 谢谢" → "我的快递到哪了"); unchanged unless two letters or
    characters of something that asks are left ("好的 谢谢" is thanks, "您好 客服小姐姐"
    a greeting).
    Expects the text normalised (Simplified, full width folded); case is ignored."""
    core = text
    while True:
        shorter = _CLOSING.sub("", _OPENING.sub("", core, count=1).lstrip())
        if shorter == core:
            break
        core = shorter
    return core if len(_WORD.findall(without("no_request", core))) >= 2 else text


def _labels(kind: str) -> str:
    return "|".join(re.escape(cue) for cue in CUES[kind])


_FIELD_START = rf"(?:【\s*)?(?:(?:{_labels('order_field')})\s*(?:】|:)|order\s*#)"
_FIELD_LINE = re.compile(rf"^[ \t]*{_FIELD_START}[^\n]*$", re.IGNORECASE | re.MULTILINE)
# A label with a number, a date (and time) or an amount after it on the customer's line.
_FIELD = re.compile(
    rf"{_FIELD_START}[ \t]*[A-Za-z0-9¥$￥.,:/\-#]*\d[A-Za-z0-9¥$￥.,:/\-#]*"
    rf"(?:[ \t]+\d{{1,2}}:\d{{2}}(?::\d{{2}})?)?",
    re.IGNORECASE,
)


def without_order_details(text: str) -> str:
    """`text` without pasted order data ("订单编号：…\n下单时间：…\n这单到哪了" → "这单到哪了");
    unchanged unless two letters or characters are left."""
    other_lines = _FIELD_LINE.sub("", text)
    if len(_WORD.findall(other_lines)) >= 2:
        text = other_lines
    core = _FIELD.sub(" ", text).strip()
    return core if len(_WORD.findall(core)) >= 2 else text.strip()


def order_field_spans(text: str) -> List[Tuple[int, int]]:
    """Where pasted order data is in `text`: the number in "订单号: 4021234567" is an order
    number, even when its digits look like a carrier's waybill."""
    return [match.span() for pattern in (_FIELD_LINE, _FIELD) for match in pattern.finditer(text)]


_ENDS = " \t\n,.!?~;:、。…"


def without_repeat(text: str) -> str:
    """A message pasted or sent twice in one ("到哪了 到哪了", "where is it? where is it?"), once."""
    whole = text.strip(_ENDS)
    middle = len(whole) // 2
    for cut in range(max(1, middle - 2), min(len(whole), middle + 3)):
        first, second = whole[:cut].strip(_ENDS), whole[cut:].strip(_ENDS)
        # A sentence, not a doubled word ("好好", "谢谢谢谢").
        if first == second and len(_WORD.findall(first)) >= 4:
            return first
    return text
