"""The customer-facing wording of parcel-tracking answers.

Pure functions from gateway data (`Parcel`, `Waybill`) to the text the assistant
sends; the dialogue actions decide when to call which. Every text is written once in
Simplified Chinese and once in English (`Phrase`); Traditional Chinese is the
Simplified reply converted as a whole, so no Traditional copy has to be kept in step.

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
from typing import Dict, List, NamedTuple, Optional, Sequence

from actions.carrier.gateway import SHANGHAI, Parcel, ParcelStatus, ScanEvent
from foundation.wording import Phrase, VOICE_CHANNELS, finish, join_sentences, say
from foundation.language import ENGLISH
from foundation.numbers import Waybill, looks_like_waybill_attempt
from foundation.privacy import mask_address, mask_name, mask_phone

TIMELINE_SCANS = 5
LISTED_PARCELS = 5
# The voice line reads out the end of a tracking number only; fourteen characters
# are too many to listen to, and the last digits tell a customer's parcels apart.
SPOKEN_NUMBER_DIGITS = 4


class StatusWording(NamedTuple):
    word: Phrase
    # None for DELIVERED: what comes next depends on how it was handed over.
    next_step: Optional[Phrase]


_AGENT_PRIORITY = Phrase(
    "我可以帮您转人工客服优先处理。",
    "I can put you through to an agent who will treat it as a priority.",
)

STATUS_WORDINGS: Dict[ParcelStatus, StatusWording] = {
    ParcelStatus.CREATED: StatusWording(
        Phrase("已下单，等待揽收", "registered, waiting to be picked up"),
        Phrase("快递员上门揽收后，就会有第一条扫描记录。",
               "The first scan appears once our courier has collected it from the sender."),
    ),
    ParcelStatus.PICKED_UP: StatusWording(
        Phrase("已揽收", "picked up"),
        Phrase("包裹接下来会发往转运中心。", "It goes to a transfer centre next."),
    ),
    ParcelStatus.IN_TRANSIT: StatusWording(
        Phrase("运输中", "on its way"),
        Phrase("到达派送网点后就会安排派送。",
               "Once it reaches your local branch, it will be delivered as soon as possible."),
    ),
    ParcelStatus.AT_BRANCH: StatusWording(
        Phrase("已到达派送网点", "at your local branch"),
        Phrase("快递员很快会安排派送。", "A courier will take it out for delivery soon."),
    ),
    ParcelStatus.OUT_FOR_DELIVERY: StatusWording(
        Phrase("派送中", "out for delivery"),
        Phrase("快递员今天会送到，请保持电话畅通。",
               "The courier is bringing it today, so please keep your phone at hand."),
    ),
    ParcelStatus.DELIVERED: StatusWording(Phrase("已签收", "delivered"), None),
    ParcelStatus.DELIVERY_FAILED: StatusWording(
        Phrase("派送失败", "delivery failed"),
        Phrase("您可以预约再次派送。", "You can book a redelivery."),
    ),
    ParcelStatus.HELD: StatusWording(
        Phrase("应您要求暂存", "held at your request"),
        Phrase("到期前可随时预约派送。",
               "You can book a delivery any time before the holding period ends."),
    ),
    ParcelStatus.RETURNED_TO_SENDER: StatusWording(
        Phrase("已退回寄件人", "returned to the sender"),
        Phrase("如需重新寄出，请联系寄件人。",
               "If it should be sent again, please contact the sender."),
    ),
    ParcelStatus.DAMAGED: StatusWording(Phrase("包裹破损", "damaged"), _AGENT_PRIORITY),
    ParcelStatus.LOST: StatusWording(Phrase("包裹丢失", "lost"), _AGENT_PRIORITY),
    ParcelStatus.STUCK: StatusWording(
        Phrase("已超过 72 小时没有新的扫描记录", "no new scan for over 72 hours"),
        _AGENT_PRIORITY,
    ),
}

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

_STATUS_LINE = Phrase("包裹 {number}：{word}。", "Parcel {number}: {word}.")
_SPOKEN_NUMBER = Phrase("尾号 {digits}", "ending in {digits}")
# English voices cannot read Chinese place names, so the English sentence has none.
_SPOKEN_LAST_SCAN = Phrase("最新一次扫描是{when}，地点是{place}。", "The latest scan was {when}.")
_EXPECTED = Phrase("预计 {day} 送达。", "Expected {day}.")
_TIMELINE_HEADER = Phrase("物流记录（最新在前）：", "Latest scans, newest first:")
_RECIPIENT = Phrase("收件人：{name}，{phone}，{address}", "Recipient: {name}, {phone}, {address}")

# Lockers and pickup stations, named generically until the customer is verified.
_PICKUP_POINTS = {
    "locker": Phrase("快递柜", "a parcel locker"),
    "station": Phrase("快递驿站", "a pickup station"),
}
_WAITING_AT = Phrase("包裹在{place}等您取件。", "It is waiting for you at {place}.")
_PICKUP_CODE = Phrase("取件码 {code}。", "Your pickup code is {code}.")
_PICKUP_CODE_AFTER_VERIFICATION = Phrase(
    "验证身份后，我可以告诉您取件码。",
    "Once you have verified your identity, I can give you the pickup code.",
)
_SIGNED_BY_RECIPIENT = Phrase("由收件人本人签收。", "It was signed for by the recipient.")
_SIGNED_BY = Phrase("由{signer}代签收。", "It was signed for by {signer}.")
_SIGNED_BY_SOMEONE_ELSE = Phrase(
    "由他人代签收，验证身份后，我可以告诉您是谁签收的。",
    "It was signed for by someone else. Once you have verified your identity, "
    "I can tell you who.",
)
_COLLECT_FROM_SIGNER = Phrase(
    "请向代签收人领取；如果没有拿到，我可以帮您转人工客服查明情况。",
    "Please collect it from them. If you cannot find it, I can put you through to an "
    "agent to check.",
)
_NOT_RECEIVED = Phrase(
    "如果您没有收到，我可以帮您转人工客服查明情况。",
    "If you have not received it, I can put you through to an agent to check.",
)
_SOMEONE_ELSE = Phrase("他人", "someone else")
# Who commonly signs instead of the recipient. Anyone else is taken to be a person
# and shown masked.
_SIGNER_ROLES = {
    "门卫": Phrase("门卫", "the gatekeeper"),
    "家人": Phrase("家人", "a family member"),
    "前台": Phrase("前台", "the front desk"),
    "同事": Phrase("同事", "a colleague"),
    "物业": Phrase("物业", "property management"),
}

_RELATIVE_DAYS = {
    -1: Phrase("昨天", "yesterday"),
    0: Phrase("今天", "today"),
    1: Phrase("明天", "tomorrow"),
}
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun",
              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_CHINESE_DIGITS = "零一二三四五六七八九"
# (hour the period ends before, its name), for saying times in Chinese.
_DAY_PERIODS_ZH = ((6, "凌晨"), (12, "上午"), (13, "中午"), (18, "下午"), (24, "晚上"))

_LIST_HEADER = Phrase("找到 {count} 个包裹：", "I found {count} parcel{plural}:")
_LIST_ITEM = Phrase("{number}：{word}，最近扫描 {day}。", "{number}: {word}, last scan {day}.")
_LIST_INDEX = Phrase("{index}. ", "{index}. ")
_SPOKEN_LIST_INDEX = Phrase("第 {index} 个，", "Number {index}, ")
_LIST_MORE = Phrase("还有 {count} 个包裹没有列出。", "There {verb} {count} more.")
_LIST_DETAILS = Phrase(
    "告诉我运单号，我可以帮您查看详情。",
    "Tell me a tracking number and I'll give you the details.",
)
_LIST_EMPTY = Phrase(
    "这个手机号下没有查到包裹。如果您有运单号，可以直接告诉我。",
    "I found no parcels for this phone number. If you have a tracking number, just tell me.",
)

_OTHER_CARRIER = Phrase(
    "这个单号看起来是{carrier}的（{number}），我们查不到其他快递公司的件。",
    "This number ({number}) looks like it belongs to {carrier}. We can only track our "
    "own parcels, not other couriers'.",
)
_CARRIER_WEBSITE = Phrase("在{carrier}官网 {website}", "on {website}")
_CARRIER_HOTLINE = Phrase("拨打 {hotline}", "call {hotline}")
# Both ways end in a website or phone number, which a space sets off from Chinese.
_CARRIER_CONTACT = Phrase("您可以{ways} 查询。", "You can check it {ways}.")
_CARRIER_CONTACT_JOINER = Phrase(" 或", " or ")
_ASK_CARRIER = Phrase("请向{carrier}查询。", "Please ask {carrier}.")

_UNKNOWN_NUMBER = Phrase(
    "没有查到运单号 {number} 的信息。常见的原因有三种：包裹刚寄出，还没有扫描记录，"
    "请过几个小时再查；单号有误，请对照快递面单或订单核对；包裹由其他快递公司承运，"
    "请向该公司查询。如果核对后仍然查不到，我可以帮您转人工客服。",
    "I couldn't find tracking number {number}. Usually the parcel has only just been "
    "sent and not scanned yet, so please try again in a few hours; or the number has a "
    "typo, so please check it against the label or your order; or the parcel is with "
    "another courier, so please ask them. If it still cannot be found, I can put you "
    "through to an agent.",
)

_NUMBER_FORMAT = Phrase(
    "我们的运单号是{prefix}加 12 位数字{example}。运单号印在快递面单上，网购的包裹也可以"
    "在订单的物流信息里找到。请检查后再告诉我。",
    "Our tracking numbers are {prefix} followed by 12 digits{example}. You'll find the "
    "number on the shipping label, or in your order's delivery details if you bought "
    "online. Please check it and tell me again.",
)
_NUMBER_PREFIX = Phrase(" KD ", "KD")
_SPOKEN_NUMBER_PREFIX = Phrase("字母 K D ", "the letters K D")
_NUMBER_EXAMPLE = Phrase("，例如 KD202611230001", ", for example KD202611230001")
_STILL_NEED_NUMBER = Phrase(
    "我需要运单号才能帮您查询。没有运单号的话，也可以告诉我收件人的手机号。",
    "I need the tracking number to look it up. If you don't have it, you can give me "
    "the recipient's mobile number instead.",
)
_LAST_TRY = Phrase(
    "如果这次还不行，我会为您转人工客服。",
    "If that doesn't work either, I'll put you through to an agent.",
)
_CODE_SENT = Phrase(
    "为了保护您的隐私，我已向{phone}发送了 6 位短信验证码，请把验证码告诉我，"
    "10 分钟内有效。",
    "To protect your privacy, I've sent a 6-digit code by text message to {phone}. "
    "Please tell me the code; it is valid for 10 minutes.",
)
_SHOWN_PHONE = Phrase("手机 {phone} ", "{phone}")
_SPOKEN_PHONE = Phrase("尾号 {digits} 的手机", "the phone ending in {digits}")
_WRONG_CODE = Phrase(
    "验证码不正确，请核对短信后再告诉我。",
    "That code isn't right. Please check the text message and tell me again.",
)
_NO_CODE = Phrase(
    "请告诉我短信里的 6 位验证码。",
    "Please tell me the 6-digit code from the text message.",
)
_TRACKING_UNAVAILABLE = Phrase(
    "抱歉，查询系统暂时无法访问，请稍后再试。",
    "Sorry, parcel tracking is unavailable at the moment. Please try again later.",
)
_OFFER_AGENT = Phrase(
    "需要现在为您转人工客服吗？",
    "Shall I put you through to an agent now?",
)
# Near misses (actions/near_miss.py): a tracking answer to a customer who was cross, and
# a delay complaint with no parcel known yet, which is looked up first.
_SORRY_FOR_THE_TROUBLE = Phrase(
    "给您添麻烦了，非常抱歉。您的意见我已经记下，如需人工客服跟进，我可以为您转接。",
    "I'm sorry for the trouble. I have noted your complaint, and a member of our team can "
    "follow it up if you like.",
)
_LOOK_UP_FIRST = Phrase(
    "非常抱歉让您久等了，我先帮您查一下包裹现在的情况。",
    "I'm sorry you've been kept waiting. Let me check where your parcel is first.",
)


def sorry_for_the_trouble(language: str) -> str:
    return finish(say(_SORRY_FOR_THE_TROUBLE, language), language)


def look_up_first(language: str) -> str:
    return finish(say(_LOOK_UP_FIRST, language), language)


_COMPLAINT_ABOUT_PARCEL = Phrase(
    "非常抱歉给您带来麻烦。包裹 {number} 目前的状态是：{word}。这种情况需要人工客服核实，我可以为您优先转接。",
    "I'm very sorry about this. Parcel {number} currently shows as {word}. A member of "
    "our team needs to look into this, and I can put you through as a priority.",
)



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
        say(_STATUS_LINE, language, number=_number(parcel, language, voice),
             word=say(wording.word, language))
    ]
    if voice:
        last_scan = parcel.last_scan
        sentences.append(
            say(_SPOKEN_LAST_SCAN, language, when=_spoken_time(last_scan.time, language, today),
                 place=_place(parcel, last_scan, language, verified, voice))
        )
    expected = _expected_date(parcel, today)
    if expected:
        day = _day(expected, language, today if voice else None)
        sentences.append(say(_EXPECTED, language, day=day))
    if parcel.status is ParcelStatus.DELIVERED:
        sentences += _handover(parcel, language, verified, voice)
    elif wording.next_step:
        sentences.append(say(wording.next_step, language))
    if not voice:
        if verified:
            sentences.append(_recipient(parcel, language))
        sentences.append(say(_TIMELINE_HEADER, language))
        sentences += [
            _timeline_line(parcel, event, language, verified)
            for event in reversed(parcel.events[-TIMELINE_SCANS:])
        ]
    return _render(sentences, language, voice)


def describe_parcel_list(parcels: Sequence[Parcel], language: str, channel: str) -> str:
    """The parcels found for a verified customer's phone, in the order given.

    At most `LISTED_PARCELS` are listed, each with its status and last scan date;
    the rest are counted.
    """
    if not parcels:
        return finish(say(_LIST_EMPTY, language), language)
    voice = channel in VOICE_CHANNELS
    count = len(parcels)
    sentences = [say(_LIST_HEADER, language, count=count, plural="" if count == 1 else "s")]
    for index, parcel in enumerate(parcels[:LISTED_PARCELS], start=1):
        item = say(
            _LIST_ITEM, language,
            number=_number(parcel, language, voice),
            word=say(STATUS_WORDINGS[parcel.status].word, language),
            day=_day(parcel.last_scan.time.astimezone(SHANGHAI).date(), language, None),
        )
        numbering = _SPOKEN_LIST_INDEX if voice else _LIST_INDEX
        sentences.append(say(numbering, language, index=index) + item)
    more = count - LISTED_PARCELS
    if more > 0:
        sentences.append(say(_LIST_MORE, language, count=more, verb="is" if more == 1 else "are"))
    sentences.append(say(_LIST_DETAILS, language))
    return _render(sentences, language, voice)


def describe_other_carrier(waybill: Waybill, language: str) -> str:
    """Says the number looks like another courier's and where to track it instead."""
    carrier = waybill.carrier
    name = carrier.name_en if language == ENGLISH else carrier.name_zh
    ways = []
    if carrier.website:
        ways.append(say(_CARRIER_WEBSITE, language, carrier=name, website=carrier.website))
    if carrier.hotline:
        ways.append(say(_CARRIER_HOTLINE, language, hotline=carrier.hotline))
    if ways:
        contact = say(_CARRIER_CONTACT, language,
                       ways=say(_CARRIER_CONTACT_JOINER, language).join(ways))
    else:
        contact = say(_ASK_CARRIER, language, carrier=name)
    sentences = [say(_OTHER_CARRIER, language, carrier=name, number=waybill.number), contact]
    return finish(join_sentences(sentences, language), language)


def describe_unknown_number(number: str, language: str) -> str:
    """Says nothing was found for a well-formed number, why that happens, what to do."""
    return finish(say(_UNKNOWN_NUMBER, language, number=number), language)


def explain_number_format(language: str, channel: str) -> str:
    """What our tracking numbers look like and where to find them."""
    voice = channel in VOICE_CHANNELS
    text = say(
        _NUMBER_FORMAT, language,
        prefix=say(_SPOKEN_NUMBER_PREFIX if voice else _NUMBER_PREFIX, language),
        # A fourteen-character example is only noise when listened to.
        example="" if voice else say(_NUMBER_EXAMPLE, language),
    )
    return finish(text, language)


def ask_for_number_again(text: str, language: str, channel: str, last_try: bool) -> str:
    """The reply to an answer without a usable number: explain the format or ask again."""
    if looks_like_waybill_attempt(text):
        sentences = [explain_number_format(language, channel)]
    else:
        sentences = [say(_STILL_NEED_NUMBER, language)]
    if last_try:
        sentences.append(say(_LAST_TRY, language))
    return finish(join_sentences(sentences, language), language)


def describe_code_sent(phone: str, language: str, channel: str) -> str:
    """Tells the customer an SMS code is on its way, naming the phone masked."""
    if channel in VOICE_CHANNELS:
        shown = say(_SPOKEN_PHONE, language, digits=_spaced(phone[-4:]))
    else:
        shown = say(_SHOWN_PHONE, language, phone=mask_phone(phone))
    return finish(say(_CODE_SENT, language, phone=shown), language)


def ask_for_code_again(code_given: bool, language: str, last_try: bool) -> str:
    """After a wrong code, or an answer that held no code at all."""
    sentences = [say(_WRONG_CODE if code_given else _NO_CODE, language)]
    if last_try:
        sentences.append(say(_LAST_TRY, language))
    return finish(join_sentences(sentences, language), language)


def describe_tracking_unavailable(language: str) -> str:
    return finish(say(_TRACKING_UNAVAILABLE, language), language)


def offer_agent(language: str) -> str:
    return finish(say(_OFFER_AGENT, language), language)


def describe_complaint_about_parcel(parcel: Parcel, language: str, channel: str) -> str:
    """Apologises for a problem with a known parcel, naming its status only."""
    voice = channel in VOICE_CHANNELS
    return finish(
        say(_COMPLAINT_ABOUT_PARCEL, language, number=_number(parcel, language, voice),
             word=say(STATUS_WORDINGS[parcel.status].word, language)),
        language,
    )


def _render(sentences: List[str], language: str, voice: bool) -> str:
    """Spoken sentences run on; in text, each sentence and scan gets its own line."""
    text = join_sentences(sentences, language) if voice else "\n".join(sentences)
    return finish(text, language)



def _number(parcel: Parcel, language: str, voice: bool) -> str:
    if not voice:
        return parcel.tracking_number
    return say(_SPOKEN_NUMBER, language,
                digits=_spaced(parcel.tracking_number[-SPOKEN_NUMBER_DIGITS:]))


def _spaced(digits: str) -> str:
    """123456 → 1 2 3 4 5 6, so the voice reads digits, not "one hundred and…"."""
    return " ".join(digits)


def _expected_date(parcel: Parcel, today: date) -> Optional[date]:
    """The estimate, else the promise, while the parcel is coming; never a past date."""
    if parcel.status not in _AWAITING_DELIVERY:
        return None
    expected = parcel.estimated_date or parcel.promised_date
    return expected if expected >= today else None


def _handover(parcel: Parcel, language: str, verified: bool, voice: bool) -> List[str]:
    """How a delivered parcel was handed over, and what the customer does next."""
    if parcel.delivered_to in _PICKUP_POINTS:
        place = _place(parcel, parcel.last_scan, language, verified, voice)
        sentences = [say(_WAITING_AT, language, place=place)]
        if verified and parcel.pickup_code:
            code = _spaced(parcel.pickup_code) if voice else parcel.pickup_code
            sentences.append(say(_PICKUP_CODE, language, code=code))
        else:
            sentences.append(say(_PICKUP_CODE_AFTER_VERIFICATION, language))
        return sentences
    if parcel.delivered_to == "other":
        if verified:
            signed = say(_SIGNED_BY, language, signer=_signer(parcel.signed_by, language))
        else:
            signed = say(_SIGNED_BY_SOMEONE_ELSE, language)
        return [signed, say(_COLLECT_FROM_SIGNER, language)]
    if parcel.delivered_to == "person":
        return [say(_SIGNED_BY_RECIPIENT, language), say(_NOT_RECEIVED, language)]
    return [say(_NOT_RECEIVED, language)]


def _signer(signed_by: Optional[str], language: str) -> str:
    """Who signed instead of the recipient: a role as it is, anyone else masked."""
    if signed_by in _SIGNER_ROLES:
        return say(_SIGNER_ROLES[signed_by], language)
    if signed_by:
        return mask_name(signed_by)
    return say(_SOMEONE_ELSE, language)


def _place(
    parcel: Parcel, event: ScanEvent, language: str, verified: bool, voice: bool
) -> str:
    """Where a scan happened, as far as this customer may be told and can hear it.

    A locker's or station's name contains the recipient's street, so it waits for
    verification; English voices cannot read Chinese names, so they get the generic one.
    """
    point = _PICKUP_POINTS.get(parcel.delivered_to)
    hidden = not verified or (voice and language == ENGLISH)
    if point and event.status is ParcelStatus.DELIVERED and hidden:
        return say(point, language)
    return event.place


def _recipient(parcel: Parcel, language: str) -> str:
    """The recipient, masked even for a verified customer: enough to recognise it."""
    recipient = parcel.recipient
    return say(_RECIPIENT, language, name=mask_name(recipient.name),
                phone=mask_phone(recipient.phone), address=mask_address(recipient.address))


def _timeline_line(parcel: Parcel, event: ScanEvent, language: str, verified: bool) -> str:
    """One scan on one line: 11-23 14:05 上海浦东转运中心 运输中."""
    time = event.time.astimezone(SHANGHAI)
    stamp = f"{date_words(time, language)} {time:%H:%M}" if language == ENGLISH \
        else f"{time:%m-%d %H:%M}"
    place = _place(parcel, event, language, verified, voice=False)
    return f"{stamp} {place} {say(STATUS_WORDINGS[event.status].word, language)}"


def date_words(day: date, language: str) -> str:
    """11月25日 / 25 Nov, spelt out so no locale setting changes it."""
    if language == ENGLISH:
        return f"{day.day} {_MONTHS_EN[day.month - 1]}"
    return f"{day.month}月{day.day}日"


def _day(day: date, language: str, today: Optional[date]) -> str:
    """A date as it fits in a sentence: "today" when `today` is given and it is near.

    Written replies stay in the chat history, where "today" turns wrong tomorrow, so
    they pass no `today` and always get the date.
    """
    if today is not None and (day - today).days in _RELATIVE_DAYS:
        return say(_RELATIVE_DAYS[(day - today).days], language)
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
