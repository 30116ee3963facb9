"""The return status form: asking after a return, by its number or its parcel's.

`return_status_form` takes a return number or a parcel number (or the return made in
this conversation) and `action_answer_return_status` tells its status, pickup slot and
refund.
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
from foundation.numbers import is_return_number
from foundation.wording import VOICE_CHANNELS, join_sentences

STATUS_FORM = "return_status_form"
# A parcel returned more often is rare; the newest returns are what matter.
MAX_LISTED_RETURNS = 3


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
                return step_aside(STATUS_FORM, SlotSet("return_status_attempts", 0))
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
        described = [reply.describe_return(ret, today, language, channel) for ret in found]
        if channel in VOICE_CHANNELS:
            dispatcher.utter_message(text=join_sentences(described, language))
        else:
            dispatcher.utter_message(text="\n\n".join(described))
        return reset + [SlotSet("return_number", found[0].return_number)] + offer_to_resume(tracker)
