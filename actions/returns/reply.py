"""The words of the return dialogue, in Simplified Chinese and English (Traditional is
converted from the Simplified text), for the web and for the phone line.

On the web a choice comes with buttons; on the phone line it is read out as a short
numbered list. Every function gives finished text (or text and buttons), ready to send.
"""
from datetime import date
from typing import Dict, List, Optional, Sequence, Tuple

from actions.carrier.gateway import SHANGHAI, Parcel, PickupSlot, RefundState, Return, ReturnStatus
from actions.returns.policy import PAYER_NAMES, Condition, Decision, ReturnPolicy, explain
from actions.tracking_reply import STATUS_WORDINGS, date_words
from foundation.privacy import mask_address
from foundation.wording import Phrase, VOICE_CHANNELS, finish, join_sentences, say
from foundation.language import ENGLISH

Buttons = List[Dict[str, str]]

_RELATIVE_DAYS = {0: Phrase("今天", "Today"), 1: Phrase("明天", "Tomorrow"),
                  2: Phrase("后天", "The day after tomorrow")}

# Questions.
_ASK_PARCEL = Phrase(
    "好的，我来帮您办理退货。请发一下要退的包裹的运单号（以 KD 开头，在面单或订单的物流信息里）。",
    "Sure, I'll help you with the return. Please send me the tracking number of the "
    "parcel you want to return (it starts with KD; it's on the label and in the order's "
    "delivery details).",
)
_ASK_PARCEL_TRACKED = Phrase(
    "是刚才查的包裹 {number} 吗？是的话回复“是”，不是的话请发运单号。",
    "Is it the parcel {number} you just looked up? Reply 'yes' if so, or send me its "
    "tracking number.",
)
_ASK_CATEGORY = Phrase("请问要退的是哪一类商品？", "What kind of item are you returning?")
_SPOKEN_CATEGORIES = Phrase("请说商品类别，比如：{names}。", "Please say the kind of item, such as {names}.")
_ASK_REASON = Phrase("请问退货的原因是？", "Why are you returning it?")
_SPOKEN_REASONS = Phrase("请说退货原因：{names}。", "Please say the reason: {names}.")
_YES = Phrase("是", "Yes")
_NO = Phrase("否", "No")
_ASK_ADDRESS = Phrase(
    "快递员会到 {address} 上门取件（包裹的收件地址）。在这里取件可以吗？",
    "A courier will collect it from {address} (the parcel's delivery address). Is that "
    "the right place?",
)
_ASK_NEW_ADDRESS = Phrase(
    "请告诉我取件地址，包括区、街道、门牌号。",
    "Please tell me the pickup address, with the district, street and house number.",
)
_ASK_SLOT = Phrase("请选择上门取件时间。", "When should the courier come?")
_TYPE_SLOT = Phrase("点选或回复序号即可。", "Tap one or reply with its number.")
_SAY_SLOT = Phrase("请说序号。", "Please say the number.")
_SUMMARY = Phrase(
    "请确认退货信息：\n包裹：{number}\n商品：{category}\n原因：{reason}\n"
    "取件地址：{address}\n取件时间：{slot}\n退货运费：{payer}承担\n确认提交吗？",
    "Please check your return:\nParcel: {number}\nItem: {category}\nReason: {reason}\n"
    "Pickup address: {address}\nPickup time: {slot}\nReturn shipping paid by: {payer}\n"
    "Shall I submit it?",
)
_SPOKEN_SUMMARY = Phrase(
    "我确认一下：退尾号 {digits} 的包裹，{category}，{reason}，{slot} 上门取件，"
    "运费由{payer}承担。确认提交吗？",
    "To confirm: the parcel ending in {digits}, {category}, {reason}, collected {slot}, "
    "return shipping paid by {payer}. Shall I submit it?",
)
_SUBMIT = Phrase("确认提交", "Submit")
_CANCEL = Phrase("取消", "Cancel")

# Answers that could not be used.
_NO_NUMBER = Phrase(
    "没有找到运单号。我们的运单号是 KD 加 12 位数字，例如 KD202611230001。",
    "I couldn't find a tracking number there. Ours are KD followed by 12 digits, for "
    "example KD202611230001.",
)
_NOT_FOUND = Phrase(
    "没有查到运单号 {number} 的包裹，请核对一下。",
    "I can't find a parcel with the number {number}. Please check it.",
)
_OTHER_CARRIER = Phrase(
    "{number} 看起来是{carrier}的单号。我们只能为本公司配送的包裹办理退货，其他快递的退货请联系商家或{carrier}。",
    "{number} looks like a {carrier} number. I can only arrange returns of parcels we "
    "delivered; for others, please contact the seller or {carrier}.",
)
_NOT_DELIVERED = Phrase(
    "包裹 {number} 现在是“{status}”，签收以后才能申请退货。如果不想要了，可以在派送时拒收。",
    "Parcel {number} is '{status}' at the moment; a return can be arranged once it has "
    "been delivered. If you no longer want it, you can refuse it at delivery.",
)
_NOT_UNDERSTOOD_CATEGORY = Phrase("抱歉，没听明白是哪类商品。", "Sorry, I didn't catch what kind of item it is.")
_NOT_UNDERSTOOD_REASON = Phrase("抱歉，没听明白退货原因。", "Sorry, I didn't catch the reason.")
_NOT_UNDERSTOOD_YES_NO = Phrase("请回答“是”或“否”。", "Please answer yes or no.")
_NOT_UNDERSTOOD_SLOT = Phrase(
    "抱歉，没有对上可选的时间。", "Sorry, that isn't one of the times I can offer."
)
_ADDRESS_TOO_SHORT = Phrase(
    "这个地址太短了，快递员可能找不到。", "That address is too short for a courier to find."
)
_LAST_TRY = Phrase(
    "如果还是不行，我会为您转人工客服。", "If it still doesn't work, I'll put you through to a person."
)

# How the form ends.
_CANCELLED = Phrase(
    "好的，已取消这次退货申请，没有提交任何信息。需要时随时说“我要退货”。",
    "All right, I've cancelled this return; nothing was submitted. Just say 'I want to "
    "return something' whenever you need to.",
)
_EXISTING = Phrase(
    "包裹 {number} 已经有一个退货申请：退货单号 {return_number}，{status}。",
    "Parcel {number} already has a return: {return_number}, {status}.",
)
_NOT_ELIGIBLE_HINT = Phrase(
    "如果您觉得情况特殊，可以说“转人工”找同事处理。",
    "If you think your case is special, say 'agent' and a colleague will look at it.",
)
_SUBMITTED = Phrase(
    "退货申请已提交，退货单号 {return_number}。\n快递员会在 {slot} 到 {address} 上门取件，"
    "请提前把商品连同配件、吊牌和赠品包装好，不用打印面单。\n退货运费由{payer}承担。"
    "商家收到退货并验货后退款，退款原路返回。\n随时发退货单号给我即可查询进度。",
    "Your return is booked: return number {return_number}.\nA courier will collect it "
    "from {address} {slot}. Please pack the item with its accessories, tags and free "
    "gifts; you don't need to print a label.\nReturn shipping is paid by {payer}. The "
    "seller refunds you to the original payment method once they have received and "
    "checked the item.\nSend me the return number any time to check its progress.",
)
_SPOKEN_SUBMITTED = Phrase(
    "退货申请已提交，退货单号是 {digits}。快递员会在 {slot} 上门取件，"
    "请提前把商品包装好。退货运费由{payer}承担，商家验货后原路退款。",
    "Your return is booked; the return number is {digits}. A courier will collect it "
    "{slot}; please have it packed. Return shipping is paid by {payer}; the seller "
    "refunds you once they have checked it.",
)
_NO_SLOTS = Phrase(
    "抱歉，未来三天的上门取件时间都约满了。",
    "Sorry, every pickup time in the next three days is taken.",
)
_SUBMIT_FAILED = Phrase(
    "抱歉，退货系统暂时无法提交，您填的信息都已保留。稍后说“我要退货”可以接着提交。",
    "Sorry, the returns system can't take the request right now. Everything you told me "
    "is kept: say 'I want to return something' later and we'll carry on from here.",
)
_RETURNS_UNAVAILABLE = Phrase(
    "抱歉，退货系统暂时查不到信息，请稍后再试。",
    "Sorry, I can't reach the returns system right now. Please try again in a few minutes.",
)
_OFFER_RESUME = Phrase(
    "您刚才包裹 {number} 的退货申请还没办完，要接着办吗？",
    "Your return of parcel {number} isn't finished yet. Shall we carry on with it?",
)
_RESUMED = Phrase("好的，我们接着办包裹 {number} 的退货。", "OK, let's carry on with the return of parcel {number}.")
_CONTINUE = Phrase("继续退货", "Carry on")
_NO_THANKS = Phrase("不用了", "No")

# Return status.
_ASK_RETURN_NUMBER = Phrase(
    "请提供退货单号（以 RT 开头），或原包裹的运单号，我帮您查退货和退款进度。",
    "Please give me the return number (it starts with RT) or the tracking number of the "
    "original parcel, and I'll check the progress of your return and refund.",
)
_NO_RETURN_NUMBER = Phrase(
    "没有找到退货单号或运单号。退货单号是 RT 加 10 位数字，例如 RT0000000001。",
    "I couldn't find a return or tracking number there. Return numbers are RT followed "
    "by 10 digits, for example RT0000000001.",
)
_UNKNOWN_RETURN = Phrase(
    "没有查到退货单 {number}，请核对一下。", "I can't find a return {number}. Please check it."
)
_NO_RETURNS_OF_PARCEL = Phrase(
    "包裹 {number} 还没有退货申请。需要退货的话，说“我要退货”就可以。",
    "Parcel {number} has no return yet. Say 'I want to return it' if you'd like to start one.",
)
_RETURN_LINE = Phrase("退货单 {return_number}（包裹 {number}）：{status}。",
                      "Return {return_number} (parcel {number}): {status}.")
_PICKUP_TIME = Phrase("取件时间：{slot}。", "Pickup: {slot}.")
_PICKED_UP_AT = Phrase("已于 {when} 取件。", "Collected on {when}.")

RETURN_STATUS_WORDS: Dict[ReturnStatus, Phrase] = {
    ReturnStatus.REQUESTED: Phrase("已提交，正在安排取件", "submitted, the pickup is being arranged"),
    ReturnStatus.PICKUP_SCHEDULED: Phrase("已预约上门取件", "pickup booked"),
    ReturnStatus.PICKED_UP: Phrase("快递员已取件", "collected by the courier"),
    ReturnStatus.IN_TRANSIT_TO_SELLER: Phrase("正在寄回商家", "on its way back to the seller"),
    ReturnStatus.RECEIVED_BY_SELLER: Phrase("商家已收货，正在验货", "received by the seller, being checked"),
    ReturnStatus.REFUND_PENDING: Phrase("商家已同意退款，退款处理中", "accepted, the refund is being processed"),
    ReturnStatus.REFUNDED: Phrase("已退款", "refunded"),
    ReturnStatus.REJECTED: Phrase("商家未同意退货", "not accepted by the seller"),
    ReturnStatus.CANCELLED: Phrase("已取消", "cancelled"),
}
_REFUND_WORDS: Dict[RefundState, Phrase] = {
    RefundState.NONE: Phrase("退款：商家收到退货并验货后发起。",
                             "Refund: the seller starts it after receiving and checking the item."),
    RefundState.PENDING: Phrase("退款：处理中，一般 1–7 个工作日原路到账。",
                                "Refund: in progress; it usually reaches your original payment "
                                "method within 1–7 working days."),
    RefundState.REFUNDED: Phrase("退款：已原路退回，如未看到请查看支付账户的明细。",
                                 "Refund: paid back to your original payment method; check that "
                                 "account's statement if you can't see it."),
}
_STATUS_NEXT: Dict[ReturnStatus, Phrase] = {
    ReturnStatus.REJECTED: Phrase("如有疑问，可以说“转人工”。", "If you have questions, say 'agent'."),
    ReturnStatus.CANCELLED: Phrase("需要的话可以重新申请退货。", "You can start a new return if you need to."),
}


def _text(phrase: Phrase, language: str, **values) -> str:
    return finish(say(phrase, language, **values), language)


def _voice(channel: str) -> bool:
    return channel in VOICE_CHANNELS


def _digits(number: str) -> str:
    """The last four characters, spaced so the voice reads digits."""
    return " ".join(number[-4:])


def _menu(question: str, options: Sequence[Tuple[str, str]], language: str,
          channel: str, spoken: Optional[Phrase] = None) -> Tuple[str, Buttons]:
    """A question with options (title, payload): buttons on the web; on the phone line
    the titles read out, as a numbered list or inside `spoken`."""
    if _voice(channel):
        if spoken is not None:
            names = ("、" if language != ENGLISH else ", ").join(title for title, _ in options)
            return finish(join_sentences([question, say(spoken, language, names=names)], language),
                          language), []
        items = [f"{index}，{title}。" if language != ENGLISH else f"{index}: {title}."
                 for index, (title, _) in enumerate(options, start=1)]
        return finish(join_sentences([question, *items, say(_SAY_SLOT, language)], language),
                      language), []
    buttons = [{"title": finish(title, language), "payload": finish(payload, language)}
               for title, payload in options]
    return finish(question, language), buttons


_USUAL_RULE = Phrase(
    "大多数商品签收后 7 天内可以无理由退货，质量问题 15 天内可以退，具体要求按商品类别不同。",
    "Most goods can be returned without a reason within 7 days of delivery, and with a "
    "defect within 15 days; the conditions depend on the kind of item.",
)
_START_NOW = Phrase("我现在就可以为您办理。", "I can start the return for you right away.")


def returnable(rule: Optional[Phrase], language: str) -> str:
    """The answer to "can I return this?": the rule for the item, if known."""
    return finish(join_sentences([say(rule or _USUAL_RULE, language), say(_START_NOW, language)],
                                 language), language)


def ask_parcel(tracked: Optional[str], language: str) -> str:
    if tracked:
        return _text(_ASK_PARCEL_TRACKED, language, number=tracked)
    return _text(_ASK_PARCEL, language)


def ask_category(policy: ReturnPolicy, language: str, channel: str) -> Tuple[str, Buttons]:
    names = [say(policy.category_name(category), language) for category in policy.categories]
    return _menu(say(_ASK_CATEGORY, language), [(name, name) for name in names],
                 language, channel, spoken=_SPOKEN_CATEGORIES)


def ask_reason(labels: Dict[str, Dict[str, str]], language: str, channel: str) -> Tuple[str, Buttons]:
    key = "en" if language == ENGLISH else "zh"
    options = [(label[key], label[key]) for label in labels.values()]
    return _menu(say(_ASK_REASON, language), options, language, channel, spoken=_SPOKEN_REASONS)


def ask_condition(condition: Condition, language: str, channel: str) -> Tuple[str, Buttons]:
    return yes_no_question(say(condition.question, language), language, channel)


def yes_no_question(question: str, language: str, channel: str) -> Tuple[str, Buttons]:
    if _voice(channel):
        return finish(question, language), []
    return finish(question, language), [
        {"title": _text(_YES, language), "payload": _text(_YES, language)},
        {"title": _text(_NO, language), "payload": _text(_NO, language)},
    ]


def ask_address(parcel: Parcel, language: str, channel: str) -> Tuple[str, Buttons]:
    return yes_no_question(say(_ASK_ADDRESS, language, address=mask_address(parcel.recipient.address)),
                           language, channel)


def ask_new_address(language: str) -> str:
    return _text(_ASK_NEW_ADDRESS, language)


def slot_label(slot: PickupSlot, today: date, language: str, voice: bool = False,
               relative: bool = False) -> str:
    """12月5日 09:00–12:00 / 5 Dec, 09:00–12:00. `relative` adds today / tomorrow, for
    a choice made now (written replies stay in the chat, where "today" turns wrong);
    spoken, it is always relative: 明天 9 点到 12 点 / tomorrow, 9 to 12."""
    start, end = slot.start.astimezone(SHANGHAI), slot.end.astimezone(SHANGHAI)
    day = date_words(start.date(), language)
    near = _RELATIVE_DAYS.get((start.date() - today).days)
    if voice:
        when = say(near, language) if near else day
        if language == ENGLISH:
            return f"{when.lower() if near else 'on ' + when}, {start.hour} to {end.hour}"
        return f"{when} {start.hour} 点到 {end.hour} 点"
    hours = f"{start:%H:%M}–{end:%H:%M}"
    if relative and near:
        if language == ENGLISH:
            return f"{say(near, language)} ({day}), {hours}"
        return f"{say(near, language)}（{day}）{hours}"
    return f"{day}, {hours}" if language == ENGLISH else f"{day} {hours}"


def ask_slot(slots: Sequence[PickupSlot], today: date, language: str, channel: str) -> Tuple[str, Buttons]:
    voice = _voice(channel)
    options = [(slot_label(slot, today, language, voice, relative=True), str(index))
               for index, slot in enumerate(slots, start=1)]
    if voice:
        return _menu(say(_ASK_SLOT, language), options, language, channel)
    # The buttons carry the options; the text would only repeat them.
    buttons = [{"title": finish(f"{index}. {title}", language), "payload": index}
               for title, index in options]
    question = join_sentences([say(_ASK_SLOT, language), say(_TYPE_SLOT, language)], language)
    return finish(question, language), buttons


def summary(number: str, category: Phrase, reason: Phrase, address: str, slot: PickupSlot,
            payer: str, today: date, language: str, channel: str) -> Tuple[str, Buttons]:
    if _voice(channel):
        text = say(_SPOKEN_SUMMARY, language, digits=_digits(number), category=say(category, language),
                   reason=say(reason, language), slot=slot_label(slot, today, language, voice=True),
                   payer=say(PAYER_NAMES[payer], language))
        return finish(text, language), []
    text = say(_SUMMARY, language, number=number, category=say(category, language),
               reason=say(reason, language), address=address,
               slot=slot_label(slot, today, language), payer=say(PAYER_NAMES[payer], language))
    return finish(text, language), [
        {"title": _text(_SUBMIT, language), "payload": _text(_SUBMIT, language)},
        {"title": _text(_CANCEL, language), "payload": _text(_CANCEL, language)},
    ]


def shown_address(custom: Optional[str], parcel: Parcel) -> str:
    """The pickup address as replies show it: masked, since whoever chats may not be
    the recipient and replies are archived with the case; the customer's own address
    too, which they have just typed in full."""
    return mask_address(custom or parcel.recipient.address)


# Problems with an answer.

def no_number(language: str) -> str:
    return _text(_NO_NUMBER, language)


def parcel_not_found(number: str, language: str) -> str:
    return _text(_NOT_FOUND, language, number=number)


def other_carrier(number: str, carrier_zh: str, carrier_en: str, language: str) -> str:
    return _text(_OTHER_CARRIER, language, number=number,
                 carrier=carrier_en if language == ENGLISH else carrier_zh)


def not_delivered(parcel: Parcel, language: str) -> str:
    return _text(_NOT_DELIVERED, language, number=parcel.tracking_number,
                 status=say(STATUS_WORDINGS[parcel.status].word, language))


def not_understood(what: str, language: str) -> str:
    phrase = {"category": _NOT_UNDERSTOOD_CATEGORY, "reason": _NOT_UNDERSTOOD_REASON,
              "yes_no": _NOT_UNDERSTOOD_YES_NO, "slot": _NOT_UNDERSTOOD_SLOT,
              "address": _ADDRESS_TOO_SHORT, "number": _NO_NUMBER,
              "return_number": _NO_RETURN_NUMBER}[what]
    return _text(phrase, language)


def with_last_try_warning(problem: str, language: str) -> str:
    """The problem, and that the next failure goes to a person."""
    return join_sentences([problem, _text(_LAST_TRY, language)], language)


# How the form ends.

def cancelled(language: str) -> str:
    return _text(_CANCELLED, language)


def existing_return(ret: Return, language: str) -> str:
    return _text(_EXISTING, language, number=ret.tracking_number, return_number=ret.return_number,
                 status=say(RETURN_STATUS_WORDS[ret.status], language))


def needs_review(decision: Decision, language: str) -> str:
    """Why a person decides this one; the handoff follows."""
    return explain(decision, language)


def not_eligible(decision: Decision, language: str) -> str:
    return finish(join_sentences([explain(decision, language), say(_NOT_ELIGIBLE_HINT, language)],
                                 language), language)


def submitted(ret: Return, payer: str, address: str, today: date, language: str, channel: str) -> str:
    if _voice(channel):
        return _text(_SPOKEN_SUBMITTED, language, digits=" ".join(ret.return_number),
                     slot=slot_label(ret.pickup_slot, today, language, voice=True),
                     payer=say(PAYER_NAMES[payer], language))
    slot = slot_label(ret.pickup_slot, today, language)
    if language == ENGLISH:
        slot = f"on {slot}"
    return _text(_SUBMITTED, language, return_number=ret.return_number, slot=slot,
                 address=address, payer=say(PAYER_NAMES[payer], language))


def no_slots(language: str) -> str:
    return _text(_NO_SLOTS, language)


def submit_failed(language: str) -> str:
    return _text(_SUBMIT_FAILED, language)


def returns_unavailable(language: str) -> str:
    return _text(_RETURNS_UNAVAILABLE, language)


def offer_resume(number: str, language: str, channel: str) -> Tuple[str, Buttons]:
    text = _text(_OFFER_RESUME, language, number=number)
    if _voice(channel):
        return text, []
    # Payloads the classifier reads as affirm and deny, which the rules answer.
    return text, [
        {"title": _text(_CONTINUE, language), "payload": _text(_YES, language)},
        {"title": _text(_CANCEL, language), "payload": _text(_NO_THANKS, language)},
    ]


def resumed(number: str, language: str) -> str:
    return _text(_RESUMED, language, number=number)


# Return status.

def ask_return_number(language: str) -> str:
    return _text(_ASK_RETURN_NUMBER, language)


def unknown_return(number: str, language: str) -> str:
    return _text(_UNKNOWN_RETURN, language, number=number)


def no_returns_of_parcel(number: str, language: str) -> str:
    return _text(_NO_RETURNS_OF_PARCEL, language, number=number)


def describe_return(ret: Return, today: date, language: str, channel: str) -> str:
    """Status, pickup and refund of one return, and what happens next."""
    voice = _voice(channel)
    return_number = say(Phrase("尾号 {d}", "ending in {d}"), language, d=_digits(ret.return_number)) \
        if voice else ret.return_number
    number = say(Phrase("尾号 {d}", "ending in {d}"), language, d=_digits(ret.tracking_number)) \
        if voice else ret.tracking_number
    sentences = [say(_RETURN_LINE, language, return_number=return_number, number=number,
                     status=say(RETURN_STATUS_WORDS[ret.status], language))]
    if ret.status in (ReturnStatus.REQUESTED, ReturnStatus.PICKUP_SCHEDULED):
        sentences.append(say(_PICKUP_TIME, language, slot=slot_label(ret.pickup_slot, today, language, voice)))
    collected = next((event.time for event in ret.events if event.status is ReturnStatus.PICKED_UP), None)
    if collected is not None:
        sentences.append(say(_PICKED_UP_AT, language, when=date_words(collected.astimezone(SHANGHAI).date(), language)))
    if ret.status not in (ReturnStatus.REJECTED, ReturnStatus.CANCELLED):
        sentences.append(say(_REFUND_WORDS[ret.refund_state], language))
    if ret.status in _STATUS_NEXT:
        sentences.append(say(_STATUS_NEXT[ret.status], language))
    text = join_sentences(sentences, language) if voice else "\n".join(sentences)
    return finish(text, language)


