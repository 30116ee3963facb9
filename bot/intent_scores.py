"""Rasa's logistic-regression intent scores, computed from the message's features directly.

`LogisticRegressionClassifier.process` stacks each message's sparse and dense sentence
features into a new scipy matrix and hands it to scikit-learn, whose input checks and
sparse product cost more than the arithmetic: 9 % of the Rasa server's busy time
under load (py-spy), for a dozen dot products. With a multinomial model the probabilities are
the softmax of `features · coef_ᵀ + intercept_`; here that is computed from the
non-zero sparse entries and the dense vector, with the same weights. Anything else (a
binary or one-vs-rest model, a message without both kinds of features) goes to Rasa's
own method. Tested equal to it in tests/stack/test_intent_scores.py.
"""
from typing import List, Optional

import numpy as np
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier
from rasa.utils.tensorflow.constants import RANKING_LENGTH
from rasa.shared.nlu.constants import TEXT
from rasa.shared.nlu.training_data.message import Message

_rasa_process = LogisticRegressionClassifier.process
# The classifier attribute holding its weights transposed, one row per feature.
_WEIGHTS = "_weights_by_feature"


def _weights(classifier: LogisticRegressionClassifier) -> Optional[np.ndarray]:
    """coef_ transposed and contiguous (a gather of rows per message), or None when the
    model is not multinomial; worked out once per classifier."""
    if _WEIGHTS not in classifier.__dict__:
        model = classifier.clf
        coef = getattr(model, "coef_", None)
        multinomial = (coef is not None and len(model.classes_) > 2
                       and coef.shape[0] == len(model.classes_)
                       and model.multi_class in ("auto", "multinomial")
                       and model.solver != "liblinear")
        setattr(classifier, _WEIGHTS, np.ascontiguousarray(coef.T) if multinomial else None)
    return classifier.__dict__[_WEIGHTS]


def _probabilities(message: Message, weights: np.ndarray, intercept: np.ndarray
                   ) -> Optional[np.ndarray]:
    sparse = message.get_sparse_features(attribute=TEXT)[1]
    dense = message.get_dense_features(attribute=TEXT)[1]
    if sparse is None or dense is None:
        return None
    row = sparse.features.tocoo()
    vector = dense.features.reshape(-1)
    if row.shape[1] + len(vector) != len(weights):
        return None
    # einsum keeps these small products off BLAS and its second thread.
    scores = (np.einsum("i,ij->j", row.data.astype(np.float64), weights[row.col])
              + np.einsum("i,ij->j", vector.astype(np.float64), weights[row.shape[1]:])
              + intercept)
    scores -= scores.max()
    np.exp(scores, out=scores)
    return scores / scores.sum()


def _process(self: LogisticRegressionClassifier, messages: List[Message]) -> List[Message]:
    weights = _weights(self)
    if weights is None:
        return _rasa_process(self, messages)
    for message in messages:
        probabilities = _probabilities(message, weights, self.clf.intercept_)
        if probabilities is None:
            _rasa_process(self, [message])
            continue
        ranking = sorted(
            ({"name": name, "confidence": float(value)}
             for name, value in zip(self.clf.classes_, probabilities)),
            key=lambda entry: -entry["confidence"],
        )
        intent = ranking[0]
        if self.config[RANKING_LENGTH] > 0:
            ranking = ranking[: self.config[RANKING_LENGTH]]
        message.set("intent", intent, add_to_output=True)
        message.set("intent_ranking", ranking, add_to_output=True)
    return messages


def install() -> None:
    LogisticRegressionClassifier.process = _process  # type: ignore[assignment]
