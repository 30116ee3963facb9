"""Rasa pipeline component: a message that carries a parcel or phone number is a
tracking request, and one that carries a return number asks after that return, unless
the classifier found another service request in it.

Customers often send nothing but the number ("KD202611230001", "13812345678",
"RT0000000042") or the number with a word or two ("…怎么样了"). The classifier has no
words to go on there and says out_of_scope, goodbye or not understood; the number says
what is wanted. A complaint, a return or a request for a person that mentions a number
keeps its intent; a message of nothing but numbers always gets the numbers' intent.
"""
import re
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.waybill_numbers import spoken_digits_to_digits

NUMBER_ENTITIES = frozenset({"return_number", "tracking_number", "phone_number"})
# A letter, digit or Chinese character left over: the message says more than numbers.
_WORD = re.compile(r"[^\W_]")
# What a number on its own asks for; a return number says more than a parcel number.
INTENT_OF_NUMBER = (
    ("return_number", "check_return_status"),
    ("tracking_number", "track_parcel"),
    ("phone_number", "track_parcel"),
)
# Intents that say nothing about the courier's services, which a number overrides.
OVERRIDDEN_INTENTS = frozenset(
    {"nlu_fallback", "out_of_scope", "greet", "goodbye", "thank", "affirm", "deny", "ask_faq"}
)
# "RT0000000042 到哪了" reads as tracking, but a return number is no parcel's.
OVERRIDDEN_BY_RETURN_NUMBER = OVERRIDDEN_INTENTS | {"track_parcel"}


def only_numbers(message: Message) -> bool:
    """Whether the message is nothing but its numbers: then no classifier guess can
    beat them, whatever it made of the digits."""
    text = spoken_digits_to_digits(message.get(TEXT) or "")
    for entity in sorted(message.get(ENTITIES, []), key=lambda e: e.get("start", 0), reverse=True):
        if entity.get("entity") in NUMBER_ENTITIES:
            text = text[: entity["start"]] + text[entity["end"]:]
    return not _WORD.search(text)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class NumberIntentResolver(GraphComponent):
    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "NumberIntentResolver":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = (message.get(INTENT) or {}).get("name")
            entities = {e.get("entity") for e in message.get(ENTITIES, [])}
            wanted = next((name for entity, name in INTENT_OF_NUMBER if entity in entities), None)
            overridden = (
                OVERRIDDEN_BY_RETURN_NUMBER if wanted == "check_return_status" else OVERRIDDEN_INTENTS
            )
            if wanted and wanted != intent and (intent in overridden or only_numbers(message)):
                chosen = {"name": wanted, "confidence": 1.0}
                ranking = [r for r in message.get(INTENT_RANKING_KEY, []) if r["name"] != wanted]
                message.set(INTENT, chosen, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [chosen] + ranking, add_to_output=True)
        return messages
