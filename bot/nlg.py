"""Response generation that mirrors the customer's script.

Responses are written once in Simplified Chinese (the default variation) and once in
English (a variation conditioned on the `language` slot). When the customer writes
Traditional Chinese, the Simplified response is converted on the way out, so no
Traditional copy of any response has to be kept in step.

Configured in endpoints.yml as `nlg: type: bot.nlg.LanguageMirroringNLG`.
"""
from typing import Any, Dict, Optional, Text

from rasa.core.nlg import TemplatedNaturalLanguageGenerator
from rasa.shared.core.domain import Domain
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import EndpointConfig

from foundation.language import TRADITIONAL, to_traditional

LANGUAGE_SLOT = "language"


class LanguageMirroringNLG(TemplatedNaturalLanguageGenerator):
    def __init__(
        self, endpoint_config: Optional[EndpointConfig] = None, domain: Optional[Domain] = None
    ) -> None:
        super().__init__((domain or Domain.empty()).responses)

    async def generate(
        self,
        utter_action: Text,
        tracker: DialogueStateTracker,
        output_channel: Text,
        **kwargs: Any,
    ) -> Optional[Dict[Text, Any]]:
        response = await super().generate(utter_action, tracker, output_channel, **kwargs)
        if response and tracker.get_slot(LANGUAGE_SLOT) == TRADITIONAL:
            return to_traditional_response(response)
        return response


def to_traditional_response(response: Dict[Text, Any]) -> Dict[Text, Any]:
    """Converts the customer-visible texts of a response; payloads stay untouched."""
    converted = dict(response)
    if converted.get("text"):
        converted["text"] = to_traditional(converted["text"])
    for key in ("buttons", "quick_replies"):
        if converted.get(key):
            converted[key] = [
                {**button, "title": to_traditional(button.get("title", ""))}
                for button in converted[key]
            ]
    return converted
