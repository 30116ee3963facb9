"""Rasa pipeline component: a refund question is never a tracking request.

"我退回去的东西钱什么时候到账", "when does my refund arrive after I returned it" share
most words with tracking requests ("到", "arrive", "when"), and the classifier may say
track_parcel; money coming back is the progress of a return, so the intent becomes
check_return_status. Other intents are left alone: a general refund question is a
knowledge-base question (the dialogue answers it with the return's status when the
conversation has one).
"""
from typing import Any, Dict, List, Text

from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.shared.nlu.constants import INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.cue_words import says

TRACKING = "track_parcel"
RETURN_STATUS = "check_return_status"


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class RefundIntentResolver(GraphComponent):
    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "RefundIntentResolver":
        return cls()

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            intent = message.get(INTENT) or {}
            if intent.get("name") == TRACKING and says("refund", message.get(TEXT)):
                chosen = {"name": RETURN_STATUS, "confidence": intent.get("confidence", 1.0)}
                ranking = [r for r in message.get(INTENT_RANKING_KEY, []) if r["name"] != RETURN_STATUS]
                message.set(INTENT, chosen, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [chosen] + ranking, add_to_output=True)
        return messages
