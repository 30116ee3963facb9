"""Rasa pipeline component: a message that carries a parcel or phone number is a
tracking request unless the classifier found another service request in it.

Customers often send nothing but the number ("KD202611230001", "13812345678") or the
number with a word or two ("…怎么样了"). The classifier has no words to go on there
and says out_of_scope, goodbye or not understood; the number says what is wanted.
A complaint, a return or a request for a person that mentions a number keeps its intent.
"""
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY
from rasa.shared.nlu.training_data.message import Message

TRACK_PARCEL = "track_parcel"
NUMBER_ENTITIES = frozenset({"tracking_number", "phone_number"})
# Intents that say nothing about the courier's services, which a number overrides.
OVERRIDDEN_INTENTS = frozenset(
    {"nlu_fallback", "out_of_scope", "greet", "goodbye", "thank", "affirm", "deny", "ask_faq"}
)


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
            intent = message.get(INTENT) or {}
            has_number = any(e.get("entity") in NUMBER_ENTITIES for e in message.get(ENTITIES, []))
            if has_number and intent.get("name") in OVERRIDDEN_INTENTS:
                tracking = {"name": TRACK_PARCEL, "confidence": 1.0}
                ranking = [r for r in message.get(INTENT_RANKING_KEY, []) if r["name"] != TRACK_PARCEL]
                message.set(INTENT, tracking, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [tracking] + ranking, add_to_output=True)
        return messages
