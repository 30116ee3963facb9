"""What the actions read from a conversation (its language, channel, entities and
form state), and how a form leaves it to another request."""
from typing import List

from rasa_sdk import Tracker
from rasa_sdk.events import ActionExecutionRejected, ActiveLoop, EventType, SlotSet

DEFAULT_LANGUAGE = "zh-Hans"


def language_of(tracker: Tracker) -> str:
    return tracker.get_slot("language") or DEFAULT_LANGUAGE


def channel_of(tracker: Tracker) -> str:
    """"ivr" for the phone line; "rest", "socketio" or "app" for text."""
    return tracker.get_latest_input_channel() or "rest"


def entity_values(tracker: Tracker, entity: str) -> List[str]:
    """The values of `entity` in the latest message, de-duplicated, in order."""
    values = [e["value"] for e in tracker.latest_message.get("entities", []) if e["entity"] == entity]
    return list(dict.fromkeys(values))


def form_was_waiting(tracker: Tracker, form: str) -> bool:
    """Whether the latest message answers `form`'s question (else the form just started).

    The form asked if it was the last action before the customer spoke; asking actions
    run inside it and leave no event of their own.
    """
    events = iter(reversed(tracker.events))
    for event in events:
        if event.get("event") == "user":
            break
    previous = (
        event.get("name")
        for event in events
        if event.get("event") == "action" and event.get("name") != "action_listen"
    )
    return next(previous, None) == form


def step_aside(form: str, *resets: EventType) -> List[EventType]:
    """Ends `form` without an answer and leaves the latest message to its own rule;
    `resets` put the form's own slots back.

    The rejection keeps the form from counting as the action that answered, so the
    rules see the customer's request just as if no form had been running; ending the
    form first keeps Rasa from coming back to it afterwards.
    """
    return [ActiveLoop(None), SlotSet("requested_slot", None), *resets,
            ActionExecutionRejected(form)]
