"""The embedded demo carrier: parcels in a SQLite file, seeded on first use.

It lets the whole assistant run and be tested without the courier's systems. The file
is `CARRIER_DEMO_DB` (default var/carrier.db); when it is missing or empty it is filled
with the deterministic demo parcels of demo_seed.py, dated relative to the moment of
seeding. Delete the file to get fresh dates.

Verification codes are "texted" by writing the message to the `sms_outbox` table, and
logged, so whoever runs the demo can read them (see `send_verification_code`).
"""
import logging
import os
import secrets
from collections import defaultdict
from datetime import datetime, timedelta
from pathlib import Path
from typing import Dict, List, Optional, Sequence

from sqlalchemy import and_, bindparam, create_engine, or_, select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.pool import QueuePool

from actions.carrier.demo_seed import (
    parcels_table,
    scan_events_table,
    seed,
    sms_outbox_table,
    verification_codes_table,
)
from actions.carrier.gateway import (
    SHANGHAI,
    VERIFICATION_CODE_DIGITS,
    VERIFICATION_CODE_TTL,
    VERIFICATION_MAX_TRIES,
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

logger = logging.getLogger(__name__)

DEFAULT_DB_PATH = VAR / "carrier.db"

# The text a real courier's SMS service sends, in Chinese and English.
VERIFICATION_TEXT = (
    "【快递】您的验证码是 {code}，{minutes} 分钟内有效。"
    "Your verification code is {code}, valid for {minutes} minutes."
)

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

# Bind names differ from column names: SQLAlchemy reserves those in UPDATE statements.
codes = verification_codes_table.c
REPLACE_CODE = verification_codes_table.insert().prefix_with("OR REPLACE")
OPEN_CODE_OF_PHONE = and_(
    codes.phone == bindparam("for_phone"),
    codes.used.is_(False),
    codes.tries < VERIFICATION_MAX_TRIES,
    codes.expires_at >= bindparam("checked_at"),
)
# Each check is one of these conditional UPDATEs, so the row is read and changed in one
# statement: two checks at the same moment cannot both use a code or both miss a try.
USE_CODE = (
    verification_codes_table.update()
    .where(OPEN_CODE_OF_PHONE, codes.code == bindparam("given_code"))
    .values(used=True)
)
COUNT_WRONG_TRY = (
    verification_codes_table.update().where(OPEN_CODE_OF_PHONE).values(tries=codes.tries + 1)
)
TEXTS_TO_PHONE = (
    select(sms_outbox_table.c.text)
    .where(sms_outbox_table.c.phone == bindparam("phone"))
    .order_by(sms_outbox_table.c.id)
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

    # The lookups below are indexed SQLite reads, and the verification codes one-row
    # writes, that take well under a millisecond, so they run synchronously inside the
    # async methods rather than in a thread.

    async def get_parcel(self, tracking_number: str) -> Optional[Parcel]:
        with self._engine.connect() as connection:
            rows = connection.execute(PARCEL_BY_NUMBER, {"tracking_number": tracking_number}).all()
            parcels = self._with_events(connection, rows)
        return parcels[0] if parcels else None

    async def find_parcels_by_phone(self, phone: str) -> List[Parcel]:
        with self._engine.connect() as connection:
            rows = connection.execute(PARCELS_BY_PHONE, {"phone": phone}).all()
            return self._with_events(connection, rows)

    async def send_verification_code(self, phone: str) -> None:
        code = f"{secrets.randbelow(10 ** VERIFICATION_CODE_DIGITS):0{VERIFICATION_CODE_DIGITS}d}"
        now = self._clock()
        minutes = VERIFICATION_CODE_TTL // timedelta(minutes=1)
        text = VERIFICATION_TEXT.format(code=code, minutes=minutes)
        with self._engine.begin() as connection:
            connection.execute(
                REPLACE_CODE,
                {
                    "phone": phone,
                    "code": code,
                    "expires_at": stored_time(now + VERIFICATION_CODE_TTL),
                    "tries": 0,
                    "used": False,
                },
            )
            connection.execute(
                sms_outbox_table.insert(),
                {"phone": phone, "text": text, "sent_at": stored_time(now)},
            )
        # Demo only: no text message reaches a phone, so the operator reads the code in
        # the action server's log. A real carrier never logs codes.
        logger.info("Demo carrier texted verification code %s to %s.", code, _masked_phone(phone))

    async def check_verification_code(self, phone: str, code: str) -> bool:
        given = {"for_phone": phone, "given_code": code, "checked_at": stored_time(self._clock())}
        with self._engine.begin() as connection:
            if connection.execute(USE_CODE, given).rowcount:
                return True
            connection.execute(COUNT_WRONG_TRY, given)
            return False

    def outbox(self, phone: str) -> List[str]:
        """The texts "sent" to this phone, oldest first: the demo's stand-in for the
        phone itself, for tests and operators."""
        with self._engine.connect() as connection:
            return connection.execute(TEXTS_TO_PHONE, {"phone": phone}).scalars().all()

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


def stored_time(time: datetime) -> str:
    """ISO 8601 text at +08:00 to the microsecond, so stored times compare as text."""
    return time.astimezone(SHANGHAI).isoformat(timespec="microseconds")


def _masked_phone(phone: str) -> str:
    """The phone as logs may show it: 13812345678 → 138****5678."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 8 else "*" * len(phone)
