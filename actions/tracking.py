"""The tracking dialogue: collect a number, look it up, answer in the customer's words.

The tracking form runs while the customer owes us a number. Each answer goes through
`validate_tracking_form`, which reads the number entities of the latest message:

  waybill number(s)   → the form ends and action_answer_tracking answers
  a mobile number     → an SMS code is sent; the form asks for it; a right code
                        verifies the phone and the form ends with the parcel list
                        (a phone verified within the idle limit needs no new code,
                        see actions/verification.py; over the courier's limits on
                        codes, none is sent and a person is offered)
  anything else       → counted as a failed attempt and explained; the third one ends
                        the form, and the conversation goes to a person (form_failed)
  another request     → (a question, a complaint, asking for a person, goodbye) the form
                        steps aside and the request is served by its own rule

Parcels in an exceptional state (damaged, lost, stuck) get an offer of a person with
reason parcel_exception, as do complaints about a known parcel.
"""
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import tracking_reply as reply
from actions.carrier import GatewayError, Parcel, ParcelStatus, shared_gateway
from actions.carrier.gateway import shanghai_now
from actions.conversation import channel_of, entity_values, form_was_waiting, language_of, step_aside
from actions.handoff import hand_off, hands_off_on_error, offer_human
from actions.near_miss import messages_of_form, sounds_like_complaint
from actions.returns.draft import offer_to_resume
from actions.verification import (
    CODE_SLOT,
    LIMITED,
    SENT,
    ask_for_code,
    checked,
    code_in,
    code_refused,
    kept_fresh,
    send_code,
    trusted_phone,
    trusts,
)
from foundation.cue_words import says
from foundation.numbers import OUR_CARRIER, Waybill, identify_carrier, looks_like_waybill_attempt
from handoff.triggers import TRIGGERS

FORM = "tracking_form"
MAX_ATTEMPTS = TRIGGERS.form_attempts
# Numbers answered per message; more is a list nobody reads to the end.
MAX_NUMBERS = 3
EXCEPTIONS = frozenset({ParcelStatus.DAMAGED, ParcelStatus.LOST, ParcelStatus.STUCK})
# Requests that end the wait for a number: each has its own rule in data/rules/.
OTHER_REQUESTS = frozenset(
    {
        "request_human",
        "complain",
        "ask_faq",
        "request_return",
        "check_return_status",
        "goodbye",
        "out_of_scope",
    }
)
class ValidateTrackingForm(Action):
    def name(self) -> Text:
        return "validate_tracking_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        numbers = entity_values(tracker, "tracking_number")
        phones = entity_values(tracker, "phone_number")
        if numbers:
            return [SlotSet("tracking_number", numbers[:MAX_NUMBERS]), SlotSet("requested_slot", None)]
        if phones:
            return self._look_up_by_phone(tracker, phones[0])
        if not form_was_waiting(tracker, FORM):
            # A new request without a number: ask for one.
            return [SlotSet("tracking_attempts", 0), SlotSet("requested_slot", "tracking_number")]
        text = tracker.latest_message.get("text") or ""
        waiting_for_code = tracker.get_slot("requested_slot") == CODE_SLOT
        if waiting_for_code and code_in(text):
            return await self._check_code(tracker)
        # A mistyped number is an attempt, whatever the classifier made of it.
        attempted = not waiting_for_code and looks_like_waybill_attempt(text)
        if not attempted and tracker.latest_message["intent"].get("name") in OTHER_REQUESTS:
            return step_aside(FORM, SlotSet("tracking_attempts", 0))
        if waiting_for_code:
            return self._failed_attempt(tracker, CODE_SLOT)
        return self._failed_attempt(tracker, "tracking_number")

    @staticmethod
    def _look_up_by_phone(tracker: Tracker, phone: str) -> List[EventType]:
        events: List[EventType] = [SlotSet("tracking_attempts", 0)]
        if trusts(tracker, phone, shanghai_now()):
            return events + [SlotSet("phone_number", phone), SlotSet("requested_slot", None)]
        return events + ask_for_code(phone)

    async def _check_code(self, tracker: Tracker) -> List[EventType]:
        code = code_in(tracker.latest_message.get("text") or "")
        phone = tracker.get_slot("phone_number")
        try:
            verified = await checked(phone, code, shanghai_now())
        except GatewayError:
            # Leave the form; action_answer_tracking says tracking is unavailable.
            return [SlotSet("requested_slot", None)]
        if verified:
            return verified + [SlotSet("requested_slot", None)]
        return self._failed_attempt(tracker, CODE_SLOT)

    @staticmethod
    def _failed_attempt(tracker: Tracker, slot: str) -> List[EventType]:
        attempts = int(tracker.get_slot("tracking_attempts") or 0) + 1
        next_slot = None if attempts >= MAX_ATTEMPTS else slot
        return [SlotSet("tracking_attempts", attempts), SlotSet("requested_slot", next_slot)]


class ActionAskTrackingNumber(Action):
    def name(self) -> Text:
        return "action_ask_tracking_number"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        attempts = int(tracker.get_slot("tracking_attempts") or 0)
        if attempts == 0:
            if sounds_like_complaint(tracker.latest_message):
                # A cross customer hears an apology before being asked for anything.
                dispatcher.utter_message(text=reply.look_up_first(language_of(tracker)))
            dispatcher.utter_message(response="utter_ask_tracking_number")
        else:
            dispatcher.utter_message(
                text=reply.ask_for_number_again(
                    tracker.latest_message.get("text") or "",
                    language_of(tracker),
                    channel_of(tracker),
                    last_try=attempts == MAX_ATTEMPTS - 1,
                )
            )
        return []


class ActionAskVerificationCode(Action):
    def name(self) -> Text:
        return "action_ask_verification_code"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        language = language_of(tracker)
        attempts = int(tracker.get_slot("tracking_attempts") or 0)
        if attempts:
            code_given = code_in(tracker.latest_message.get("text") or "") is not None
            dispatcher.utter_message(
                text=reply.ask_for_code_again(code_given, language, attempts == MAX_ATTEMPTS - 1)
            )
            return []
        sent = await send_code(dispatcher, tracker, tracker.get_slot("phone_number"))
        if sent == SENT:
            return []
        if sent == LIMITED:
            return code_refused(SlotSet("tracking_attempts", 0))
        dispatcher.utter_message(text=reply.describe_tracking_unavailable(language))
        return [SlotSet("requested_slot", None)]


class ActionAnswerTracking(Action):
    """Runs when the tracking form ends: answers, hands off, or offers a person."""

    def name(self) -> Text:
        return "action_answer_tracking"

    @hands_off_on_error
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        reset = [
            SlotSet("tracking_number", None),
            SlotSet("tracking_attempts", 0),
            SlotSet("requested_slot", None),
        ]
        if int(tracker.get_slot("tracking_attempts") or 0) >= MAX_ATTEMPTS:
            return reset + hand_off("form_failed")
        language, channel = language_of(tracker), channel_of(tracker)
        numbers = tracker.get_slot("tracking_number") or []
        now = shanghai_now()
        verified_phone = trusted_phone(tracker, now)
        try:
            if numbers:
                answers, parcels = await self._answer_numbers(numbers, verified_phone, language, channel)
            elif verified_phone and verified_phone == tracker.get_slot("phone_number"):
                parcels = await shared_gateway().find_parcels_by_phone(verified_phone)
                answers = [reply.describe_parcel_list(parcels, language, channel)]
            else:
                # The code could not be checked or sent: the carrier is unreachable.
                raise GatewayError("verification unavailable")
        except GatewayError:
            dispatcher.utter_message(text=reply.describe_tracking_unavailable(language))
            return reset + offer_human("action_error")
        dispatcher.utter_message(text="\n\n".join(answers))
        events = reset + kept_fresh(tracker, now)
        if numbers and parcels:
            events.append(SlotSet("tracked_parcel", parcels[-1].tracking_number))
        # Only for parcels asked about by number: a list is an overview, not a request.
        if numbers and any(parcel.status in EXCEPTIONS for parcel in parcels):
            return events + offer_human("parcel_exception")
        if any(sounds_like_complaint(message) for message in messages_of_form(tracker, FORM)):
            # Asked crossly ("三天了还没到，这什么速度"): answered, and the complaint kept.
            dispatcher.utter_message(text=reply.sorry_for_the_trouble(language))
            return events + offer_human("complaint")
        return events + offer_to_resume(tracker)

    @staticmethod
    async def _answer_numbers(numbers, verified_phone, language, channel):
        answers, parcels = [], []
        for number in numbers:
            carrier = identify_carrier(number)
            if carrier is not None and carrier.code != OUR_CARRIER:
                waybill = Waybill(number, carrier, 0, len(number))
                answers.append(reply.describe_other_carrier(waybill, language))
                continue
            parcel = await shared_gateway().get_parcel(number)
            if parcel is None:
                answers.append(reply.describe_unknown_number(number, language))
                continue
            answers.append(tracking_answer(parcel, verified_phone, language, channel))
            parcels.append(parcel)
        return answers, parcels


def tracking_answer(parcel: Parcel, verified_phone: Optional[str], language: str, channel: str) -> str:
    """The parcel's status and timeline; personal details only for its verified phone
    (`trusted_phone`: verified, and not idle too long)."""
    verified = verified_phone in (parcel.recipient.phone, parcel.sender.phone)
    return reply.describe_parcel(parcel, language, channel, verified, shanghai_now())


class ActionHandleComplaint(Action):
    """A complaint: about a known parcel it is a parcel exception, else a complaint."""

    def name(self) -> Text:
        return "action_handle_complaint"

    @hands_off_on_error
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        language, channel = language_of(tracker), channel_of(tracker)
        text = tracker.latest_message.get("text") or ""
        numbers = entity_values(tracker, "tracking_number")
        number = numbers[0] if numbers else tracker.get_slot("tracked_parcel")
        parcel = await self._parcel(number)
        if parcel is not None and numbers:
            # A number inside a complaint is tracked too: the customer sees where it is.
            dispatcher.utter_message(text=tracking_answer(
                parcel, trusted_phone(tracker, shanghai_now()), language, channel))
        if TRIGGERS.is_clearly_negative(text):
            # An angry customer is not asked twice: straight to a person.
            known = [SlotSet("tracked_parcel", parcel.tracking_number)] if parcel else []
            return known + hand_off("negative_sentiment")
        if parcel is None and number is None and says("delay", text):
            # "九点下的单现在还没到，这什么速度": find the parcel (the form apologises as
            # it asks); the tracking answer then offers a person for the complaint.
            return [FollowupAction(FORM)]
        if parcel is None:
            dispatcher.utter_message(response="utter_complaint_sorry")
            return offer_human("complaint")
        dispatcher.utter_message(text=reply.describe_complaint_about_parcel(parcel, language, channel))
        return [SlotSet("tracked_parcel", parcel.tracking_number)] + offer_human("parcel_exception")

    @staticmethod
    async def _parcel(number: Optional[str]) -> Optional[Parcel]:
        carrier = identify_carrier(number) if number else None
        if carrier is None or carrier.code != OUR_CARRIER:
            return None
        try:
            return await shared_gateway().get_parcel(number)
        except GatewayError:
            return None

