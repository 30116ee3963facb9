"""Dense sentence features from a multilingual sentence encoder.

Word counts only know the words in our training data; real customers use many others.
Google's Universal Sentence Encoder multilingual v3 (foundation/sentence_encoder.py) maps Chinese
and English sentences of the same meaning close together, so the classifier also
recognises phrasings it never saw.

At prediction time a message's vector is usually ready when the pipeline runs: the
Rasa server has it encoded in a process of its own, with the messages that arrived
alongside (bot/sentence_batches.py), and hands each message its own vector in
`PREPARED`. Otherwise (training, the encoder process not ready) it is encoded here.
"""
import math
from contextvars import ContextVar
from typing import Any, Dict, List, Optional, Text, Tuple

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from foundation import sentence_encoder as encoder

BATCH_SIZE = 256
# (text, vector) of the message being parsed in this task, encoded ahead of the
# pipeline; used only when the text is the one this component is given.
PREPARED: ContextVar[Optional[Tuple[Text, np.ndarray]]] = ContextVar(
    "prepared_sentence_vector", default=None)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False
)
class SentenceEncoderFeaturizer(DenseFeaturizer, GraphComponent):
    @classmethod
    def create(
        cls,
        config: Dict[Text, Any],
        model_storage: ModelStorage,
        resource: Resource,
        execution_context: ExecutionContext,
    ) -> "SentenceEncoderFeaturizer":
        return cls(config, execution_context.node_name)

    @staticmethod
    def get_default_config() -> Dict[Text, Any]:
        # `scale` multiplies the unit vector: the classifier's one L2 penalty then
        # weighs meaning against the word and character counts (config.yml).
        return {**DenseFeaturizer.get_default_config(), "scale": 1.0}

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        # Rasa's graph hands `create` the defaults merged with config.yml.
        super().__init__(name, config)
        self._scale = float(self._config["scale"])
        encoder.load()

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        scale = config.get("scale", 1.0)
        if not isinstance(scale, (int, float)) or not math.isfinite(scale) or scale <= 0:
            raise ValueError(f"SentenceEncoderFeaturizer: scale must be a positive number, not {scale!r}")

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurise(
            [m for m in training_data.training_examples if m.get(TEXT)]
        )
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._featurise([m for m in messages if m.get(TEXT)])
        return messages

    def _featurise(self, messages: List[Message]) -> None:
        prepared = PREPARED.get()
        if prepared is not None and len(messages) == 1 and messages[0].get(TEXT) == prepared[0]:
            self._add(messages[0], prepared[1])
            return
        for start in range(0, len(messages), BATCH_SIZE):
            batch = messages[start : start + BATCH_SIZE]
            for message, vector in zip(batch, encoder.encode([m.get(TEXT) for m in batch])):
                self._add(message, vector)

    def _add(self, message: Message, vector: np.ndarray) -> None:
        self.add_features_to_message(
            sequence=None, sentence=self._scale * vector[np.newaxis, :], attribute=TEXT,
            message=message)
