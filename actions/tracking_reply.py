"""The customer-facing wording of parcel-tracking answers.

Pure functions from gateway data (`Parcel`, `Waybill`) to the text the assistant
sends; the dialogue actions decide when to call which. The texts themselves are in
tracking_phrases.py, written once in Simplified Chinese and once in English.

Two shapes of reply: text channels (web chat over socketio, rest, the app) get short
lines and a compact timeline; the phone line ("ivr") gets spoken sentences only,
without timeline lines or symbols, with times said the way people say them and
codes split into single digits so the speech synthesiser reads them one by one.

Personal data: the recipient's name, phone and address are never shown before the
customer has verified their identity, nor are the pickup code, who signed instead of
the recipient, or the locker or station holding the parcel (its name contains the
recipient's street). Scan descriptions are not shown at all: they are the carrier's
free text and carry courier phone numbers, pickup codes and signers.
"""
from datetime import date, datetime
from typing import List, Optional, Sequence

from actions import tracking_phrases as phrases
from actions.carrier.gateway import SHANGHAI, Parcel, ParcelStatus, ScanEvent
from actions.reply_format import date_words, number_as_said, render, reply_text, spaced
from actions.tracking_phrases import STATUS_WORDINGS
from foundation.language import ENGLISH
from foundation.numbers import Waybill, looks_like_waybill_attempt
from foundation.privacy import mask_address, mask_name, mask_phone
from foundation.wording import VOICE_CHANNELS, finish, join_sentences, say

TIMELINE_SCANS = 5
LISTED_PARCELS = 5

# Statuses in which the parcel is still coming, so a delivery date means something.
# Held and stuck parcels have none the customer could rely on.
_AWAITING_DELIVERY = frozenset(
    {
        ParcelStatus.CREATED,
        ParcelStatus.PICKED_UP,
        ParcelStatus.IN_TRANSIT,
        ParcelStatus.AT_BRANCH,
        ParcelStatus.OUT_FOR_DELIVERY,
        ParcelStatus.DELIVERY_FAILED,
    }
)

_CHINESE_DIGITS = "零一二三四五六七八九"
# (hour the period ends before, its name), for saying times in Chinese.
_DAY_PERIODS_ZH = ((6, "凌晨"), (12, "上午"), (13, "中午"), (18, "下午"), (24, "晚上"))


def describe_parcel(
    parcel: Parcel, language: str, channel: str, verified: bool, now: datetime
) -> str:
    """The answer to "where is my parcel": status, last scan, date, next step.

    `verified` says whether the customer has proved they are the sender or recipient;
    only then are the pickup code, the signer and the (masked) recipient shown.
    `now` keeps past dates out of the reply and lets the voice line say "today".
    """
    voice = channel in VOICE_CHANNELS
    today = now.astimezone(SHANGHAI).date()
    wording = STATUS_WORDINGS[parcel.status]
    sentences = [
        say(phrases.STATUS_LINE, language,
            number=number_as_said(parcel.tracking_number, language, voice),
            word=say(wording.word, language))
    ]
    if voice:
        last_scan = parcel.last_scan
        sentences.append(
            say(phrases.SPOKEN_LAST_SCAN, language,
                when=_spoken_time(last_scan.time, language, today),
                place=_place(parcel, last_scan, language, verified, voice))
        )
    expected = _expected_date(parcel, today)
    if expected:
        day = _day(expected, language, today if voice else None)
        sentences.append(say(phrases.EXPECTED, language, day=day))
    if parcel.status is ParcelStatus.DELIVERED:
        sentences += _handover(parcel, language, verified, voice)
    elif wording.next_step:
        sentences.append(say(wording.next_step, language))
    if not voice:
        if verified:
            sentences.append(_recipient(parcel, language))
        sentences.append(say(phrases.TIMELINE_HEADER, language))
        sentences += [
            _timeline_line(parcel, event, language, verified)
            for event in reversed(parcel.events[-TIMELINE_SCANS:])
        ]
    return render(sentences, language, voice)


def describe_parcel_list(parcels: Sequence[Parcel], language: str, channel: str) -> str:
    """The parcels found for a verified customer's phone, in the order given.

    At most `LISTED_PARCELS` are listed, each with its status and last scan date;
    the rest are counted.
    """
    if not parcels:
        return reply_text(phrases.LIST_EMPTY, language)
    voice = channel in VOICE_CHANNELS
    count = len(parcels)
    sentences = [say(phrases.LIST_HEADER, language, count=count, plural="" if count == 1 else "s")]
    for index, parcel in enumerate(parcels[:LISTED_PARCELS], start=1):
        item = say(
            phrases.LIST_ITEM, language,
            number=number_as_said(parcel.tracking_number, language, voice),
            word=say(STATUS_WORDINGS[parcel.status].word, language),
            day=_day(parcel.last_scan.time.astimezone(SHANGHAI).date(), language, None),
        )
        numbering = phrases.SPOKEN_LIST_INDEX if voice else phrases.LIST_INDEX
        sentences.append(say(numbering, language, index=index) + item)
    more = count - LISTED_PARCELS
    if more > 0:
        sentences.append(say(phrases.LIST_MORE, language, count=more,
                             verb="is" if more == 1 else "are"))
    sentences.append(say(phrases.LIST_DETAILS, language))
    return render(sentences, language, voice)


def describe_other_carrier(waybill: Waybill, language: str) -> str:
    """Says the number looks like another courier's and where to track it instead."""
    carrier = waybill.carrier
    name = carrier.name_en if language == ENGLISH else carrier.name_zh
    ways = []
    if carrier.website:
        ways.append(say(phrases.CARRIER_WEBSITE, language, carrier=name, website=carrier.website))
    if carrier.hotline:
        ways.append(say(phrases.CARRIER_HOTLINE, language, hotline=carrier.hotline))
    if ways:
        contact = say(phrases.CARRIER_CONTACT, language,
                      ways=say(phrases.CARRIER_CONTACT_JOINER, language).join(ways))
    else:
        contact = say(phrases.ASK_CARRIER, language, carrier=name)
    sentences = [say(phrases.OTHER_CARRIER, language, carrier=name, number=waybill.number),
                 contact]
    return finish(join_sentences(sentences, language), language)


def describe_unknown_number(number: str, language: str) -> str:
    """Says nothing was found for a well-formed number, why that happens, what to do."""
    return reply_text(phrases.UNKNOWN_NUMBER, language, number=number)


def explain_number_format(language: str, channel: str) -> str:
    """What our tracking numbers look like and where to find them."""
    voice = channel in VOICE_CHANNELS
    return reply_text(
        phrases.NUMBER_FORMAT, language,
        prefix=say(phrases.SPOKEN_NUMBER_PREFIX if voice else phrases.NUMBER_PREFIX, language),
        # A fourteen-character example is only noise when listened to.
        example="" if voice else say(phrases.NUMBER_EXAMPLE, language),
    )


def ask_for_number_again(text: str, language: str, channel: str, last_try: bool) -> str:
    """The reply to an answer without a usable number: explain the format or ask again."""
    if looks_like_waybill_attempt(text):
        sentences = [explain_number_format(language, channel)]
    else:
        sentences = [say(phrases.STILL_NEED_NUMBER, language)]
    if last_try:
        sentences.append(say(phrases.LAST_TRY, language))
    return finish(join_sentences(sentences, language), language)


def describe_code_sent(phone: str, language: str, channel: str) -> str:
    """Tells the customer an SMS code is on its way, naming the phone masked."""
    if channel in VOICE_CHANNELS:
        shown = say(phrases.SPOKEN_PHONE, language, digits=spaced(phone[-4:]))
    else:
        shown = say(phrases.SHOWN_PHONE, language, phone=mask_phone(phone))
    return reply_text(phrases.CODE_SENT, language, phone=shown)


def ask_for_code_again(code_given: bool, language: str, last_try: bool) -> str:
    """After a wrong code, or an answer that held no code at all."""
    sentences = [say(phrases.WRONG_CODE if code_given else phrases.NO_CODE, language)]
    if last_try:
        sentences.append(say(phrases.LAST_TRY, language))
    return finish(join_sentences(sentences, language), language)


def describe_code_limit(language: str) -> str:
    """No code can be sent now: the phone or the conversation has had its share."""
    return reply_text(phrases.CODE_LIMIT, language)


def describe_tracking_unavailable(language: str) -> str:
    return reply_text(phrases.TRACKING_UNAVAILABLE, language)


def sorry_for_the_trouble(language: str) -> str:
    return reply_text(phrases.SORRY_FOR_THE_TROUBLE, language)


def look_up_first(language: str) -> str:
    return reply_text(phrases.LOOK_UP_FIRST, language)


def describe_complaint_about_parcel(parcel: Parcel, language: str, channel: str) -> str:
    """Apologises for a problem with a known parcel, naming its status only."""
    voice = channel in VOICE_CHANNELS
    return reply_text(phrases.COMPLAINT_ABOUT_PARCEL, language,
                      number=number_as_said(parcel.tracking_number, language, voice),
                      word=say(STATUS_WORDINGS[parcel.status].word, language))


def _expected_date(parcel: Parcel, today: date) -> Optional[date]:
    """The estimate, else the promise, while the parcel is coming; never a past date."""
    if parcel.status not in _AWAITING_DELIVERY:
        return None
    expected = parcel.estimated_date or parcel.promised_date
    return expected if expected >= today else None


def _handover(parcel: Parcel, language: str, verified: bool, voice: bool) -> List[str]:
    """How a delivered parcel was handed over, and what the customer does next."""
    if parcel.delivered_to in phrases.PICKUP_POINTS:
        place = _place(parcel, parcel.last_scan, language, verified, voice)
        sentences = [say(phrases.WAITING_AT, language, place=place)]
        if verified and parcel.pickup_code:
            code = spaced(parcel.pickup_code) if voice else parcel.pickup_code
            sentences.append(say(phrases.PICKUP_CODE, language, code=code))
        else:
            sentences.append(say(phrases.PICKUP_CODE_AFTER_VERIFICATION, language))
        return sentences
    if parcel.delivered_to == "other":
        if verified:
            signed = say(phrases.SIGNED_BY, language, signer=_signer(parcel.signed_by, language))
        else:
            signed = say(phrases.SIGNED_BY_SOMEONE_ELSE, language)
        return [signed, say(phrases.COLLECT_FROM_SIGNER, language)]
    if parcel.delivered_to == "person":
        return [say(phrases.SIGNED_BY_RECIPIENT, language), say(phrases.NOT_RECEIVED, language)]
    return [say(phrases.NOT_RECEIVED, language)]


def _signer(signed_by: Optional[str], language: str) -> str:
    """Who signed instead of the recipient: a role as it is, anyone else masked."""
    if signed_by in phrases.SIGNER_ROLES:
        return say(phrases.SIGNER_ROLES[signed_by], language)
    if signed_by:
        return mask_name(signed_by)
    return say(phrases.SOMEONE_ELSE, language)


def _place(
    parcel: Parcel, event: ScanEvent, language: str, verified: bool, voice: bool
) -> str:
    """Where a scan happened, as far as this customer may be told and can hear it.

    A locker's or station's name contains the recipient's street, so it waits for
    verification; English voices cannot read Chinese names, so they get the generic one.
    """
    point = phrases.PICKUP_POINTS.get(parcel.delivered_to)
    hidden = not verified or (voice and language == ENGLISH)
    if point and event.status is ParcelStatus.DELIVERED and hidden:
        return say(point, language)
    return event.place


def _recipient(parcel: Parcel, language: str) -> str:
    """The recipient, masked even for a verified customer: enough to recognise it."""
    recipient = parcel.recipient
    return say(phrases.RECIPIENT, language, name=mask_name(recipient.name),
               phone=mask_phone(recipient.phone), address=mask_address(recipient.address))


def _timeline_line(parcel: Parcel, event: ScanEvent, language: str, verified: bool) -> str:
    """One scan on one line: 11-23 14:05 上海浦东转运中心 运输中."""
    time = event.time.astimezone(SHANGHAI)
    stamp = f"{date_words(time, language)} {time:%H:%M}" if language == ENGLISH \
        else f"{time:%m-%d %H:%M}"
    place = _place(parcel, event, language, verified, voice=False)
    return f"{stamp} {place} {say(STATUS_WORDINGS[event.status].word, language)}"


def _day(day: date, language: str, today: Optional[date]) -> str:
    """A date as it fits in a sentence: "today" when `today` is given and it is near.

    Written replies stay in the chat history, where "today" turns wrong tomorrow, so
    they pass no `today` and always get the date.
    """
    if today is not None and (day - today).days in phrases.RELATIVE_DAYS:
        return say(phrases.RELATIVE_DAYS[(day - today).days], language)
    return f"on {date_words(day, language)}" if language == ENGLISH else date_words(day, language)


def _spoken_time(moment: datetime, language: str, today: date) -> str:
    """As said aloud: 今天下午两点零五分 / today at 2:05 pm."""
    moment = moment.astimezone(SHANGHAI)
    day = _day(moment.date(), language, today)
    if language == ENGLISH:
        hour = moment.hour % 12 or 12
        clock = f"{hour}:{moment.minute:02d}" if moment.minute else str(hour)
        return f"{day} at {clock} {'am' if moment.hour < 12 else 'pm'}"
    period = next(name for end, name in _DAY_PERIODS_ZH if moment.hour < end)
    # As people say it: 凌晨零点, 两点 (not 二点), 中午十二点.
    hour = moment.hour if moment.hour <= 12 else moment.hour - 12
    hour_words = {0: "零", 2: "两"}.get(hour) or _chinese_number(hour)
    minutes = ""
    if moment.minute:
        minutes = ("零" if moment.minute < 10 else "") + _chinese_number(moment.minute) + "分"
    return f"{day}{period}{hour_words}点{minutes}"


def _chinese_number(number: int) -> str:
    """1 to 59 in Chinese numerals: 5 → 五, 10 → 十, 12 → 十二, 35 → 三十五."""
    tens, ones = divmod(number, 10)
    words = ""
    if tens:
        words = ("" if tens == 1 else _CHINESE_DIGITS[tens]) + "十"
    if ones:
        words += _CHINESE_DIGITS[ones]
    return words
