"""Privacy rules: how phone numbers, names and addresses are masked wherever they are
shown before verification, archived, logged or counted.

Every process masks the same way, so the rules live here once.
"""
import logging
import re
from functools import lru_cache

from foundation.language import fold_full_width, to_simplified
from foundation.numbers import find_phone_numbers, find_phone_numbers_in_speech

# Province (or autonomous region), city, and district or county after the city, at
# the start of a mainland address: "浙江省杭州市西湖区…", "上海市浦东新区…". Digits,
# street words and 小区 (a housing estate) are excluded, so no part of the street
# address is ever taken for a district.
_ADDRESS_REGION = re.compile(
    r"(?:[^\d\s省市]{2,7}?(?:省|自治区|特别行政区))?"
    r"(?:[^\d\s省市区县]{2,9}?(?:市|自治州|地区|盟)"
    r"(?:[^\d\s省市区县旗路街道号]{1,6}?(?:(?<!小)区|县|市|旗))?)?"
)


def mask_phone(phone: str) -> str:
    """Hides the middle digits, as Chinese services do: 13812345678 → 138****5678."""
    if len(phone) < 8:
        # Too short to keep both ends without giving most of it away.
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def mask_name(name: str) -> str:
    """Keeps the first character only: 张伟 → 张*, 欧阳娜娜 → 欧***, John Smith → J***."""
    name = name.strip()
    if not name:
        return ""
    if name.isascii():
        # A fixed length, as the length of a Latin name says a lot about it.
        return f"{name[0]}***"
    return name[0] + "*" * max(1, len(name) - 1)


def mask_address(address: str) -> str:
    """Keeps province, city and district, masks the rest: "浙江省杭州市西湖区****"."""
    region = _ADDRESS_REGION.match(address).group()
    if region == address:
        return address
    return f"{region}****"


# The same strings come back all the time (intent and action names, the bot's own
# replies, in every event streamed): each is searched once.
@lru_cache(maxsize=8192)
def mask_text(text: str) -> str:
    """Masks mainland mobile numbers in free text, for archives and logs: 138****5678.

    Every number the NLU takes for a phone is masked: written, spaced, full-width,
    Traditional, or spoken in digits ("幺三八…", "one three eight …"), the spoken words
    replaced as a whole. Waybill numbers are not personal and stay. Addresses in free
    text are out of reach: nothing marks where a street address begins or ends in a
    sentence, so they stay as written.
    """
    # Both conversions keep the length, so the offsets found hold for `text`.
    searched = to_simplified(fold_full_width(text))
    found = sorted(find_phone_numbers(searched) + find_phone_numbers_in_speech(searched),
                   key=lambda phone: (phone.start, -phone.end))
    pieces, done = [], 0
    for phone in found:
        if phone.start >= done:
            pieces += [text[done : phone.start], mask_phone(phone.number)]
        # A number found both ways (or overlapping another) is masked once, whole.
        done = max(done, phone.end)
    pieces.append(text[done:])
    return "".join(pieces)


class MaskPhoneNumbers(logging.Filter):
    """Customer text can reach a log line (an error quoting a request, say); mobile
    numbers in it are masked like everywhere else."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = mask_text(record.getMessage())
        record.args = ()
        return True
