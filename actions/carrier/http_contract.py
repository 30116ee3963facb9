"""The tracking API's JSON, read into the gateway's data classes and written from them.

The contract is in README.md beside this file. Every reader raises ValueError naming the
field that breaks it ("parcel [2].events[0].time has an invalid value '…'"); the HTTP
adapter turns that into a GatewayError.
"""
from datetime import date, datetime
from typing import Any, Callable, Dict, List, Optional, TypeVar

from actions.carrier.gateway import (
    SHANGHAI,
    Parcel,
    ParcelStatus,
    Party,
    PickupSlot,
    RefundState,
    Return,
    ReturnEvent,
    ReturnRequest,
    ReturnStatus,
    ScanEvent,
    current_status,
)

T = TypeVar("T")
Timed = TypeVar("Timed", ScanEvent, ReturnEvent)


def verdict_from_json(data: Any) -> bool:
    answer = checked(data, dict, "the check answer")
    return checked(field(answer, "valid", "the check answer"), bool, "the check answer.valid")


def parcels_from_json(data: Any, now: datetime) -> List[Parcel]:
    return listed(data, "the parcel list", "parcel ",
                  lambda item, where: parcel_from_json(item, now, where))


def parcel_from_json(data: Any, now: datetime, where: str = "parcel") -> Parcel:
    parcel = checked(data, dict, where)
    events = timeline(parcel, where, event_from_json)
    if not events:
        raise ValueError(f"{where}.events is empty; it must hold at least the 'created' scan")
    recorded = parsed(parcel, "status", ParcelStatus, where)
    return Parcel(
        tracking_number=text(parcel, "tracking_number", where),
        status=current_status(recorded, events[-1].time, now),
        events=events,
        sender=party_from_json(field(parcel, "sender", where), f"{where}.sender"),
        recipient=party_from_json(field(parcel, "recipient", where), f"{where}.recipient"),
        promised_date=parsed(parcel, "promised_date", date.fromisoformat, where),
        estimated_date=optional(parcel, "estimated_date", date.fromisoformat, where),
        pickup_code=optional(parcel, "pickup_code", str, where),
        delivered_to=optional(parcel, "delivered_to", str, where),
        signed_by=optional(parcel, "signed_by", str, where),
    )


def party_from_json(data: Any, where: str) -> Party:
    party = checked(data, dict, where)
    return Party(
        name=text(party, "name", where),
        phone=text(party, "phone", where),
        address=text(party, "address", where),
    )


def event_from_json(data: Any, where: str) -> ScanEvent:
    event = checked(data, dict, where)
    return ScanEvent(
        time=parsed(event, "time", shanghai_time, where),
        place=text(event, "place", where),
        status=parsed(event, "status", ParcelStatus, where),
        description_zh=text(event, "description_zh", where),
        description_en=text(event, "description_en", where),
    )


def return_request_json(request: ReturnRequest) -> Dict[str, Any]:
    return {
        "tracking_number": request.tracking_number,
        "category": request.category,
        "reason": request.reason,
        "answers": request.answers,
        "pickup_slot": slot_json(request.pickup_slot),
        "pickup_address": request.pickup_address,
        "idempotency_key": request.idempotency_key,
    }


def slot_json(slot: PickupSlot) -> Dict[str, str]:
    return {"start": slot.start.isoformat(), "end": slot.end.isoformat()}


def slots_from_json(data: Any) -> List[PickupSlot]:
    return listed(data, "the slot list", "slot ", slot_from_json)


def slot_from_json(data: Any, where: str) -> PickupSlot:
    slot = checked(data, dict, where)
    return PickupSlot(
        start=parsed(slot, "start", shanghai_time, where),
        end=parsed(slot, "end", shanghai_time, where),
    )


def returns_from_json(data: Any) -> List[Return]:
    return listed(data, "the return list", "return ", return_from_json)


def return_from_json(data: Any, where: str = "return") -> Return:
    ret = checked(data, dict, where)
    events = timeline(ret, where, return_event_from_json)
    return Return(
        return_number=text(ret, "return_number", where),
        tracking_number=text(ret, "tracking_number", where),
        category=text(ret, "category", where),
        reason=text(ret, "reason", where),
        status=parsed(ret, "status", ReturnStatus, where),
        pickup_slot=slot_from_json(field(ret, "pickup_slot", where), f"{where}.pickup_slot"),
        pickup_address=text(ret, "pickup_address", where),
        refund_state=parsed(ret, "refund_state", RefundState, where),
        created_at=parsed(ret, "created_at", shanghai_time, where),
        events=events,
    )


def return_event_from_json(data: Any, where: str) -> ReturnEvent:
    event = checked(data, dict, where)
    return ReturnEvent(
        time=parsed(event, "time", shanghai_time, where),
        status=parsed(event, "status", ReturnStatus, where),
    )


def shanghai_time(value: str) -> datetime:
    time = datetime.fromisoformat(value)
    if time.tzinfo is None:
        raise ValueError("a time needs its UTC offset")
    return time.astimezone(SHANGHAI)


# Readers for the JSON fields: each raises ValueError saying which field is wrong.


def listed(data: Any, where: str, item_name: str,
           read: Callable[[Any, str], T]) -> List[T]:
    """A list, each item read by `read`, which is told the item's place: item_name[i]."""
    items = checked(data, list, where)
    return [read(item, f"{item_name}[{index}]") for index, item in enumerate(items)]


def timeline(data: Dict[str, Any], where: str, read: Callable[[Any, str], Timed]) -> List[Timed]:
    """The `events` of a parcel or a return, oldest first."""
    events = listed(field(data, "events", where), f"{where}.events", f"{where}.events", read)
    events.sort(key=lambda event: event.time)  # the contract says oldest first; make sure
    return events


def field(data: Dict[str, Any], key: str, where: str) -> Any:
    if data.get(key) is None:
        raise ValueError(f"{where} has no '{key}'")
    return data[key]


JSON_TYPES = {dict: "an object", list: "a list", str: "a string", int: "a number",
              float: "a number", bool: "true or false", type(None): "null"}


def checked(value: Any, kind: type, where: str) -> Any:
    if not isinstance(value, kind):
        raise ValueError(f"{where} is {JSON_TYPES[type(value)]}, not {JSON_TYPES[kind]}")
    return value


def text(data: Dict[str, Any], key: str, where: str) -> str:
    return checked(field(data, key, where), str, f"{where}.{key}")


def parsed(data: Dict[str, Any], key: str, parse: Callable[[str], T], where: str) -> T:
    value = text(data, key, where)
    try:
        return parse(value)
    except ValueError:
        raise ValueError(f"{where}.{key} has an invalid value {value!r}") from None


def optional(data: Dict[str, Any], key: str, parse: Callable[[str], T], where: str) -> Optional[T]:
    """An optional field: absent or null gives None."""
    return None if data.get(key) is None else parsed(data, key, parse, where)
