"""The words of the return dialogue, composed for the web and for the phone line.

On the web a choice comes with buttons; on the phone line it is read out as a short
numbered list. Every function gives finished text (or text and buttons), ready to send.
The texts themselves are in phrases.py beside this file.
"""
from datetime import date
from typing import Dict, List, Optional, Sequence, Tuple

from actions.carrier.gateway import SHANGHAI, Parcel, PickupSlot, Return, ReturnStatus
from actions.reply_format import date_words, number_as_said, render, reply_text, spaced, spoken_end
from actions.returns import phrases
from actions.returns.phrases import RETURN_STATUS_WORDS
from actions.returns.policy import PAYER_NAMES, Condition, Decision, ReturnPolicy, explain
from actions.tracking_phrases import STATUS_WORDINGS
from foundation.privacy import mask_address
from foundation.wording import Phrase, VOICE_CHANNELS, finish, join_sentences, say
from foundation.language import ENGLISH

Buttons = List[Dict[str, str]]


def _voice(channel: str) -> bool:
    return channel in VOICE_CHANNELS


def _buttons(language: str, *choices: Tuple[Phrase, Phrase]) -> Buttons:
    """A button for each (title, payload)."""
    return [{"title": reply_text(title, language), "payload": reply_text(payload, language)}
            for title, payload in choices]


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
        return finish(join_sentences([question, *items, say(phrases.SAY_SLOT, language)], language),
                      language), []
    buttons = [{"title": finish(title, language), "payload": finish(payload, language)}
               for title, payload in options]
    return finish(question, language), buttons


def returnable(rule: Optional[Phrase], language: str) -> str:
    """The answer to "can I return this?": the rule for the item, if known."""
    return finish(join_sentences([say(rule or phrases.USUAL_RULE, language),
                                  say(phrases.START_NOW, language)], language), language)


# Questions.

def ask_parcel(tracked: Optional[str], language: str) -> str:
    if tracked:
        return reply_text(phrases.ASK_PARCEL_TRACKED, language, number=tracked)
    return reply_text(phrases.ASK_PARCEL, language)


def ask_category(policy: ReturnPolicy, language: str, channel: str) -> Tuple[str, Buttons]:
    names = [say(policy.category_name(category), language) for category in policy.categories]
    return _menu(say(phrases.ASK_CATEGORY, language), [(name, name) for name in names],
                 language, channel, spoken=phrases.SPOKEN_CATEGORIES)


def ask_reason(labels: Dict[str, Dict[str, str]], language: str, channel: str) -> Tuple[str, Buttons]:
    key = "en" if language == ENGLISH else "zh"
    options = [(label[key], label[key]) for label in labels.values()]
    return _menu(say(phrases.ASK_REASON, language), options, language, channel,
                 spoken=phrases.SPOKEN_REASONS)


def ask_condition(condition: Condition, language: str, channel: str) -> Tuple[str, Buttons]:
    return yes_no_question(say(condition.question, language), language, channel)


def yes_no_question(question: str, language: str, channel: str) -> Tuple[str, Buttons]:
    if _voice(channel):
        return finish(question, language), []
    return finish(question, language), _buttons(language, (phrases.YES, phrases.YES),
                                                (phrases.NO, phrases.NO))


def ask_address(parcel: Parcel, language: str, channel: str) -> Tuple[str, Buttons]:
    address = mask_address(parcel.recipient.address)
    return yes_no_question(say(phrases.ASK_ADDRESS, language, address=address), language, channel)


def ask_new_address(language: str) -> str:
    return reply_text(phrases.ASK_NEW_ADDRESS, language)


def slot_label(slot: PickupSlot, today: date, language: str, voice: bool = False,
               relative: bool = False) -> str:
    """12月5日 09:00–12:00 / 5 Dec, 09:00–12:00. `relative` adds today / tomorrow, for
    a choice made now (written replies stay in the chat, where "today" turns wrong);
    spoken, it is always relative: 明天 9 点到 12 点 / tomorrow, 9 to 12."""
    start, end = slot.start.astimezone(SHANGHAI), slot.end.astimezone(SHANGHAI)
    day = date_words(start.date(), language)
    near = phrases.RELATIVE_DAYS.get((start.date() - today).days)
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
        return _menu(say(phrases.ASK_SLOT, language), options, language, channel)
    # The buttons carry the options; the text would only repeat them.
    buttons = [{"title": finish(f"{index}. {title}", language), "payload": index}
               for title, index in options]
    question = join_sentences([say(phrases.ASK_SLOT, language), say(phrases.TYPE_SLOT, language)],
                              language)
    return finish(question, language), buttons


def summary(number: str, category: Phrase, reason: Phrase, address: str, slot: PickupSlot,
            payer: str, today: date, language: str, channel: str) -> Tuple[str, Buttons]:
    if _voice(channel):
        return reply_text(phrases.SPOKEN_SUMMARY, language, digits=spoken_end(number),
                          category=say(category, language), reason=say(reason, language),
                          slot=slot_label(slot, today, language, voice=True),
                          payer=say(PAYER_NAMES[payer], language)), []
    text = reply_text(phrases.SUMMARY, language, number=number, category=say(category, language),
                      reason=say(reason, language), address=address,
                      slot=slot_label(slot, today, language),
                      payer=say(PAYER_NAMES[payer], language))
    return text, _buttons(language, (phrases.SUBMIT, phrases.SUBMIT),
                          (phrases.CANCEL, phrases.CANCEL))


def shown_address(custom: Optional[str], parcel: Parcel) -> str:
    """The pickup address as replies show it: masked, since whoever chats may not be
    the recipient and replies are archived with the case; the customer's own address
    too, which they have just typed in full."""
    return mask_address(custom or parcel.recipient.address)


# Problems with an answer.

def no_number(language: str) -> str:
    return reply_text(phrases.NO_NUMBER, language)


def parcel_not_found(number: str, language: str) -> str:
    return reply_text(phrases.NOT_FOUND, language, number=number)


def other_carrier(number: str, carrier_zh: str, carrier_en: str, language: str) -> str:
    return reply_text(phrases.OTHER_CARRIER, language, number=number,
                      carrier=carrier_en if language == ENGLISH else carrier_zh)


def not_delivered(parcel: Parcel, language: str) -> str:
    return reply_text(phrases.NOT_DELIVERED, language, number=parcel.tracking_number,
                      status=say(STATUS_WORDINGS[parcel.status].word, language))


def not_understood(what: str, language: str) -> str:
    phrase = {"category": phrases.NOT_UNDERSTOOD_CATEGORY, "reason": phrases.NOT_UNDERSTOOD_REASON,
              "yes_no": phrases.NOT_UNDERSTOOD_YES_NO, "slot": phrases.NOT_UNDERSTOOD_SLOT,
              "address": phrases.ADDRESS_TOO_SHORT, "number": phrases.NO_NUMBER,
              "return_number": phrases.NO_RETURN_NUMBER}[what]
    return reply_text(phrase, language)


def with_last_try_warning(problem: str, language: str) -> str:
    """The problem, and that the next failure goes to a person."""
    return join_sentences([problem, reply_text(phrases.LAST_TRY, language)], language)


# How the form ends.

def cancelled(language: str) -> str:
    return reply_text(phrases.CANCELLED, language)


def existing_return(ret: Return, language: str) -> str:
    return reply_text(phrases.EXISTING, language, number=ret.tracking_number,
                      return_number=ret.return_number,
                      status=say(RETURN_STATUS_WORDS[ret.status], language))


def needs_review(decision: Decision, language: str) -> str:
    """Why a person decides this one; the handoff follows."""
    return explain(decision, language)


def not_eligible(decision: Decision, language: str) -> str:
    return finish(join_sentences([explain(decision, language),
                                  say(phrases.NOT_ELIGIBLE_HINT, language)], language), language)


def submitted(ret: Return, payer: str, address: str, today: date, language: str, channel: str) -> str:
    if _voice(channel):
        return reply_text(phrases.SPOKEN_SUBMITTED, language, digits=spaced(ret.return_number),
                          slot=slot_label(ret.pickup_slot, today, language, voice=True),
                          payer=say(PAYER_NAMES[payer], language))
    slot = slot_label(ret.pickup_slot, today, language)
    if language == ENGLISH:
        slot = f"on {slot}"
    return reply_text(phrases.SUBMITTED, language, return_number=ret.return_number, slot=slot,
                      address=address, payer=say(PAYER_NAMES[payer], language))


def no_slots(language: str) -> str:
    return reply_text(phrases.NO_SLOTS, language)


def submit_failed(language: str) -> str:
    return reply_text(phrases.SUBMIT_FAILED, language)


def returns_unavailable(language: str) -> str:
    return reply_text(phrases.RETURNS_UNAVAILABLE, language)


def offer_resume(number: str, language: str, channel: str) -> Tuple[str, Buttons]:
    text = reply_text(phrases.OFFER_RESUME, language, number=number)
    if _voice(channel):
        return text, []
    # Payloads the classifier reads as affirm and deny, which the rules answer.
    return text, _buttons(language, (phrases.CONTINUE, phrases.YES),
                          (phrases.CANCEL, phrases.NO_THANKS))


def resumed(number: str, language: str) -> str:
    return reply_text(phrases.RESUMED, language, number=number)


# Return status.

def ask_return_number(language: str) -> str:
    return reply_text(phrases.ASK_RETURN_NUMBER, language)


def unknown_return(number: str, language: str) -> str:
    return reply_text(phrases.UNKNOWN_RETURN, language, number=number)


def no_returns_of_parcel(number: str, language: str) -> str:
    return reply_text(phrases.NO_RETURNS_OF_PARCEL, language, number=number)


def describe_return(ret: Return, today: date, language: str, channel: str) -> str:
    """Status, pickup and refund of one return, and what happens next."""
    voice = _voice(channel)
    sentences = [say(phrases.RETURN_LINE, language,
                     return_number=number_as_said(ret.return_number, language, voice),
                     number=number_as_said(ret.tracking_number, language, voice),
                     status=say(RETURN_STATUS_WORDS[ret.status], language))]
    if ret.status in (ReturnStatus.REQUESTED, ReturnStatus.PICKUP_SCHEDULED):
        sentences.append(say(phrases.PICKUP_TIME, language,
                             slot=slot_label(ret.pickup_slot, today, language, voice)))
    collected = next((event.time for event in ret.events
                      if event.status is ReturnStatus.PICKED_UP), None)
    if collected is not None:
        sentences.append(say(phrases.PICKED_UP_AT, language,
                             when=date_words(collected.astimezone(SHANGHAI).date(), language)))
    if ret.status not in (ReturnStatus.REJECTED, ReturnStatus.CANCELLED):
        sentences.append(say(phrases.REFUND_WORDS[ret.refund_state], language))
    if ret.status in phrases.STATUS_NEXT:
        sentences.append(say(phrases.STATUS_NEXT[ret.status], language))
    return render(sentences, language, voice)
