"""Rasa pipeline component that extracts waybill, mobile and return numbers.

Deterministic rules (foundation/numbers.py) instead of a learned extractor: the
formats are exact, customers write them with spaces, dashes and full-width digits, and
IVR front-ends send them as spoken digits. Values are normalised (`SF123456789012`,
`13812345678`, `RT0000000042`). Digits alone in pasted order data ("Order ID:
402-1234567-7654321") are the shop's order number, not a waybill that looks the same
(Deppon's ten digits); a carrier's prefix ("订单号: SF…") still makes one. For spoken
numbers the offsets refer to the text with the digits converted, since the spoken words
have no single place in the number.
"""
from typing import Any, Dict, List, Text, Tuple

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.rule_component import RuleComponent
from bot.nlu.text_normaliser import NUMBERS_TEXT
from foundation.cue_words import order_field_spans
from foundation.numbers import (
    find_phone_numbers,
    find_return_numbers,
    find_waybills_in_speech,
    spoken_digits_to_digits,
)


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.ENTITY_EXTRACTOR], is_trainable=False
)
class NumberEntityExtractor(RuleComponent):

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            # The text normaliser masked the digits in TEXT.
            text = message.get(NUMBERS_TEXT) or message.get(TEXT) or ""
            digits = spoken_digits_to_digits(text)
            order_data = order_field_spans(text)
            found = [
                self._entity("tracking_number", w.number, w.start, w.end)
                for w in find_waybills_in_speech(text)
                if not (w.number.isdigit() and _inside(w.start, order_data))
            ] + [
                self._entity("phone_number", p.number, p.start, p.end)
                for p in find_phone_numbers(digits)
            ] + [
                self._entity("return_number", r.number, r.start, r.end)
                for r in find_return_numbers(digits)
            ]
            if found:
                message.set(ENTITIES, message.get(ENTITIES, []) + found, add_to_output=True)
        return messages

    def _entity(self, name: Text, value: Text, start: int, end: int) -> Dict[Text, Any]:
        return {
            "entity": name,
            "value": value,
            "start": start,
            "end": end,
            "confidence_entity": 1.0,
            "extractor": self.__class__.__name__,
        }


def _inside(position: int, spans: List[Tuple[int, int]]) -> bool:
    return any(start <= position < end for start, end in spans)
