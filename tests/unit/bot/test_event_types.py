"""Events are resolved by type name exactly as Rasa resolves them (bot/event_types.py)."""
import pytest
from rasa.shared.core.events import Event, SlotSet, UserUttered
from rasa.shared.utils.common import all_subclasses

from bot import event_types

TYPE_NAMES = sorted({cls.type_name for cls in all_subclasses(Event)})


@pytest.mark.parametrize("type_name", TYPE_NAMES)
def test_every_type_name_gives_rasas_class(type_name):
    assert event_types.resolve_by_type(type_name) is event_types._rasa_resolve_by_type(type_name)


def test_unknown_names_go_to_rasas_rules():
    assert event_types.resolve_by_type("topic") is None
    assert event_types.resolve_by_type("no-such-event", default=SlotSet) is SlotSet
    with pytest.raises(ValueError):
        event_types.resolve_by_type("no-such-event")


def test_a_subclass_imported_later_is_found(monkeypatch):
    event_types.resolve_by_type("user")  # the table is built

    class LateEvent(UserUttered):
        type_name = "late_event_for_test"

    assert event_types.resolve_by_type("late_event_for_test") is LateEvent


def test_installed_it_rebuilds_stored_events(monkeypatch):
    monkeypatch.setattr(Event, "resolve_by_type", staticmethod(event_types.resolve_by_type))
    stored = [{"event": "user", "text": "你好", "parse_data": {"intent": {"name": "greet"}}},
              {"event": "slot", "name": "language", "value": "zh"}]
    events = [Event.from_parameters(data) for data in stored]
    assert [type(event) for event in events] == [UserUttered, SlotSet]
    assert events[1].value == "zh"
