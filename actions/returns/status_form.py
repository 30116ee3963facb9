"""The return status form: asking after a return, by its number or its parcel's.

`return_status_form` takes a return number or a parcel number (or the return made in
this conversation) and `action_answer_return_status` tells its status, pickup slot and
refund. A return's details are the parcel recipient's: the form asks for the SMS code
texted to the recipient first (actions/verification.py), unless this conversation
proved that phone and has not been idle too long since.
"""
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.carrier import GatewayError, shared_gateway
from actions.carrier.gateway import shanghai_now
from actions.conversation import channel_of, entity_values, form_was_waiting, language_of, step_aside
from actions.handoff import hand_off, hands_off_on_error, offer_human
from actions.returns import reply
from actions.returns.draft import offer_to_resume
from actions.returns.forms import OTHER_REQUESTS, failed_attempt
from actions.tracking_reply import ask_for_code_again
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
    trusts,
)
from foundation.numbers import is_return_number
from foundation.wording import VOICE_CHANNELS, join_sentences

STATUS_FORM = "return_status_form"
# A parcel returned more often is rare; the newest returns are what matter.
MAX_LISTED_RETURNS = 3


class ValidateReturnStatusForm(Action):
    """Takes a return number or a parcel number (the return made in this conversation
    needs neither), then the recipient's SMS code if the conversation has no fresh
    proof of that phone."""

    def name(self) -> Text:
        return "validate_return_status_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        language = language_of(tracker)
        number = (entity_values(tracker, "return_number") + entity_values(tracker, "tracking_number")
                  + [None])[0]
        waiting = form_was_waiting(tracker, STATUS_FORM)
        try:
            if waiting and number is None and tracker.get_slot("requested_slot") == CODE_SLOT:
                return await self._read_code(dispatcher, tracker, language)
            if number is None and not waiting:
                issued = tracker.get_slot("return_number")
                if issued:
                    return await self._looked_up(tracker, issued)
                return [SlotSet("return_status_attempts", 0), SlotSet("requested_slot", "return_lookup")]
            if number is None:
                intent = tracker.latest_message.get("intent", {}).get("name")
                if intent in OTHER_REQUESTS - {"check_return_status"}:
                    return step_aside(STATUS_FORM, SlotSet("return_status_attempts", 0))
                return self._failed_attempt(dispatcher, tracker, None, language)
            if is_return_number(number) and await shared_gateway().get_return(number) is None:
                return self._failed_attempt(dispatcher, tracker, number, language)
            return await self._looked_up(tracker, number)
        except GatewayError:
            return unavailable(dispatcher, language)

    @staticmethod
    async def _looked_up(tracker: Tracker, number: str) -> List[EventType]:
        """The number to answer about; first the recipient's code, unless proved."""
        events = [SlotSet("return_lookup", number), SlotSet("return_status_attempts", 0)]
        phone = await recipient_phone(number)
        if phone is None or trusts(tracker, phone, shanghai_now()):
            # An unknown parcel has no returns to tell of, and no recipient.
            return events + [SlotSet("requested_slot", None)]
        return events + ask_for_code(phone)

    async def _read_code(self, dispatcher, tracker: Tracker, language: str) -> List[EventType]:
        code = code_in(tracker.latest_message.get("text") or "")
        if code is None:
            intent = tracker.latest_message.get("intent", {}).get("name")
            if intent in OTHER_REQUESTS - {"check_return_status"}:
                return step_aside(STATUS_FORM, SlotSet("return_status_attempts", 0),
                                  SlotSet("return_lookup", None))
        verified = await checked(tracker.get_slot("phone_number"), code, shanghai_now()) if code else []
        if verified:
            return verified + [SlotSet("requested_slot", None)]
        return failed_attempt(dispatcher, tracker, "return_status_attempts",
                              ask_for_code_again(code is not None, language, last_try=False),
                              language, give_up=[SlotSet("return_lookup", None),
                                                 SlotSet("requested_slot", None)],
                              ask_again=CODE_SLOT)

    @staticmethod
    def _failed_attempt(dispatcher, tracker: Tracker, unknown: Optional[str],
                        language: str) -> List[EventType]:
        """No number, or a return number the carrier does not know (`unknown`); the last
        failure leaves return_lookup empty, which hands off."""
        if unknown:
            problem = reply.unknown_return(unknown, language)
        else:
            problem = reply.not_understood("return_number", language)
        return failed_attempt(dispatcher, tracker, "return_status_attempts", problem, language,
                              give_up=[SlotSet("return_lookup", None),
                                       SlotSet("requested_slot", None)],
                              ask_again="return_lookup")


def unavailable(dispatcher, language: str) -> List[EventType]:
    """The carrier did not answer: the form ends, and a person is offered instead of an
    answer that could not be checked."""
    dispatcher.utter_message(text=reply.returns_unavailable(language))
    return [SlotSet("return_lookup", None), SlotSet("return_status_attempts", 0),
            SlotSet("requested_slot", None)] + offer_human("action_error")


async def recipient_phone(number: str) -> Optional[str]:
    """The phone of the recipient of the parcel `number` names (a parcel, or a return of
    one); None when the carrier knows no such parcel."""
    if is_return_number(number):
        found = await shared_gateway().get_return(number)
        if found is None:
            return None
        number = found.tracking_number
    parcel = await shared_gateway().get_parcel(number)
    return parcel.recipient.phone if parcel else None


class ActionAskReturnLookup(Action):
    def name(self) -> Text:
        return "action_ask_return_lookup"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        dispatcher.utter_message(text=reply.ask_return_number(language_of(tracker)))
        return []


class ActionAskReturnStatusCode(Action):
    """Texts the recipient a code; after a wrong one the problem was said and the same
    code is awaited."""

    def name(self) -> Text:
        # Rasa asks a form's own action_ask_<form>_<slot> before action_ask_<slot>.
        return f"action_ask_{STATUS_FORM}_{CODE_SLOT}"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if int(tracker.get_slot("return_status_attempts") or 0):
            return []
        sent = await send_code(dispatcher, tracker, tracker.get_slot("phone_number"))
        if sent == SENT:
            return []
        if sent == LIMITED:
            return code_refused(SlotSet("return_lookup", None))
        return unavailable(dispatcher, language_of(tracker))


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
        now = shanghai_now()
        today = now.date()
        described = [reply.describe_return(ret, today, language, channel) for ret in found]
        if channel in VOICE_CHANNELS:
            dispatcher.utter_message(text=join_sentences(described, language))
        else:
            dispatcher.utter_message(text="\n\n".join(described))
        return (reset + [SlotSet("return_number", found[0].return_number)]
                + kept_fresh(tracker, now) + offer_to_resume(tracker))
