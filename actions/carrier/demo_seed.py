"""What a new demo store is filled with, and the filling.

`seed(db_url, now)` writes the parcels of demo_parcels.py and the returns of
`build_returns(parcels, now)` (one of some delivered parcels in each status, so status
checks have something to find) into an empty store. The verification code and text
message tables start empty; the demo gateway fills them. Return numbers are random,
the seeded ones too: tests find the seeded returns by status in the store.
"""
from datetime import datetime, time, timedelta
from typing import List

from sqlalchemy import create_engine, func, inspect, select, text
from sqlalchemy.engine import Connection

from actions.carrier.demo_parcels import build_parcels
from actions.carrier.demo_schema import (
    metadata,
    parcel_row,
    parcels_table,
    return_events_table,
    return_event_row,
    new_return_number,
    return_row,
    returns_table,
    scan_event_row,
    scan_events_table,
)
from actions.carrier.gateway import (
    PICKUP_WINDOWS,
    SHANGHAI,
    Parcel,
    ParcelStatus,
    PickupSlot,
    RefundState,
    Return,
    ReturnEvent,
    ReturnRequest,
    ReturnStatus,
)

# The demo returns: (status, category, reason), one return of a different delivered
# parcel each.
SEEDED_RETURNS = (
    (ReturnStatus.REQUESTED, "apparel", "no_reason"),
    (ReturnStatus.PICKUP_SCHEDULED, "shoes", "not_as_described"),
    (ReturnStatus.PICKED_UP, "electronics", "quality"),
    (ReturnStatus.IN_TRANSIT_TO_SELLER, "small_appliances", "wrong_item"),
    (ReturnStatus.RECEIVED_BY_SELLER, "books", "damaged_in_transit"),
    (ReturnStatus.REFUND_PENDING, "apparel", "quality"),
    (ReturnStatus.REFUNDED, "cosmetics", "no_reason"),
    (ReturnStatus.REJECTED, "electronics", "no_reason"),
    (ReturnStatus.CANCELLED, "shoes", "no_reason"),
)
# The statuses a return goes through, in order; it may be cancelled before pickup or
# rejected by the seller instead of refunded.
RETURN_PATH = (
    ReturnStatus.REQUESTED,
    ReturnStatus.PICKUP_SCHEDULED,
    ReturnStatus.PICKED_UP,
    ReturnStatus.IN_TRANSIT_TO_SELLER,
    ReturnStatus.RECEIVED_BY_SELLER,
    ReturnStatus.REFUND_PENDING,
    ReturnStatus.REFUNDED,
)
REFUND_STATES = {
    ReturnStatus.REFUND_PENDING: RefundState.PENDING,
    ReturnStatus.REFUNDED: RefundState.REFUNDED,
}


def build_returns(parcels: List[Parcel], now: datetime) -> List[Return]:
    """The demo returns, with random numbers, for these parcels.

    Returns still waiting for their pickup were requested two hours ago for tomorrow
    morning; the others were requested four days ago and collected the next morning.
    Each is of a parcel delivered well before it was requested.
    """
    now = now.astimezone(SHANGHAI).replace(second=0, microsecond=0)
    tomorrow = now.date() + timedelta(days=1)
    four_days_ago = datetime.combine(now.date() - timedelta(days=4), time(20), SHANGHAI)
    first_start, first_end = PICKUP_WINDOWS[0]
    delivered = [
        parcel
        for parcel in parcels
        if parcel.status is ParcelStatus.DELIVERED and parcel.last_scan.time < four_days_ago
    ]
    returns = []
    for parcel, (status, category, reason) in zip(delivered, SEEDED_RETURNS):
        waiting = status in (
            ReturnStatus.REQUESTED, ReturnStatus.PICKUP_SCHEDULED, ReturnStatus.CANCELLED
        )
        created = now - timedelta(hours=2) if waiting else four_days_ago
        pickup_day = tomorrow if waiting else created.date() + timedelta(days=1)
        slot = PickupSlot(
            datetime.combine(pickup_day, first_start, SHANGHAI),
            datetime.combine(pickup_day, first_end, SHANGHAI),
        )
        returns.append(
            Return(
                return_number=new_return_number(),
                tracking_number=parcel.tracking_number,
                category=category,
                reason=reason,
                status=status,
                pickup_slot=slot,
                pickup_address=parcel.recipient.address,
                refund_state=REFUND_STATES.get(status, RefundState.NONE),
                created_at=created,
                events=seeded_return_events(status, created, slot),
            )
        )
    return returns


def seeded_return_events(status: ReturnStatus, created: datetime,
                         slot: PickupSlot) -> List[ReturnEvent]:
    """The timeline of a demo return now in `status`: the pickup an hour and a half
    into its slot, a few hours to the seller, a day for each of the seller's steps."""
    if status is ReturnStatus.CANCELLED:
        path = [ReturnStatus.REQUESTED, ReturnStatus.CANCELLED]
    elif status is ReturnStatus.REJECTED:
        path = list(RETURN_PATH[: RETURN_PATH.index(ReturnStatus.RECEIVED_BY_SELLER) + 1])
        path.append(ReturnStatus.REJECTED)
    else:
        path = list(RETURN_PATH[: RETURN_PATH.index(status) + 1])
    picked_up = slot.start + timedelta(minutes=90)
    times = {
        ReturnStatus.REQUESTED: created,
        ReturnStatus.PICKUP_SCHEDULED: created + timedelta(minutes=30),
        ReturnStatus.CANCELLED: created + timedelta(hours=1),
        ReturnStatus.PICKED_UP: picked_up,
        ReturnStatus.IN_TRANSIT_TO_SELLER: picked_up + timedelta(hours=4),
        ReturnStatus.RECEIVED_BY_SELLER: picked_up + timedelta(days=1),
        ReturnStatus.REFUND_PENDING: picked_up + timedelta(days=1, hours=2),
        ReturnStatus.REJECTED: picked_up + timedelta(days=1, hours=2),
        ReturnStatus.REFUNDED: picked_up + timedelta(days=2),
    }
    return [ReturnEvent(times[step], step) for step in path]

def seeded_request(ret: Return) -> ReturnRequest:
    """The request a seeded return stands for: no answers, and a key of its own."""
    return ReturnRequest(
        tracking_number=ret.tracking_number,
        category=ret.category,
        reason=ret.reason,
        answers={},
        pickup_slot=ret.pickup_slot,
        pickup_address=ret.pickup_address,
        idempotency_key=f"demo-seed:{ret.tracking_number}",
    )


def seed(db_url: str, now: datetime) -> int:
    """Fills an empty store with the demo parcels; returns how many it added.

    A store that already has parcels is left alone (0 is returned), apart from gaining
    the tables it lacks: a store made by an older version gets the newer tables, and
    its returns random numbers (see `number_old_returns`). All rows go in one
    transaction, so a crash half-way leaves an empty store that is seeded again on the
    next start, never half a seed.
    """
    engine = create_engine(db_url)
    try:
        metadata.create_all(engine)  # before the early return below: see the docstring
        with engine.begin() as connection:
            number_old_returns(connection)
            count = select(func.count()).select_from(parcels_table)
            if connection.execute(count).scalar():
                return 0
            parcels = build_parcels(now)
            connection.execute(parcels_table.insert(), [parcel_row(p) for p in parcels])
            connection.execute(
                scan_events_table.insert(),
                [scan_event_row(p.tracking_number, e) for p in parcels for e in p.events],
            )
            returns = build_returns(parcels, now)
            connection.execute(
                returns_table.insert(),
                [
                    {**return_row(seeded_request(r), r.status, r.refund_state, r.created_at),
                     "id": serial, "return_number": r.return_number}
                    for serial, r in enumerate(returns, start=1)
                ],
            )
            connection.execute(
                return_events_table.insert(),
                [
                    return_event_row(serial, e)
                    for serial, r in enumerate(returns, start=1)
                    for e in r.events
                ],
            )
        return len(parcels)
    finally:
        engine.dispose()


def number_old_returns(connection: Connection) -> None:
    """A store from when return numbers were the row ids (RT0000000042 was row 42, so
    the next one was easy to guess) gets the return_number column, and each of its
    returns a random number."""
    if "return_number" in {column["name"] for column in inspect(connection).get_columns("returns")}:
        return
    connection.execute(text("ALTER TABLE returns ADD COLUMN return_number VARCHAR"))
    for return_id in connection.execute(select(returns_table.c.id)).scalars().all():
        connection.execute(
            returns_table.update().where(returns_table.c.id == return_id),
            {"return_number": new_return_number()},
        )
    for index in returns_table.indexes:
        if index.columns.keys() == ["return_number"]:
            index.create(connection)
