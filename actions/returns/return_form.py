"""The return form: what it asks next, how it reads each answer, and how it ends.

`return_form` asks only what is still unknown, in this order, and each answer goes
through `validate_return_form`:

  1. the parcel: a tracking number of ours, delivered (the delivery moment comes from
     its tracking); a parcel that already has a return gets that return instead
  2. the category and 3. the reason (both may already be in the first message)
  4. the conditions the policy asks for that category and reason, one at a time;
     as soon as the answers settle the decision (excluded, too late, a condition not
     met, a case for a person) the form ends and the customer is told why
  5. the SMS code texted to the parcel's recipient (actions/verification.py), unless
     this conversation proved that phone and has not been idle too long since: only
     the recipient sees the address, books a pickup or hears of an existing return.
     It is asked again whenever the proof has gone stale before the form ends.
  6. the pickup address: the delivery address, masked, or one the customer gives
  7. a pickup slot among those the carrier offers for the next three days
  8. a summary to confirm; then `action_finish_return` books it and gives the RMA

The questions themselves (action_ask_<slot>, and action_ask_return_form_verification_code
for the code) are in return_questions.py.

At any step the customer can cancel ("取消", "cancel"). An answer that cannot be used is
explained and asked again; the third one in a row hands off (form_failed). Another
request (a question, tracking, a person) is served by its own rule while the return
waits in its slots; the bot then offers to carry on (actions/returns/draft.py).
"""
import re
from datetime import datetime
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.carrier import GatewayError, Parcel, ParcelStatus, shared_gateway
from actions.carrier.gateway import (
    ReturnRequest,
    ReturnStatus,
    return_idempotency_key,
    shanghai_now,
)
from actions.conversation import channel_of, entity_values, form_was_waiting, language_of, step_aside
from actions.handoff import hand_off, hands_off_on_error, offer_human
from actions.returns import answers, reply
from actions.returns.draft import (
    CANCELLED,
    CONFIRMED,
    DECIDED,
    EXISTING,
    FAILED,
    HANDED_OFF,
    NO_SLOTS,
    UNAVAILABLE,
    Draft,
    cleared,
    ended,
    slot_from_slot_value,
    slot_value,
)
from actions.returns.forms import OTHER_REQUESTS, failed_attempt
from actions.returns.policy import ELIGIBLE, NEEDS_REVIEW, Condition, Decision
from actions.returns.policy_file import load_policy
from actions.tracking_reply import ask_for_code_again
from actions.verification import CODE_SLOT, ask_for_code, checked, code_in, kept_fresh, trusts
from foundation.cue_words import says
from foundation.numbers import OUR_CARRIER, identify_carrier, looks_like_waybill_attempt

FORM = "return_form"
POLICY = load_policy()
# Returns that are over: the parcel may be returned again.
CLOSED_RETURNS = frozenset({ReturnStatus.CANCELLED, ReturnStatus.REJECTED})
# What makes a typed pickup address look like one: a house number or address words.
_ADDRESS_WORDS = re.compile(
    r"\d|[路街道巷弄号號栋棟幢单元室楼樓村镇鎮区區县縣市]|\b(?:street|st|road|rd|avenue|ave|lane|"
    r"building|floor|flat|apartment|district)\b",
    re.IGNORECASE,
)
MIN_ADDRESS_CHARS = 6


def delivered_at(parcel: Parcel) -> datetime:
    """When the parcel was signed for: the time of its delivery scan."""
    return next(event.time for event in reversed(parcel.events)
                if event.status is ParcelStatus.DELIVERED)


def category_names() -> Dict[str, List[str]]:
    """The policy's names of each category, as the buttons show them."""
    return {category: list(POLICY.category_name(category)) for category in POLICY.categories}


def decision_so_far(draft: Draft, parcel: Parcel, now: datetime) -> Optional[Decision]:
    return POLICY.decide_so_far(draft.category, draft.reason, delivered_at(parcel), now, draft.answers)


def next_condition(draft: Draft) -> Condition:
    return next(condition for condition in POLICY.questions_for(draft.category, draft.reason)
                if condition.id not in draft.answers)


def next_step(draft: Draft, parcel: Optional[Parcel], now: datetime,
              verified: bool) -> Optional[str]:
    """The slot to ask for next; None when the form has all it needs or the policy has
    decided. `verified`: the conversation may see the recipient's data."""
    if parcel is None:
        return "return_parcel"
    if not draft.category:
        return "return_category"
    if not draft.reason:
        return "return_reason"
    decision = decision_so_far(draft, parcel, now)
    if decision is None:
        return "return_answers"
    if decision.outcome != ELIGIBLE:
        return None
    if not verified:
        return CODE_SLOT
    if draft.address_confirmed is None:
        return "return_address_confirmed"
    if not draft.address_confirmed:
        return "return_address"
    if draft.slot is None:
        return "return_pickup_slot"
    if not draft.confirmed:
        return "return_confirmed"
    return None


class Problem(Exception):
    """An answer that cannot be used; the message says why, for the customer."""


class ValidateReturnForm(Action):
    def name(self) -> Text:
        return "validate_return_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        language = language_of(tracker)
        text = tracker.latest_message.get("text") or ""
        draft = Draft.of(tracker)
        try:
            if not form_was_waiting(tracker, FORM):
                return await self._start(dispatcher, tracker, draft, text, language)
            if answers.is_cancel(text):
                return ended(CANCELLED)
            try:
                events = await self._read_answer(tracker, draft, text, language)
            except Problem as problem:
                return self._failed_attempt(dispatcher, tracker, str(problem), language)
            if events is None:
                intent = tracker.latest_message.get("intent", {}).get("name")
                if intent in OTHER_REQUESTS:
                    # Served by its own rule; the return waits in its slots.
                    return step_aside(FORM, SlotSet("return_attempts", 0))
                return self._failed_attempt(dispatcher, tracker, self._unclear(tracker, language),
                                            language)
            return await self._next(tracker, draft, events + [SlotSet("return_attempts", 0)])
        except GatewayError:
            dispatcher.utter_message(text=reply.returns_unavailable(language))
            return ended(UNAVAILABLE)

    async def _start(self, dispatcher, tracker: Tracker, draft: Draft, text: str,
                     language: str) -> List[EventType]:
        """A new return, or the one in progress resumed; the first message may already
        hold the parcel number, the category and the reason."""
        numbers = entity_values(tracker, "tracking_number")
        if draft.in_progress and (not numbers or numbers[0] == draft.parcel):
            dispatcher.utter_message(text=reply.resumed(draft.parcel, language))
            return await self._next(tracker, draft, [])
        draft = Draft(category=answers.category_in(text, category_names()),
                      reason=answers.reason_in(text))
        if says("return_question", text) and not numbers:
            # "这件衣服还能退吗": the rule for it first, then the return starts at once.
            summary = POLICY.summary(draft.category) if draft.category else None
            dispatcher.utter_message(text=reply.returnable(summary, language))
        events = cleared() + [SlotSet("return_category", draft.category),
                              SlotSet("return_reason", draft.reason),
                              SlotSet("return_attempts", 0)]
        if numbers:
            try:
                events += await self._take_parcel(numbers[0], draft, language)
            except Problem as problem:
                dispatcher.utter_message(text=str(problem))
        return await self._next(tracker, draft, events)

    async def _read_answer(self, tracker: Tracker, draft: Draft, text: str,
                           language: str) -> Optional[List[EventType]]:
        """The slots the answer to the requested slot sets (and `draft` updated), or
        None when it is no answer to it; Problem when it answers but cannot be used."""
        requested = tracker.get_slot("requested_slot")
        if requested == "return_parcel":
            numbers = entity_values(tracker, "tracking_number")
            tracked = tracker.get_slot("tracked_parcel")
            if not numbers and tracked and answers.yes_or_no(text):
                numbers = [tracked]
            if not numbers:
                if looks_like_waybill_attempt(text):
                    raise Problem(reply.no_number(language))
                return None
            return await self._take_parcel(numbers[0], draft, language)
        if requested == "return_category":
            draft.category = answers.category_in(text, category_names())
            if draft.category is None:
                return None
            draft.reason = draft.reason or answers.reason_in(text)
            return [SlotSet("return_category", draft.category), SlotSet("return_reason", draft.reason)]
        if requested == "return_reason":
            draft.reason = answers.reason_in(text)
            return [SlotSet("return_reason", draft.reason)] if draft.reason else None
        if requested == "return_answers":
            answer = answers.yes_or_no(text)
            if answer is None:
                return None
            draft.answers[next_condition(draft).id] = answer
            return [SlotSet("return_answers", draft.answers)]
        if requested == "return_address_confirmed":
            draft.address_confirmed = answers.yes_or_no(text)
            if draft.address_confirmed is None:
                return None
            return [SlotSet("return_address_confirmed", draft.address_confirmed)]
        if requested == "return_address":
            address = " ".join(text.split())
            if not _ADDRESS_WORDS.search(address):
                return None
            if len(address) < MIN_ADDRESS_CHARS:
                raise Problem(reply.not_understood("address", language))
            draft.address, draft.address_confirmed = address, True
            return [SlotSet("return_address", address), SlotSet("return_address_confirmed", True)]
        if requested == "return_pickup_slot":
            offered = [slot_from_slot_value(value) for value in tracker.get_slot("return_slot_options") or []]
            draft.slot = answers.slot_choice(text, offered, shanghai_now().date())
            if draft.slot is None:
                return None
            return [SlotSet("return_pickup_slot", slot_value(draft.slot))]
        if requested == CODE_SLOT:
            code = code_in(text)
            if code is None:
                return None
            verified = await checked(tracker.get_slot("phone_number"), code, shanghai_now())
            if not verified:
                raise Problem(ask_for_code_again(True, language, last_try=False))
            return verified
        if requested == "return_confirmed":
            confirmed = answers.yes_or_no(text)
            if confirmed is None:
                return None
            if not confirmed:
                return ended(CANCELLED)
            draft.confirmed = True
            return [SlotSet("return_confirmed", True)]
        return None

    @staticmethod
    async def _take_parcel(number: str, draft: Draft, language: str) -> List[EventType]:
        """The parcel to return, if it can be: ours, known, delivered, not returned yet."""
        carrier = identify_carrier(number)
        if carrier is not None and carrier.code != OUR_CARRIER:
            raise Problem(reply.other_carrier(number, carrier.name_zh, carrier.name_en, language))
        gateway = shared_gateway()
        parcel = await gateway.get_parcel(number)
        if parcel is None:
            raise Problem(reply.parcel_not_found(number, language))
        if parcel.status is not ParcelStatus.DELIVERED:
            raise Problem(reply.not_delivered(parcel, language))
        open_returns = [ret for ret in await gateway.returns_of_parcel(number)
                        if ret.status not in CLOSED_RETURNS]
        draft.parcel = number
        events = [SlotSet("return_parcel", number)]
        if open_returns:
            draft.outcome = EXISTING
            events += [SlotSet("return_number", open_returns[0].return_number),
                       SlotSet("return_outcome", EXISTING)]
        return events

    async def _next(self, tracker: Tracker, draft: Draft, events: List[EventType]) -> List[EventType]:
        """Asks for what is still missing (the recipient's code first, if needed), or
        ends the form."""
        if draft.outcome not in (None, EXISTING):
            return events + [SlotSet("requested_slot", None)]
        now = shanghai_now()
        parcel = await shared_gateway().get_parcel(draft.parcel) if draft.parcel else None
        if draft.parcel and parcel is None:
            events.append(SlotSet("return_parcel", None))
        verified = parcel is not None and trusts(tracker, parcel.recipient.phone, now, events)
        if draft.outcome == EXISTING:
            # The parcel's open return is told to its recipient only.
            step = None if verified else CODE_SLOT
        else:
            step = next_step(draft, parcel, now, verified)
        if step == CODE_SLOT:
            return events + ask_for_code(parcel.recipient.phone)
        if verified:
            events += kept_fresh(tracker, now)
        if step is not None:
            return events + [SlotSet("requested_slot", step)]
        if draft.outcome == EXISTING:
            return events + [SlotSet("requested_slot", None)]
        outcome = CONFIRMED if draft.confirmed else DECIDED
        return events + ended(outcome)

    @staticmethod
    def _unclear(tracker: Tracker, language: str) -> str:
        """What was wrong with an answer to the requested slot that said nothing usable."""
        requested = tracker.get_slot("requested_slot")
        if requested == CODE_SLOT:
            return ask_for_code_again(False, language, last_try=False)
        kind = {"return_parcel": "number", "return_category": "category", "return_reason": "reason",
                "return_pickup_slot": "slot", "return_address": "address"}.get(requested, "yes_no")
        return reply.not_understood(kind, language)

    @staticmethod
    def _failed_attempt(dispatcher, tracker: Tracker, problem: str, language: str) -> List[EventType]:
        """Asks the same question again; the last failure hands off (see ActionFinishReturn)."""
        return failed_attempt(dispatcher, tracker, "return_attempts", problem, language,
                              give_up=ended(FAILED),
                              ask_again=tracker.get_slot("requested_slot"))


class ActionFinishReturn(Action):
    """Runs when the return form ends: books the return, or says why not."""

    def name(self) -> Text:
        return "action_finish_return"

    @hands_off_on_error
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        draft = Draft.of(tracker)
        language = language_of(tracker)
        if draft.outcome == FAILED:
            return [SlotSet("return_outcome", HANDED_OFF)] + hand_off("form_failed")
        if draft.outcome == CANCELLED:
            dispatcher.utter_message(text=reply.cancelled(language))
            return cleared()
        if draft.outcome == EXISTING:
            existing = await shared_gateway().get_return(tracker.get_slot("return_number"))
            dispatcher.utter_message(text=reply.existing_return(existing, language))
            return cleared()
        if draft.outcome == NO_SLOTS:
            dispatcher.utter_message(text=reply.no_slots(language))
            return [SlotSet("return_outcome", None)] + offer_human("customer_request")
        if draft.outcome == UNAVAILABLE:
            # The return stays as it is, to carry on with later.
            return [SlotSet("return_outcome", None)] + offer_human("action_error")
        try:
            parcel = await shared_gateway().get_parcel(draft.parcel)
            decision = decision_so_far(draft, parcel, shanghai_now())
            if draft.outcome == DECIDED and decision.outcome == NEEDS_REVIEW:
                dispatcher.utter_message(text=reply.needs_review(decision, language))
                return [SlotSet("return_outcome", HANDED_OFF)] + hand_off(decision.handoff_reason)
            if decision.outcome != ELIGIBLE:
                dispatcher.utter_message(text=reply.not_eligible(decision, language))
                return cleared()
            booked = await shared_gateway().create_return(self._request(tracker, draft, parcel))
        except GatewayError:
            # Kept as told, to be confirmed again; the slot may have gone meanwhile.
            dispatcher.utter_message(text=reply.submit_failed(language))
            return [SlotSet("return_outcome", None), SlotSet("return_confirmed", None),
                    SlotSet("return_pickup_slot", None)] + offer_human("action_error")
        dispatcher.utter_message(text=reply.submitted(
            booked, decision.return_shipping_paid_by, reply.shown_address(draft.address, parcel),
            shanghai_now().date(), language, channel_of(tracker)))
        return cleared() + [SlotSet("return_number", booked.return_number)]

    @staticmethod
    def _request(tracker: Tracker, draft: Draft, parcel: Parcel) -> ReturnRequest:
        return ReturnRequest(
            tracking_number=draft.parcel,
            category=draft.category,
            reason=draft.reason,
            answers=draft.answers,
            pickup_slot=draft.slot,
            pickup_address=draft.address or parcel.recipient.address,
            # One return per conversation and parcel, however often it is submitted.
            idempotency_key=return_idempotency_key(tracker.sender_id, draft.parcel),
        )


class ActionOfferReturnResume(Action):
    def name(self) -> Text:
        return "action_offer_return_resume"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        draft = Draft.of(tracker)
        if draft.in_progress:
            text, buttons = reply.offer_resume(draft.parcel, language_of(tracker), channel_of(tracker))
            dispatcher.utter_message(text=text, buttons=buttons)
        return []


class ActionCancelReturn(Action):
    def name(self) -> Text:
        return "action_cancel_return"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(text=reply.cancelled(language_of(tracker)))
        return cleared()
