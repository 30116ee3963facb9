"""Finds waybill, mobile phone and return numbers in what customers type or say.

Customers write waybill numbers every which way: with spaces or dashes between digit
groups, in full-width characters, with a lower-case prefix, glued to Chinese text,
or spoken to the phone line ("幺三五零…", "double four"). This module turns all of
that into the carrier's plain form ("SF123456789012") and names the carrier.

Which carrier a number belongs to is a best guess from its shape: a number *looks
like* one carrier's. Pure-digit formats of different carriers can overlap, so the
first carrier in `CARRIERS` whose format matches wins.
"""
import re
from dataclasses import dataclass
from typing import List, Optional, Tuple

from foundation.language import fold_full_width


@dataclass(frozen=True)
class Carrier:
    code: str
    name_zh: str
    name_en: str
    hotline: Optional[str]
    website: Optional[str]
    # Regular expression the whole normalised number must match.
    pattern: str

    def matches(self, number: str) -> bool:
        return re.fullmatch(self.pattern, number) is not None


@dataclass(frozen=True)
class Waybill:
    number: str
    carrier: Carrier
    # Offsets into the text searched, so text[start:end] is the number as written.
    start: int
    end: int


@dataclass(frozen=True)
class PhoneNumber:
    number: str  # 11 digits, without +86
    start: int
    end: int


@dataclass(frozen=True)
class ReturnNumber:
    number: str  # RETURN_NUMBER_PREFIX + RETURN_NUMBER_DIGITS digits
    start: int
    end: int


OUR_CARRIER = "ours"

# Where pure-digit formats overlap, the first carrier that matches wins, so the more
# likely carrier goes higher up; ours comes first.
CARRIERS: Tuple[Carrier, ...] = (
    # Our contact details are in the replies, not here.
    Carrier(OUR_CARRIER, "快递助手速运", "our courier", None, None, r"KD\d{12}"),
    Carrier("sf", "顺丰速运", "SF Express", "95338", "sf-express.com", r"SF\d{12,13}"),
    Carrier("zto", "中通快递", "ZTO Express", "95311", "zto.com", r"7\d{11}(?:\d{2})?"),
    Carrier("yto", "圆通速递", "YTO Express", "95554", "yto.net.cn", r"YT\d{13}"),
    Carrier(
        "sto", "申通快递", "STO Express", "95543", "sto.cn", r"(?:77|88|66|55)\d{11}(?:\d{2})?"
    ),
    Carrier(
        "yunda", "韵达快递", "Yunda Express", "95546", "yundaex.com", r"[34]\d{12}|4[36]\d{13}"
    ),
    Carrier("ems", "中国邮政EMS", "EMS", "11183", "ems.com.cn", r"1\d{12}|[A-Z]{2}\d{9}CN"),
    Carrier(
        "jd", "京东物流", "JD Logistics", "950616", "jdl.com", r"JD\d{13}|JD[VXA][A-Z]?\d{11,13}"
    ),
    Carrier("jt", "极兔速递", "J&T Express", "956025", "jtexpress.com.cn", r"JT\d{13}"),
    Carrier("deppon", "德邦快递", "Deppon Express", "95353", "deppon.com", r"DPK\d{12}|\d{10}"),
)

# Longer than any format, so a search along a run of groups can stop early.
_MAX_NUMBER_LENGTH = 20

_TOKEN = re.compile(r"[A-Za-z0-9]+")
# What may sit between the groups of one number: "7301 2345 6789", "SF-1234-5678".
# Not line breaks, so numbers on separate lines stay separate.
_GROUP_SEPARATOR = re.compile(r"[ \t\-–—]+")
_SEPARATORS = re.compile(r"[\s\-–—]+")
# The letters waybill numbers start with, as a customer may write them apart.
_PREFIXES = r"KD|SF|YT|JD(?:[VXA][A-Z]?)?|JT|DPK|RT"

# The return (RMA) numbers the assistant issues: RT0000000042. No carrier's waybill
# starts with RT, so a return number is never read as a waybill.
RETURN_NUMBER_PREFIX = "RT"
RETURN_NUMBER_DIGITS = 10
_RETURN_NUMBER = re.compile(
    rf"(?<![A-Za-z0-9])({RETURN_NUMBER_PREFIX}[ \-]?\d{{{RETURN_NUMBER_DIGITS}}})(?![0-9])",
    re.IGNORECASE,
)

_PHONE = re.compile(
    r"(?<![A-Za-z0-9])(?:(?:\+|00)86[ \-]?)?(1[3-9]\d(?:[ \-]?\d){8})(?![A-Za-z0-9])"
)

_CHINESE_DIGITS = {
    "零": "0", "〇": "0", "○": "0", "幺": "1", "一": "1", "两": "2", "二": "2",
    "三": "3", "四": "4", "五": "5", "六": "6", "七": "7", "八": "8", "九": "9",
}
_CHINESE_DIGIT = "[零〇○幺一两二三四五六七八九0-9]"
_CHINESE_RUN = re.compile(rf"{_CHINESE_DIGIT}(?: *{_CHINESE_DIGIT})*")

_ENGLISH_DIGITS = {
    "zero": "0", "oh": "0", "o": "0", "one": "1", "two": "2", "three": "3",
    "four": "4", "five": "5", "six": "6", "seven": "7", "eight": "8", "nine": "9",
}
_REPEATS = {"double": 2, "triple": 3}
_ENGLISH_WORD = (
    r"(?:(?:double|triple)[\s\-]+)?(?:zero|oh|o|one|two|three|four|five|six|seven|eight|nine|\d+)"
)
_ENGLISH_SEPARATOR = r"[\s,\-]+"
_ENGLISH_RUN = re.compile(
    rf"(?<![A-Za-z0-9]){_ENGLISH_WORD}(?:{_ENGLISH_SEPARATOR}{_ENGLISH_WORD})*(?![A-Za-z0-9])",
    re.IGNORECASE,
)
# A carrier prefix, or two to four letters spelled one by one, right before digits:
# "SF 1234", "s f 1234", "K D1234". A lone letter is left alone, as it is usually
# the English word "a" or "I".
_SPELLED_LETTERS = re.compile(
    rf"(?<![A-Za-z0-9'])({_PREFIXES}|(?:[A-Za-z] ){{1,3}}[A-Za-z]) ?(?=\d)", re.IGNORECASE
)

# A spoken run shorter than this is ordinary words: "一下", "两天", "one or two".
_MIN_SPOKEN_DIGITS = 4

_CARRIER_PREFIX = re.compile(rf"(?<![A-Za-z])(?:{_PREFIXES})[ \-]?\d", re.IGNORECASE)
_MIXED_TOKEN = re.compile(
    r"(?<![A-Za-z0-9])(?=[A-Za-z0-9]*\d)(?=[A-Za-z0-9]*[A-Za-z])[A-Za-z0-9]{6,}(?![A-Za-z0-9])"
)
# Groups after the first have three or more digits, so a date like "2026-11-23" is
# not read as one long number.
_DIGIT_RUN = re.compile(r"\d+(?:[ \-]\d{3,})*")
_MIN_ATTEMPT_DIGITS = 6


def spoken_digits_to_digits(text: str) -> str:
    """Turns digits spoken in Chinese or English into digits, leaving ordinary words.

    Speech recognition on the phone line writes "幺三五零…" or "one two double four".
    Only runs of at least four digits are converted, so "一下", "两天" and "oh, one
    more thing" stay words. Spaces inside a converted run are dropped, as speech
    recognition puts them anywhere. Letters spelled one by one before digits are
    joined to them: "s f one two three four" → "SF1234".
    """
    return _traced_spoken_digits(text)[0]


def _traced_spoken_digits(text: str) -> Tuple[str, List[Tuple[int, int]]]:
    """`spoken_digits_to_digits(text)`, and for each of its characters the span of
    `text` it comes from: a converted run's characters all come from the whole run."""
    spans = [(index, index + 1) for index in range(len(text))]
    for pattern, convert in (
        (_CHINESE_RUN, _convert_chinese_run),
        (_ENGLISH_RUN, _convert_english_run),
        (_SPELLED_LETTERS, _join_spelled_letters),
    ):
        text, spans = _traced_sub(pattern, convert, text, spans)
    return text, spans


def _traced_sub(pattern: re.Pattern, convert, text: str,
                spans: List[Tuple[int, int]]) -> Tuple[str, List[Tuple[int, int]]]:
    """`pattern.sub(convert, text)`, carrying each character's span along."""
    pieces: List[str] = []
    traced: List[Tuple[int, int]] = []
    last = 0
    for match in pattern.finditer(text):
        replacement = convert(match)
        pieces += [text[last : match.start()], replacement]
        traced += spans[last : match.start()]
        if replacement == match.group():
            traced += spans[match.start() : match.end()]
        else:
            whole = (spans[match.start()][0], spans[match.end() - 1][1])
            traced += [whole] * len(replacement)
        last = match.end()
    pieces.append(text[last:])
    traced += spans[last:]
    return "".join(pieces), traced


def _convert_chinese_run(match: re.Match) -> str:
    run = match.group()
    digits = "".join(_CHINESE_DIGITS.get(char, char) for char in run if char != " ")
    spoken = sum(char in _CHINESE_DIGITS for char in run)
    return digits if _was_spoken(run[0] in _CHINESE_DIGITS, spoken, len(digits)) else run


def _was_spoken(starts_spoken: bool, spoken: int, digits: int) -> bool:
    """Whether a run of digits, some spoken and some typed, is a number said aloud.

    Speech recognition mixes words and digits ("幺三八 1234 5678"), but a typed number
    followed by a word that starts with a digit word ("SF1234 5678 9012 三天没动了",
    "13812345678 one more thing") was typed: a run that starts typed needs four spoken
    digits. Typed digits alone are left exactly as written.
    """
    if not spoken or digits < _MIN_SPOKEN_DIGITS:
        return False
    return starts_spoken or spoken >= _MIN_SPOKEN_DIGITS


def _join_spelled_letters(match: re.Match) -> str:
    return match.group(1).replace(" ", "").upper()


def _convert_english_run(match: re.Match) -> str:
    run = match.group()
    words = re.split(_ENGLISH_SEPARATOR, run.lower())
    digits = ""
    spoken = 0
    repeat = 1
    for word in words:
        if word in _REPEATS:
            repeat = _REPEATS[word]
        else:
            digits += _ENGLISH_DIGITS.get(word, word) * repeat
            spoken += 0 if word.isdigit() else repeat
            repeat = 1
    return digits if _was_spoken(not words[0].isdigit(), spoken, len(digits)) else run


def normalise_waybill(raw: str) -> str:
    """Returns a waybill number in its plain form: "ｓｆ 1234-5678" → "SF12345678"."""
    return _SEPARATORS.sub("", fold_full_width(raw)).upper()


def identify_carrier(raw: str) -> Optional[Carrier]:
    """Returns the carrier whose number format `raw` looks like, or None."""
    number = normalise_waybill(raw)
    return next((carrier for carrier in CARRIERS if carrier.matches(number)), None)


def find_waybills(text: str) -> List[Waybill]:
    """Finds every waybill number in `text`, with offsets into `text` as given.

    Spoken digits ("幺三五…") are not converted here, as that would move the offsets;
    use `find_waybills_in_speech` for speech recognition output. Mobile phone and
    return numbers are found first and are never part of a waybill number.
    """
    # Folding keeps the length, so offsets into the folded text hold for `text`.
    folded = fold_full_width(text)
    taken = [match.span() for match in _PHONE.finditer(folded)]
    taken += [match.span(1) for match in _RETURN_NUMBER.finditer(folded)]
    waybills = []
    for group in _number_groups(folded, taken):
        waybills.extend(_waybills_in(group))
    return waybills


def find_waybills_in_speech(text: str) -> List[Waybill]:
    """Finds waybill numbers in speech recognition output.

    Offsets refer to the text after `spoken_digits_to_digits`, not to `text`.
    """
    return find_waybills(spoken_digits_to_digits(text))


def find_phone_numbers(text: str) -> List[PhoneNumber]:
    """Finds mainland mobile numbers, each as its 11 digits without +86."""
    return [
        PhoneNumber(re.sub(r"\D", "", match.group(1)), match.start(1), match.end(1))
        for match in _PHONE.finditer(fold_full_width(text))
    ]


def find_phone_numbers_in_speech(text: str) -> List[PhoneNumber]:
    """Finds mobile numbers typed or spoken ("幺三八…", "one three eight …"), as the
    NLU does, with offsets into `text` as given: a spoken number spans the words it
    was said in."""
    converted, spans = _traced_spoken_digits(text)
    return [
        PhoneNumber(phone.number, spans[phone.start][0], spans[phone.end - 1][1])
        for phone in find_phone_numbers(converted)
    ]


def find_return_numbers(text: str) -> List[ReturnNumber]:
    """Finds return numbers, normalised: "rt 0000000042" → "RT0000000042"."""
    return [
        ReturnNumber(normalise_waybill(match.group(1)), match.start(1), match.end(1))
        for match in _RETURN_NUMBER.finditer(fold_full_width(text))
    ]


def is_return_number(number: str) -> bool:
    """Whether `number` is a return number exactly as the assistant writes it."""
    return re.fullmatch(rf"{RETURN_NUMBER_PREFIX}\d{{{RETURN_NUMBER_DIGITS}}}", number) is not None


def mask_long_numbers(text: str) -> str:
    """`text` with every digit of a long number written as 0:
    "单号 KD202611230001 三天没动" → "单号 KD000000000000 三天没动".

    A long number is six digits or more, in groups separated by spaces or dashes as
    customers write them ("138 1234 5678"); dates and prices stay. The length does not
    change, so a place in the masked text is the same place in `text`. What a message
    asks does not depend on which number it carries, and the classifier should not
    learn or guess from digits.
    """
    def mask(match: re.Match) -> str:
        number = match.group()
        if sum(char.isdigit() for char in number) < _MIN_ATTEMPT_DIGITS:
            return number
        return re.sub(r"\d", "0", number)
    return _DIGIT_RUN.sub(mask, text)


def looks_like_waybill_attempt(text: str) -> bool:
    """Tells whether the customer probably tried to give a number that is no waybill.

    True for a carrier prefix followed by digits, a word of six or more letters and
    digits mixed, or six or more digits in a row, when no valid waybill number was
    found in `text`. Phone and return numbers do not count.
    """
    if find_waybills(text):
        return False
    folded = _PHONE.sub(lambda match: " " * len(match.group()), fold_full_width(text))
    folded = _RETURN_NUMBER.sub(lambda match: " " * len(match.group()), folded)
    if _CARRIER_PREFIX.search(folded) or _MIXED_TOKEN.search(folded):
        return True
    return any(
        sum(char.isdigit() for char in match.group()) >= _MIN_ATTEMPT_DIGITS
        for match in _DIGIT_RUN.finditer(folded)
    )


def _number_groups(folded: str, taken: List[Tuple[int, int]]) -> List[List[re.Match]]:
    """Splits the text into runs of letter-and-digit tokens written as one number.

    Tokens belong to one run when only spaces or dashes are between them. Tokens
    inside a `taken` span (a phone or return number) are left out, and break the run.
    """
    groups: List[List[re.Match]] = []
    previous_end = None
    for token in _TOKEN.finditer(folded):
        if any(start < token.end() and token.start() < end for start, end in taken):
            previous_end = None
            continue
        joined = previous_end is not None and _GROUP_SEPARATOR.fullmatch(
            folded[previous_end : token.start()]
        )
        if joined:
            groups[-1].append(token)
        else:
            groups.append([token])
        previous_end = token.end()
    return groups


def _waybills_in(tokens: List[re.Match]) -> List[Waybill]:
    """Takes the longest waybill number starting at each token, left to right."""
    waybills = []
    index = 0
    while index < len(tokens):
        found = _longest_waybill_from(tokens, index)
        if found is None:
            index += 1
        else:
            waybill, index = found
            waybills.append(waybill)
    return waybills


def _longest_waybill_from(tokens: List[re.Match], first: int) -> Optional[Tuple[Waybill, int]]:
    """Returns the longest waybill starting at token `first`, and the token after it."""
    longest = None
    number = ""
    for last in range(first, len(tokens)):
        # Groups in the middle of a number have three or more characters: "2026-11-23
        # 10" is a date and a time, not a ten-digit number.
        if last - 1 > first and len(tokens[last - 1].group()) < 3:
            break
        number += tokens[last].group().upper()
        if len(number) > _MAX_NUMBER_LENGTH:
            break
        carrier = identify_carrier(number)
        if carrier is not None:
            waybill = Waybill(number, carrier, tokens[first].start(), tokens[last].end())
            longest = (waybill, last + 1)
    return longest
