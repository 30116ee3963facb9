"""Slots copied by bot/slot_copy.py are the copies `copy.copy` made (same class, equal
attributes, independent values), for every slot of the domain."""
import copy

import pytest
from rasa.shared.core.domain import Domain
from rasa.shared.core.slots import Slot

from bot import slot_copy
from foundation.settings import ROOT

SLOTS = Domain.load(str(ROOT / "domain")).slots


@pytest.mark.parametrize("slot", SLOTS, ids=[slot.name for slot in SLOTS])
def test_a_copied_slot_is_what_copy_copy_gives(slot):
    expected = copy.copy(slot)
    copied = slot_copy._shallow_copy(slot)
    assert type(copied) is type(slot) and copied is not slot
    assert copied.__dict__ == expected.__dict__


def test_installed_a_copy_is_set_apart_from_its_original(monkeypatch):
    monkeypatch.setattr(Slot, "__copy__", slot_copy._shallow_copy, raising=False)
    original = SLOTS[0]
    before = original.value
    copied = copy.copy(original)
    copied.value = "changed"
    assert original.value == before
