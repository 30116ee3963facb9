"""The nearest-examples vote: trained, stored in a model, loaded, and blended with the
regression's ranking."""
import numpy as np
import pytest
from rasa.engine.graph import ExecutionContext, GraphSchema
from rasa.engine.storage.local_model_storage import LocalModelStorage
from rasa.engine.storage.resource import Resource
from rasa.shared.nlu.constants import FEATURE_TYPE_SENTENCE, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.features import Features
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.nearest_examples import NearestExamplesClassifier

TRACKING = np.array([1.0, 0.0, 0.0])
COMPLAINT = np.array([0.0, 1.0, 0.0])


def message(text: str, vector: np.ndarray, intent: str = None) -> Message:
    """A message with a sentence vector, as the sentence encoder leaves it."""
    made = Message(data={TEXT: text, **({INTENT: intent} if intent else {})})
    made.add_features(Features(vector[np.newaxis, :], FEATURE_TYPE_SENTENCE, TEXT, "sentence_encoder"))
    return made


def parsed(text: str, vector: np.ndarray, ranking) -> Message:
    parsed_message = message(text, vector)
    ranking = [{"name": name, "confidence": confidence} for name, confidence in ranking]
    parsed_message.set(INTENT, ranking[0])
    parsed_message.set(INTENT_RANKING_KEY, ranking)
    return parsed_message


@pytest.fixture
def storage(tmp_path):
    return LocalModelStorage(tmp_path)


def trained(storage, **config) -> Resource:
    resource = Resource("nearest")
    context = ExecutionContext(GraphSchema({}), "test")
    classifier = NearestExamplesClassifier.create(
        {**NearestExamplesClassifier.get_default_config(), **config}, storage, resource, context)
    examples = [message(f"where {n}", TRACKING + 0.01 * n, "track_parcel") for n in range(3)]
    examples += [message(f"angry {n}", COMPLAINT + 0.01 * n, "complain") for n in range(3)]
    classifier.train(TrainingData(training_examples=examples))
    return NearestExamplesClassifier.load(
        {**NearestExamplesClassifier.get_default_config(), **config}, storage, resource, context)


@pytest.mark.unit
def test_a_message_meaning_what_complaints_mean_is_a_complaint_though_its_words_say_tracking(storage):
    classifier = trained(storage)
    angry = parsed("九点下的单现在还没到，这什么速度", COMPLAINT, [("track_parcel", 0.6), ("complain", 0.4)])

    classifier.process([angry])

    assert angry.get(INTENT)["name"] == "complain"
    # Half the regression's 0.4 and the whole vote's half.
    assert angry.get(INTENT)["confidence"] == pytest.approx(0.2 + 0.5, abs=0.01)
    assert [entry["name"] for entry in angry.get(INTENT_RANKING_KEY)] == ["complain", "track_parcel"]


@pytest.mark.unit
def test_where_meaning_agrees_the_regression_keeps_its_intent_more_surely(storage):
    classifier = trained(storage)
    tracking = parsed("我的快递到哪了", TRACKING, [("track_parcel", 0.6), ("complain", 0.4)])

    classifier.process([tracking])

    assert tracking.get(INTENT)["name"] == "track_parcel"
    assert tracking.get(INTENT)["confidence"] > 0.6


@pytest.mark.unit
def test_weight_zero_leaves_the_regression_alone_and_the_ranking_is_cut_to_its_length(storage):
    classifier = trained(storage, weight=0.0, ranking_length=1)
    angry = parsed("太慢了", COMPLAINT, [("track_parcel", 0.6), ("complain", 0.4)])

    classifier.process([angry])

    assert angry.get(INTENT) == {"name": "track_parcel", "confidence": pytest.approx(0.6)}
    assert len(angry.get(INTENT_RANKING_KEY)) == 1


@pytest.mark.unit
def test_a_message_without_a_sentence_vector_or_a_ranking_passes_unchanged(storage):
    classifier = trained(storage)
    no_vector = Message(data={TEXT: "?"})
    no_vector.set(INTENT, {"name": "nlu_fallback", "confidence": 1.0})
    no_ranking = message("hello", TRACKING)

    classifier.process([no_vector, no_ranking])

    assert no_vector.get(INTENT) == {"name": "nlu_fallback", "confidence": 1.0}
    assert no_ranking.get(INTENT) is None


@pytest.mark.unit
def test_a_model_trained_without_examples_passes_the_ranking_unchanged(storage):
    resource = Resource("empty")
    context = ExecutionContext(GraphSchema({}), "test")
    config = NearestExamplesClassifier.get_default_config()
    NearestExamplesClassifier.create(config, storage, resource, context).train(TrainingData())
    classifier = NearestExamplesClassifier.load(config, storage, resource, context)
    angry = parsed("太慢了", COMPLAINT, [("track_parcel", 0.6), ("complain", 0.4)])

    classifier.process([angry])

    assert angry.get(INTENT)["name"] == "track_parcel"


@pytest.mark.unit
@pytest.mark.parametrize("setting", [{"neighbours": 0}, {"neighbours": 2.5}, {"temperature": 0}, {"weight": 1.5}])
def test_settings_out_of_range_are_refused_when_the_model_is_built(setting):
    with pytest.raises(ValueError, match="NearestExamplesClassifier"):
        NearestExamplesClassifier.validate_config(setting)


@pytest.mark.unit
def test_a_message_with_a_masked_number_votes_like_any_other(storage):
    # The text normaliser writes every long number as zeros, so the sentence vector no
    # longer moves with the digits.
    classifier = trained(storage)
    numbered = parsed("KD000000000000 等了五天了 什么破速度", COMPLAINT,
                      [("track_parcel", 0.6), ("complain", 0.4)])

    classifier.process([numbered])

    assert numbered.get(INTENT)["name"] == "complain"
