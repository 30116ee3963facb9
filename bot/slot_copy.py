"""Rasa's slots copied by copying their attributes, not through `copy.copy`'s protocol.

Every `DialogueStateTracker` copies each slot of the domain (`copy.copy(slot)` in
rasa/shared/core/trackers.py), and Rasa makes several trackers per turn: under load the
generic copy (`__reduce_ex__`, `copyreg.__newobj__`, then the state) was 5 % of the
Rasa server's time (py-spy). A slot is a plain object whose state is its `__dict__`, so
a new object of the same class with a copy of that dict is the same shallow copy.
"""
from typing import Any

from rasa.shared.core.slots import Slot


def _shallow_copy(slot: Slot) -> Slot:
    copied: Any = object.__new__(type(slot))
    copied.__dict__.update(slot.__dict__)
    return copied


def install() -> None:
    Slot.__copy__ = _shallow_copy
