"""The return dialogue: a guided form, its outcome, and asking after a return.

`return_form` asks only what is still unknown, in this order, and each answer goes
through `validate_return_form`:

  1. the parcel: a tracking number of ours, delivered (the delivery moment comes from
     its tracking); a parcel that already has a return gets that return instead
  2. the category and 3. the reason (both may already be in the first message)
  4. the conditions the policy asks for that category and reason, one at a time;
     as soon as the answers settle the decision (excluded, too late, a condition not
     met, a case for a person) the form ends and the customer is told why
  5. the pickup address: the delivery address, masked, or one the customer gives
  6. a pickup slot among those the carrier offers for the next three days
  7. a summary to confirm; then `action_finish_return` books it and gives the RMA

At any step the customer can cancel ("取消", "cancel"). An answer that cannot be used is
explained and asked again; the third one in a row hands off (form_failed). Another
request (a question, tracking, a person) is served by its own rule while the return
waits in its slots; the bot then offers to carry on (actions/returns/draft.py).

`return_status_form` takes a return number or a parcel number (or the return made in
this conversation) and `action_answer_return_status` tells its status, pickup slot and
refund.
"""
import re
from datetime import datetime
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecutionRejected, ActiveLoop, EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.carrier import GatewayError, Parcel, ParcelStatus, shared_gateway
from actions.carrier.gateway import (
    ReturnRequest,
    ReturnStatus,
    return_idempotency_key,
    shanghai_now,
)
from actions.conversation import channel_of, entity_values, form_was_waiting, language_of
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
    offer_to_resume,
    slot_from_slot_value,
    slot_value,
)
from actions.returns.policy import ELIGIBLE, NEEDS_REVIEW, Decision, ReturnPolicy
from foundation.wording import VOICE_CHANNELS, Phrase
from foundation.cue_words import says
from foundation.language import ENGLISH
from foundation.numbers import OUR_CARRIER, identify_carrier, is_return_number, looks_like_waybill_attempt
from handoff.triggers import TRIGGERS

FORM = "return_form"
STATUS_FORM = "return_status_form"
MAX_ATTEMPTS = TRIGGERS.form_attempts
POLICY = ReturnPolicy.load()
# Requests that are not an answer to the form's question: each has its own rule.
# Not out_of_scope: in the middle of a return, an answer the form cannot read and the
# classifier calls off-topic is an answer gone wrong, to be explained and asked again.
OTHER_REQUESTS = frozenset(
    {"track_parcel", "check_return_status", "request_human", "complain", "ask_faq", "goodbye"}
)
# Returns that are over: the parcel may be returned again.
CLOSED_RETURNS = frozenset({ReturnStatus.CANCELLED, ReturnStatus.REJECTED})
# What makes a typed pickup address look like one: a house number or address words.
_ADDRESS_WORDS = re.compile(
    r"\d|[路街道巷弄号號栋棟幢单元室楼樓村镇鎮区區县縣市]|\b(?:street|st|road|rd|avenue|ave|lane|"
    r"building|floor|flat|apartment|district)\b",
    re.IGNORECASE,
)
MIN_ADDRESS_CHARS = 6
# A parcel returned more often is rare; the newest returns are what matter.
MAX_LISTED_RETURNS = 3


def delivered_at(parcel: Parcel) -> datetime:
    """When the parcel was signed for: the time of its delivery scan."""
    return next(event.time for event in reversed(parcel.events)
                if event.status is ParcelStatus.DELIVERED)


def category_names() -> Dict[str, List[str]]:
    """The policy's names of each category, as the buttons show them."""
    return {category: list(POLICY.category_name(category)) for category in POLICY.categories}


def decision_so_far(draft: Draft, parcel: Parcel, now: datetime) -> Optional[Decision]:
    return POLICY.decide_so_far(draft.category, draft.reason, delivered_at(parcel), now, draft.answers)


def next_condition(draft: Draft):
    return next(condition for condition in POLICY.questions_for(draft.category, draft.reason)
                if condition.id not in draft.answers)


def next_step(draft: Draft, parcel: Optional[Parcel], now: datetime) -> Optional[str]:
    """The slot to ask for next; None when the form has all it needs or the policy has
    decided."""
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
                return self._end(CANCELLED)
            try:
                events = await self._read_answer(tracker, draft, text, language)
            except Problem as problem:
                return self._failed_attempt(dispatcher, tracker, str(problem), language)
            if events is None:
                intent = tracker.latest_message.get("intent", {}).get("name")
                if intent in OTHER_REQUESTS:
                    return self._step_aside()
                return self._failed_attempt(dispatcher, tracker, self._unclear(tracker, language),
                                            language)
            return await self._next(tracker, draft, events + [SlotSet("return_attempts", 0)])
        except GatewayError:
            dispatcher.utter_message(text=reply.returns_unavailable(language))
            return self._end(UNAVAILABLE)

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
        if requested == "return_confirmed":
            confirmed = answers.yes_or_no(text)
            if confirmed is None:
                return None
            if not confirmed:
                return self._end(CANCELLED)
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
        """Asks for what is still missing, or ends the form."""
        if draft.outcome is not None:
            return events + [SlotSet("requested_slot", None)]
        parcel = await shared_gateway().get_parcel(draft.parcel) if draft.parcel else None
        if draft.parcel and parcel is None:
            events.append(SlotSet("return_parcel", None))
        step = next_step(draft, parcel, shanghai_now())
        if step is not None:
            return events + [SlotSet("requested_slot", step)]
        outcome = CONFIRMED if draft.confirmed else DECIDED
        return events + [SlotSet("return_outcome", outcome), SlotSet("requested_slot", None)]

    @staticmethod
    def _unclear(tracker: Tracker, language: str) -> str:
        """What was wrong with an answer to the requested slot that said nothing usable."""
        kind = {"return_parcel": "number", "return_category": "category", "return_reason": "reason",
                "return_pickup_slot": "slot", "return_address": "address"}.get(
            tracker.get_slot("requested_slot"), "yes_no")
        return reply.not_understood(kind, language)

    @staticmethod
    def _failed_attempt(dispatcher, tracker: Tracker, problem: str, language: str) -> List[EventType]:
        attempts = int(tracker.get_slot("return_attempts") or 0) + 1
        if attempts >= MAX_ATTEMPTS:
            return [SlotSet("return_attempts", attempts), SlotSet("return_outcome", FAILED),
                    SlotSet("requested_slot", None)]
        if attempts == MAX_ATTEMPTS - 1:
            problem = reply.with_last_try_warning(problem, language)
        dispatcher.utter_message(text=problem)
        return [SlotSet("return_attempts", attempts),
                SlotSet("requested_slot", tracker.get_slot("requested_slot"))]

    @staticmethod
    def _end(outcome: str) -> List[EventType]:
        return [SlotSet("return_outcome", outcome), SlotSet("requested_slot", None)]

    @staticmethod
    def _step_aside() -> List[EventType]:
        """Leaves the form, keeping the return in its slots, and lets the message be
        served by its own rule (see actions/tracking.py for why the rejection)."""
        return [ActiveLoop(None), SlotSet("requested_slot", None), SlotSet("return_attempts", 0),
                ActionExecutionRejected(FORM)]


# The form's questions: one action_ask_<slot> each, as Rasa forms look them up.

async def ask_return_parcel(dispatcher, tracker: Tracker) -> List[EventType]:
    tracked = tracker.get_slot("tracked_parcel")
    dispatcher.utter_message(text=reply.ask_parcel(tracked, language_of(tracker)))
    return []


async def ask_return_category(dispatcher, tracker: Tracker) -> List[EventType]:
    text, buttons = reply.ask_category(POLICY, language_of(tracker), channel_of(tracker))
    dispatcher.utter_message(text=text, buttons=buttons)
    return []


async def ask_return_reason(dispatcher, tracker: Tracker) -> List[EventType]:
    text, buttons = reply.ask_reason(answers.vocabulary().reason_labels, language_of(tracker),
                                     channel_of(tracker))
    dispatcher.utter_message(text=text, buttons=buttons)
    return []


async def ask_return_answers(dispatcher, tracker: Tracker) -> List[EventType]:
    condition = next_condition(Draft.of(tracker))
    text, buttons = reply.ask_condition(condition, language_of(tracker), channel_of(tracker))
    dispatcher.utter_message(text=text, buttons=buttons)
    return []


async def ask_return_address_confirmed(dispatcher, tracker: Tracker) -> List[EventType]:
    parcel = await shared_gateway().get_parcel(tracker.get_slot("return_parcel"))
    text, buttons = reply.ask_address(parcel, language_of(tracker), channel_of(tracker))
    dispatcher.utter_message(text=text, buttons=buttons)
    return []


async def ask_return_address(dispatcher, tracker: Tracker) -> List[EventType]:
    dispatcher.utter_message(text=reply.ask_new_address(language_of(tracker)))
    return []


async def ask_return_pickup_slot(dispatcher, tracker: Tracker) -> List[EventType]:
    """Offers the carrier's free slots; none left ends the form."""
    language = language_of(tracker)
    try:
        slots = await shared_gateway().pickup_slots(tracker.get_slot("return_parcel"))
    except GatewayError:
        dispatcher.utter_message(text=reply.returns_unavailable(language))
        return [SlotSet("return_outcome", UNAVAILABLE), SlotSet("requested_slot", None)]
    slots = slots[: answers.MAX_SLOT_CHOICES]
    if not slots:
        return [SlotSet("return_outcome", NO_SLOTS), SlotSet("requested_slot", None)]
    text, buttons = reply.ask_slot(slots, shanghai_now().date(), language, channel_of(tracker))
    dispatcher.utter_message(text=text, buttons=buttons)
    return [SlotSet("return_slot_options", [slot_value(slot) for slot in slots])]


async def ask_return_confirmed(dispatcher, tracker: Tracker) -> List[EventType]:
    draft = Draft.of(tracker)
    language = language_of(tracker)
    parcel = await shared_gateway().get_parcel(draft.parcel)
    decision = decision_so_far(draft, parcel, shanghai_now())
    label = answers.vocabulary().reason_labels[draft.reason]
    text, buttons = reply.summary(
        draft.parcel, POLICY.category_name(draft.category),
        Phrase(label["zh"], label["en"]), reply.shown_address(draft.address, parcel),
        draft.slot, decision.return_shipping_paid_by, shanghai_now().date(), language,
        channel_of(tracker),
    )
    dispatcher.utter_message(text=text, buttons=buttons)
    return []


def _ask_action(slot: str, ask) -> type:
    """An action_ask_<slot> that runs `ask`."""

    async def run(self, dispatcher, tracker, domain):
        return await ask(dispatcher, tracker)

    return type(f"ActionAsk_{slot}", (Action,), {"name": lambda self: f"action_ask_{slot}",
                                                 "run": run})


ASK_ACTIONS = tuple(
    _ask_action(slot, ask) for slot, ask in (
        ("return_parcel", ask_return_parcel),
        ("return_category", ask_return_category),
        ("return_reason", ask_return_reason),
        ("return_answers", ask_return_answers),
        ("return_address_confirmed", ask_return_address_confirmed),
        ("return_address", ask_return_address),
        ("return_pickup_slot", ask_return_pickup_slot),
        ("return_confirmed", ask_return_confirmed),
    )
)


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


# Asking after a return.

class ValidateReturnStatusForm(Action):
    """Takes a return number or a parcel number; the return made in this conversation
    needs neither."""

    def name(self) -> Text:
        return "validate_return_status_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        language = language_of(tracker)
        number = (entity_values(tracker, "return_number") + entity_values(tracker, "tracking_number")
                  + [None])[0]
        waiting = form_was_waiting(tracker, STATUS_FORM)
        if number is None and not waiting:
            issued = tracker.get_slot("return_number")
            if issued:
                return [SlotSet("return_lookup", issued), SlotSet("requested_slot", None)]
            return [SlotSet("return_status_attempts", 0), SlotSet("requested_slot", "return_lookup")]
        if number is None:
            intent = tracker.latest_message.get("intent", {}).get("name")
            if intent in OTHER_REQUESTS - {"check_return_status"}:
                return [ActiveLoop(None), SlotSet("requested_slot", None),
                        SlotSet("return_status_attempts", 0), ActionExecutionRejected(STATUS_FORM)]
            return self._failed_attempt(dispatcher, tracker, None, language)
        if is_return_number(number):
            try:
                known = await shared_gateway().get_return(number)
            except GatewayError:
                known = True  # the answer says the system is unavailable
            if known is None:
                return self._failed_attempt(dispatcher, tracker, number, language)
        return [SlotSet("return_lookup", number), SlotSet("requested_slot", None)]

    @staticmethod
    def _failed_attempt(dispatcher, tracker: Tracker, unknown: Optional[str], language: str):
        attempts = int(tracker.get_slot("return_status_attempts") or 0) + 1
        if attempts >= MAX_ATTEMPTS:
            return [SlotSet("return_status_attempts", attempts), SlotSet("return_lookup", None),
                    SlotSet("requested_slot", None)]
        if unknown:
            problem = reply.unknown_return(unknown, language)
        else:
            problem = reply.not_understood("return_number", language)
        if attempts == MAX_ATTEMPTS - 1:
            problem = reply.with_last_try_warning(problem, language)
        dispatcher.utter_message(text=problem)
        return [SlotSet("return_status_attempts", attempts), SlotSet("requested_slot", "return_lookup")]


class ActionAskReturnLookup(Action):
    def name(self) -> Text:
        return "action_ask_return_lookup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(text=reply.ask_return_number(language_of(tracker)))
        return []


class ActionAnswerReturnStatus(Action):
    def name(self) -> Text:
        return "action_answer_return_status"

    @hands_off_on_error
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        language, channel = language_of(tracker), channel_of(tracker)
        number = tracker.get_slot("return_lookup")
        reset = [SlotSet("return_lookup", None), SlotSet("return_status_attempts", 0)]
        if number is None:
            return reset + hand_off("form_failed")
        try:
            if is_return_number(number):
                found = [await shared_gateway().get_return(number)]
            else:
                found = (await shared_gateway().returns_of_parcel(number))[:MAX_LISTED_RETURNS]
        except GatewayError:
            dispatcher.utter_message(text=reply.returns_unavailable(language))
            return reset + offer_human("action_error")
        found = [ret for ret in found if ret is not None]
        if not found:
            dispatcher.utter_message(text=reply.no_returns_of_parcel(number, language))
            return reset + offer_to_resume(tracker)
        today = shanghai_now().date()
        separator = "\n\n" if channel not in VOICE_CHANNELS else (" " if language == ENGLISH else "")
        dispatcher.utter_message(text=separator.join(
            reply.describe_return(ret, today, language, channel) for ret in found))
        return reset + [SlotSet("return_number", found[0].return_number)] + offer_to_resume(tracker)

