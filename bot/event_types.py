"""Rasa's events found by their type name in a table, not by walking every subclass.

Rasa 3.6 turns each stored event back into an object through `Event.resolve_by_type`,
which lists every subclass of `Event` (recursively, checking each for abstractness) and
compares type names: once per event, for every event of a conversation loaded, on every
turn. Under load that walk was 3.5 % of the Rasa server's time (py-spy).

The table is built from the same walk, keeps Rasa's choice when two classes share a
type name (the first one listed), and is rebuilt on a miss, so a subclass imported
later is still found; what the table does not know goes to Rasa's own method (its
`topic` case, default and error).
"""
from typing import Dict, Optional, Text, Type

from rasa.shared.core.events import Event
from rasa.shared.utils.common import all_subclasses

_rasa_resolve_by_type = Event.resolve_by_type
_by_type_name: Dict[Text, Type[Event]] = {}


def resolve_by_type(type_name: Text, default: Optional[Type[Event]] = None
                    ) -> Optional[Type[Event]]:
    found = _by_type_name.get(type_name)
    if found is None:
        # Reversed, so the first class listed for a name is the one that stays.
        _by_type_name.update({cls.type_name: cls for cls in reversed(all_subclasses(Event))})
        found = _by_type_name.get(type_name)
    return found or _rasa_resolve_by_type(type_name, default)


def install() -> None:
    Event.resolve_by_type = staticmethod(resolve_by_type)
