"""A return request as far as the customer has told it, kept in slots while the return
form runs and while it waits for the customer to come back to it.

A return is *in progress* while it has a parcel and the form has not ended; asking
something else in between leaves it so, and the answer to that other request is
followed by an offer to carry on (`offer_to_resume`).
"""
from dataclasses import dataclass, field
from datetime import datetime
from typing import Dict, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet

from actions.carrier.gateway import PickupSlot

RESUME_ACTION = "action_offer_return_resume"

# How the form ended (slot return_outcome); None while it runs or waits.
CANCELLED = "cancelled"
EXISTING = "existing"  # the parcel already has a return
DECIDED = "decided"  # the policy decided: not eligible, or a person must look
FAILED = "failed"  # three unusable answers to one question
NO_SLOTS = "no_slots"
UNAVAILABLE = "unavailable"  # the carrier's systems did not answer
CONFIRMED = "confirmed"
HANDED_OFF = "handed_off"

# Every slot of a return request; cleared together when one ends.
SLOTS = (
    "return_parcel",
    "return_category",
    "return_reason",
    "return_answers",
    "return_address_confirmed",
    "return_address",
    "return_slot_options",
    "return_pickup_slot",
    "return_confirmed",
    "return_attempts",
    "return_outcome",
)


@dataclass
class Draft:
    parcel: Optional[str] = None
    category: Optional[str] = None
    reason: Optional[str] = None
    answers: Dict[str, bool] = field(default_factory=dict)  # condition id -> yes/no
    address_confirmed: Optional[bool] = None
    address: Optional[str] = None  # the customer's own; None is the delivery address
    slot: Optional[PickupSlot] = None
    confirmed: Optional[bool] = None
    outcome: Optional[str] = None

    @classmethod
    def of(cls, tracker: Tracker) -> "Draft":
        slot = tracker.get_slot("return_pickup_slot")
        return cls(
            parcel=tracker.get_slot("return_parcel"),
            category=tracker.get_slot("return_category"),
            reason=tracker.get_slot("return_reason"),
            answers=dict(tracker.get_slot("return_answers") or {}),
            address_confirmed=tracker.get_slot("return_address_confirmed"),
            address=tracker.get_slot("return_address"),
            slot=slot_from_slot_value(slot) if slot else None,
            confirmed=tracker.get_slot("return_confirmed"),
            outcome=tracker.get_slot("return_outcome"),
        )

    @property
    def in_progress(self) -> bool:
        return bool(self.parcel) and self.outcome is None


def slot_value(slot: PickupSlot) -> List[str]:
    """A pickup slot as a slot value: [start, end] in ISO 8601."""
    return [slot.start.isoformat(), slot.end.isoformat()]


def slot_from_slot_value(value: List[str]) -> PickupSlot:
    return PickupSlot(datetime.fromisoformat(value[0]), datetime.fromisoformat(value[1]))


def cleared() -> List[EventType]:
    return [SlotSet(name, None) for name in SLOTS]


def ended(outcome: str) -> List[EventType]:
    """Ends the return form with this outcome, for action_finish_return to act on."""
    return [SlotSet("return_outcome", outcome), SlotSet("requested_slot", None)]


def offer_to_resume(tracker: Tracker) -> List[EventType]:
    """For an action that has just answered another request: offers to carry on with a
    return left in progress, if there is one."""
    return [FollowupAction(RESUME_ACTION)] if Draft.of(tracker).in_progress else []
