"""The embedded demo carrier: parcels in a SQLite file, seeded on first use.

It lets the whole assistant run and be tested without the courier's systems. The file
is `CARRIER_DEMO_DB` (default var/carrier.db); when it is missing or empty it is filled
with the deterministic demo parcels of demo_seed.py, dated relative to the moment of
seeding. Delete the file to get fresh dates.
"""
import os
from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from sqlalchemy import bindparam, create_engine, or_, select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.pool import QueuePool

from actions.carrier.demo_seed import parcels_table, scan_events_table, seed
from actions.carrier.gateway import (
    SHANGHAI,
    CarrierGateway,
    Clock,
    Parcel,
    ParcelStatus,
    Party,
    ScanEvent,
    current_status,
    shanghai_now,
)
from bot.settings import VAR

DEFAULT_DB_PATH = VAR / "carrier.db"

PARCEL_BY_NUMBER = select(parcels_table).where(
    parcels_table.c.tracking_number == bindparam("tracking_number")
)
PARCELS_BY_PHONE = (
    select(parcels_table)
    .where(
        or_(
            parcels_table.c.recipient_phone == bindparam("phone"),
            parcels_table.c.sender_phone == bindparam("phone"),
        )
    )
    .order_by(parcels_table.c.created_at.desc())
)
EVENTS_OF_PARCELS = (
    select(scan_events_table)
    .where(scan_events_table.c.tracking_number.in_(bindparam("numbers", expanding=True)))
    .order_by(scan_events_table.c.time, scan_events_table.c.id)
)


class DemoCarrier(CarrierGateway):
    def __init__(self, db_url: str, clock: Clock = shanghai_now) -> None:
        seed(db_url, clock())
        # Keep connections open between lookups: opening the file costs more than a
        # lookup. A connection serves one lookup at a time, whichever thread asks.
        self._engine = create_engine(
            db_url, poolclass=QueuePool, connect_args={"check_same_thread": False}
        )
        self._clock = clock

    @classmethod
    def from_environment(cls) -> "DemoCarrier":
        path = Path(os.environ.get("CARRIER_DEMO_DB") or DEFAULT_DB_PATH)
        path.parent.mkdir(parents=True, exist_ok=True)
        return cls(f"sqlite:///{path}")

    # The lookups below are indexed SQLite reads that take well under a millisecond,
    # so they run synchronously inside the async methods rather than in a thread.

    async def get_parcel(self, tracking_number: str) -> Optional[Parcel]:
        with self._engine.connect() as connection:
            rows = connection.execute(PARCEL_BY_NUMBER, {"tracking_number": tracking_number}).all()
            parcels = self._with_events(connection, rows)
        return parcels[0] if parcels else None

    async def find_parcels_by_phone(self, phone: str) -> List[Parcel]:
        with self._engine.connect() as connection:
            rows = connection.execute(PARCELS_BY_PHONE, {"phone": phone}).all()
            return self._with_events(connection, rows)

    async def close(self) -> None:
        self._engine.dispose()

    def _with_events(self, connection: Connection, rows: Sequence[Row]) -> List[Parcel]:
        """The parcels of these rows, in the same order, each with its timeline."""
        events: Dict[str, List[ScanEvent]] = defaultdict(list)
        numbers = [row.tracking_number for row in rows]
        for event in connection.execute(EVENTS_OF_PARCELS, {"numbers": numbers}):
            events[event.tracking_number].append(
                ScanEvent(
                    time=datetime.fromisoformat(event.time).astimezone(SHANGHAI),
                    place=event.place,
                    status=ParcelStatus(event.status),
                    description_zh=event.description_zh,
                    description_en=event.description_en,
                )
            )
        now = self._clock()
        return [parcel_from_row(row, events[row.tracking_number], now) for row in rows]


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
