"""Starts each conversation in the customer's language.

Before the customer has typed anything (the web page's greeting, an IVR call), the
only hint of their language is what the front-end knows: the browser's or app's locale,
or the IVR line's language, sent as `metadata.language`. Later messages set the
`language` slot from what the customer actually writes.
"""
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import ActionExecuted, EventType, SessionStarted, SlotSet
from rasa_sdk.executor import CollectingDispatcher

LANGUAGE_SLOT = "language"
TRADITIONAL_LOCALES = ("zh-tw", "zh-hk", "zh-mo", "zh-hant")


def language_from_locale(locale: Any) -> Optional[Text]:
    """Maps a BCP 47 locale (`navigator.language`, an app's locale) to a reply language."""
    if not isinstance(locale, str):
        return None
    locale = locale.strip().lower().replace("_", "-")
    if locale.startswith(TRADITIONAL_LOCALES):
        return "zh-Hant"
    if locale.startswith("zh"):
        return "zh-Hans"
    if locale.startswith("en"):
        return "en"
    return None


class ActionSessionStart(Action):
    def name(self) -> Text:
        return "action_session_start"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        events: List[EventType] = [SessionStarted()]
        # Slots carried over from the previous session (the customer's language).
        events += [
            SlotSet(name, value)
            for name, value in tracker.slots.items()
            if value is not None and name != "session_started_metadata"
        ]
        metadata = tracker.get_slot("session_started_metadata") or {}
        language = language_from_locale(metadata.get("language"))
        if language:
            events.append(SlotSet(LANGUAGE_SLOT, language))
        events.append(ActionExecuted("action_listen"))
        return events
