"""Rasa pipeline component that puts every message into the form the model knows.

It stands at the head of the pipeline: it folds full-width forms, converts Traditional
to Simplified, writes digits spoken on the phone line as digits ("K D 幺二三四…" →
"KD1234…", so the classifier sees the number it was trained on, not words that vary with
every number) and, at prediction time, tags the message with a `language` entity
(zh-Hans, zh-Hant or en) that fills the `language` slot, so replies mirror the
customer's script. Training data is not tagged: the language is not something the
intent classifier should learn.

The classifiers then read only what the message asks: the digits of long numbers
masked ("KD202611230001" → "KD000000000000": what a message asks does not depend on
its number), without emoji beside words, pasted order data ("订单编号：…\n下单时间：…\n
这单到哪了" → "这单到哪了"), greetings before and thanks after the request ("亲，在吗？我的
快递到哪了 谢谢" → "我的快递到哪了"; `foundation/cue_words.yml`) or a second copy of it, in
small letters.

The text with its numbers and greetings is kept in the `NUMBERS_TEXT` property for the
number extractor and the number rules, and `NumbersRestorer` at the end of the pipeline
puts it back, so the parse result and the actions see what the customer wrote.
"""
from typing import List, Optional, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message
from rasa.shared.nlu.training_data.training_data import TrainingData

from bot.nlu.rule_component import RuleComponent
from foundation import segmenter
from foundation.cue_words import without_order_details, without_pleasantries, without_repeat
from foundation.language import normalise, without_emoji
from foundation.numbers import mask_long_numbers, spoken_digits_to_digits

LANGUAGE_ENTITY = "language"
# The normalised text with its numbers, for the number extractor.
NUMBERS_TEXT = "text_with_numbers"


def model_text(original: str) -> Tuple[str, Optional[str]]:
    """The text as the featurisers and classifiers see it, and the customer's language."""
    text, language = numbers_text(original)
    return classifier_text(text), language


def classifier_text(text: str) -> str:
    """What the classifiers read of the normalised `text`: only what it asks."""
    core = without_repeat(without_pleasantries(without_order_details(
        without_emoji(mask_long_numbers(text)))))
    # Lower case: the sentence encoder reads "WHERE IS MY PARCEL" unlike "where is my parcel".
    return core.lower()


def numbers_text(original: str) -> Tuple[str, Optional[str]]:
    """The normalised text with its numbers, and the customer's language."""
    text, language = normalise(original)
    return spoken_digits_to_digits(text), language


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.MESSAGE_FEATURIZER], is_trainable=False
)
class TextNormaliser(RuleComponent):
    def __init__(self) -> None:
        # The spaCy tokenizer after this component segments with jieba.
        segmenter.load_domain_dictionary()

    def process_training_data(self, training_data: TrainingData) -> TrainingData:
        for example in training_data.training_examples:
            if example.get(TEXT):
                example.set(TEXT, model_text(example.get(TEXT))[0])
        return training_data

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            original = message.get(TEXT) or ""
            text, language = numbers_text(original)
            message.set(TEXT, classifier_text(text))
            message.set(NUMBERS_TEXT, text)
            if language:
                tag = {
                    "entity": LANGUAGE_ENTITY,
                    "value": language,
                    "start": 0,
                    "end": len(original),
                    "confidence_entity": 1.0,
                    "extractor": self.__class__.__name__,
                }
                message.set(
                    ENTITIES, message.get(ENTITIES, []) + [tag], add_to_output=True
                )
        return messages


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class NumbersRestorer(RuleComponent):
    """Puts the text the text normaliser narrowed for the classifiers back, numbers,
    greetings and all; the last component of the pipeline."""

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            if message.get(NUMBERS_TEXT) is not None:
                message.set(TEXT, message.get(NUMBERS_TEXT))
        return messages
