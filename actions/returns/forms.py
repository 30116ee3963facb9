"""What the two return forms (return_form.py, status_form.py) share: the requests they
step aside for, and how they count answers they cannot use."""
from typing import List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.returns import reply
from handoff.triggers import TRIGGERS

MAX_ATTEMPTS = TRIGGERS.form_attempts
# Requests that are not an answer to the form's question: each has its own rule.
# Not out_of_scope: in the middle of a return, an answer the form cannot read and the
# classifier calls off-topic is an answer gone wrong, to be explained and asked again.
OTHER_REQUESTS = frozenset(
    {"track_parcel", "check_return_status", "request_human", "complain", "ask_faq", "goodbye"}
)


def failed_attempt(dispatcher: CollectingDispatcher, tracker: Tracker, counter: str,
                   problem: str, language: str, give_up: List[EventType],
                   ask_again: Optional[str]) -> List[EventType]:
    """An answer the form cannot use, counted in the slot `counter`: the problem is
    explained (with a warning before the last try) and the slot `ask_again` asked
    again; the MAX_ATTEMPTS-th ends the form with the `give_up` events instead."""
    attempts = int(tracker.get_slot(counter) or 0) + 1
    if attempts >= MAX_ATTEMPTS:
        return [SlotSet(counter, attempts)] + give_up
    if attempts == MAX_ATTEMPTS - 1:
        problem = reply.with_last_try_warning(problem, language)
    dispatcher.utter_message(text=problem)
    return [SlotSet(counter, attempts), SlotSet("requested_slot", ask_again)]
