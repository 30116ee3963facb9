"""The demo carrier's SQLite tables, and how gateway objects become rows and back.

Times are stored as ISO 8601 text at +08:00 so they sort correctly as text. A parcel
row holds the carrier's *recorded* status; `parcel_from_row` applies the stuck rule
(see gateway.py) against the reader's clock.
"""
import json
import secrets
from datetime import datetime
from typing import Any, Dict, List

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
)
from sqlalchemy.engine import Row

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
from foundation.numbers import RETURN_NUMBER_DIGITS, RETURN_NUMBER_PREFIX

metadata = MetaData()

parcels_table = Table(
    "parcels",
    metadata,
    Column("tracking_number", String, primary_key=True),  # the primary key is indexed
    Column("status", String, nullable=False),
    Column("created_at", String, nullable=False),
    Column("promised_date", Date, nullable=False),
    Column("estimated_date", Date),
    Column("pickup_code", String),
    Column("delivered_to", String),
    Column("signed_by", String),
    Column("sender_name", String, nullable=False),
    Column("sender_phone", String, nullable=False, index=True),
    Column("sender_address", String, nullable=False),
    Column("recipient_name", String, nullable=False),
    Column("recipient_phone", String, nullable=False, index=True),
    Column("recipient_address", String, nullable=False),
)

scan_events_table = Table(
    "scan_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column(
        "tracking_number",
        String,
        ForeignKey("parcels.tracking_number"),
        nullable=False,
    ),
    Column("time", String, nullable=False),
    Column("place", String, nullable=False),
    Column("status", String, nullable=False),
    Column("description_zh", String, nullable=False),
    Column("description_en", String, nullable=False),
    Index("ix_scan_events_parcel_time", "tracking_number", "time"),
)

# The one-time code last texted to each phone; a new code replaces the row.
verification_codes_table = Table(
    "verification_codes",
    metadata,
    Column("phone", String, primary_key=True),
    Column("code", String, nullable=False),
    Column("expires_at", String, nullable=False),
    Column("tries", Integer, nullable=False),  # wrong codes given so far
    Column("used", Boolean, nullable=False),
)

# The text messages the demo courier "sent": what a real courier's SMS service would
# deliver to the phone.
sms_outbox_table = Table(
    "sms_outbox",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("phone", String, nullable=False, index=True),
    Column("text", String, nullable=False),
    Column("sent_at", String, nullable=False),
)

# Every code texted: to which phone, for which requester (the conversation), when,
# and whether it was typed in; what the limits on codes count (CodeLimits).
code_requests_table = Table(
    "code_requests",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("phone", String, nullable=False),
    Column("requester", String, nullable=False),
    Column("sent_at", String, nullable=False),
    Column("used", Boolean, nullable=False),
    Index("ix_code_requests_phone_time", "phone", "sent_at"),
    Index("ix_code_requests_requester_time", "requester", "sent_at"),
)

# One row per return. The return number is drawn at random (new_return_number), so
# knowing one return's number tells nothing of another's; the id only links the
# timeline. The unique idempotency key is what makes a repeated request find the return
# it made.
returns_table = Table(
    "returns",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("return_number", String, unique=True, index=True),
    Column("idempotency_key", String, nullable=False, unique=True),
    Column(
        "tracking_number",
        String,
        ForeignKey("parcels.tracking_number"),
        nullable=False,
        index=True,
    ),
    Column("category", String, nullable=False),
    Column("reason", String, nullable=False),
    Column("answers", String, nullable=False),  # JSON: condition id -> true/false
    Column("status", String, nullable=False),  # the newest event's, kept here to count
    Column("refund_state", String, nullable=False),
    Column("pickup_start", String, nullable=False),
    Column("pickup_end", String, nullable=False),
    Column("pickup_address", String, nullable=False),
    Column("pickup_city", String, nullable=False),  # see pickup_city()
    Column("created_at", String, nullable=False),
    Index("ix_returns_city_slot", "pickup_city", "pickup_start"),
    sqlite_autoincrement=True,
)

return_events_table = Table(
    "return_events",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("return_id", Integer, ForeignKey("returns.id"), nullable=False),
    Column("time", String, nullable=False),
    Column("status", String, nullable=False),
    Index("ix_return_events_return_time", "return_id", "time"),
)


def stored_time(time: datetime) -> str:
    """ISO 8601 text at +08:00 to the microsecond, so stored times compare as text."""
    return time.astimezone(SHANGHAI).isoformat(timespec="microseconds")


def read_time(stored: str) -> datetime:
    return datetime.fromisoformat(stored).astimezone(SHANGHAI)


def new_return_number() -> str:
    """A return number no one can guess from others: RT and 10 random digits."""
    digits = secrets.randbelow(10 ** RETURN_NUMBER_DIGITS)
    return f"{RETURN_NUMBER_PREFIX}{digits:0{RETURN_NUMBER_DIGITS}d}"


def pickup_city(address: str) -> str:
    """The city a pickup address is in, for the demo's capacity per slot and city: the
    address up to its first 市 (上海市, 浙江省杭州市), or its first six characters."""
    end = address.find("市")
    return address[: end + 1] if end >= 0 else address[:6]


def parcel_row(parcel: Parcel) -> Dict[str, Any]:
    return {
        "tracking_number": parcel.tracking_number,
        "status": parcel.status.value,
        "created_at": parcel.created_at.isoformat(),
        "promised_date": parcel.promised_date,
        "estimated_date": parcel.estimated_date,
        "pickup_code": parcel.pickup_code,
        "delivered_to": parcel.delivered_to,
        "signed_by": parcel.signed_by,
        "sender_name": parcel.sender.name,
        "sender_phone": parcel.sender.phone,
        "sender_address": parcel.sender.address,
        "recipient_name": parcel.recipient.name,
        "recipient_phone": parcel.recipient.phone,
        "recipient_address": parcel.recipient.address,
    }


def parcel_from_row(row: Row, events: List[ScanEvent], now: datetime) -> Parcel:
    return Parcel(
        tracking_number=row.tracking_number,
        status=current_status(ParcelStatus(row.status), events[-1].time, now),
        events=events,
        sender=Party(row.sender_name, row.sender_phone, row.sender_address),
        recipient=Party(row.recipient_name, row.recipient_phone, row.recipient_address),
        promised_date=row.promised_date,
        estimated_date=row.estimated_date,
        pickup_code=row.pickup_code,
        delivered_to=row.delivered_to,
        signed_by=row.signed_by,
    )


def scan_event_row(tracking_number: str, event: ScanEvent) -> Dict[str, Any]:
    return {
        "tracking_number": tracking_number,
        "time": event.time.isoformat(),
        "place": event.place,
        "status": event.status.value,
        "description_zh": event.description_zh,
        "description_en": event.description_en,
    }


def scan_event_from_row(row: Row) -> ScanEvent:
    return ScanEvent(
        time=read_time(row.time),
        place=row.place,
        status=ParcelStatus(row.status),
        description_zh=row.description_zh,
        description_en=row.description_en,
    )


def return_row(request: ReturnRequest, status: ReturnStatus, refund_state: RefundState,
               created_at: datetime) -> Dict[str, Any]:
    """The row of a return made from `request`, now in `status`, numbered anew."""
    return {
        "return_number": new_return_number(),
        "idempotency_key": request.idempotency_key,
        "tracking_number": request.tracking_number,
        "category": request.category,
        "reason": request.reason,
        "answers": json.dumps(request.answers, sort_keys=True),
        "status": status.value,
        "refund_state": refund_state.value,
        "pickup_start": stored_time(request.pickup_slot.start),
        "pickup_end": stored_time(request.pickup_slot.end),
        "pickup_address": request.pickup_address,
        "pickup_city": pickup_city(request.pickup_address),
        "created_at": stored_time(created_at),
    }


def return_from_row(row: Row, events: List[ReturnEvent]) -> Return:
    return Return(
        return_number=row.return_number,
        tracking_number=row.tracking_number,
        category=row.category,
        reason=row.reason,
        status=ReturnStatus(row.status),
        pickup_slot=PickupSlot(read_time(row.pickup_start), read_time(row.pickup_end)),
        pickup_address=row.pickup_address,
        refund_state=RefundState(row.refund_state),
        created_at=read_time(row.created_at),
        events=events,
    )


def return_event_row(return_id: int, event: ReturnEvent) -> Dict[str, Any]:
    return {"return_id": return_id, "time": stored_time(event.time), "status": event.status.value}


def return_event_from_row(row: Row) -> ReturnEvent:
    return ReturnEvent(read_time(row.time), ReturnStatus(row.status))
