"""The embedded demo carrier: parcels in a SQLite file, seeded on first use.

It lets the whole assistant run and be tested without the courier's systems. The file
is `CARRIER_DEMO_DB` (default var/carrier.db); when it is missing or empty it is filled
by demo_seed.py with the deterministic demo parcels and returns, dated relative to the
moment of seeding. Delete the file to get fresh dates. The tables are in demo_schema.py.

Verification codes are "texted" by writing the message to the `sms_outbox` table, and
logged, so whoever runs the demo can read them (see `send_verification_code`). The
`code_requests` table counts them against the limits (CodeLimits, from
SMS_CODES_PER_PHONE_PER_HOUR and SMS_CODES_PER_CONVERSATION_PER_DAY).

Returns are rows of the `returns` table; the demo courier collects at most
RETURN_PICKUPS_PER_SLOT returns per pickup slot in each city. Nothing moves a return
along after it is booked: the seeded returns show the later statuses.
"""
import logging
import secrets
from collections import defaultdict
from datetime import datetime, timedelta
from typing import Dict, List, Optional, Sequence

from sqlalchemy import and_, bindparam, create_engine, func, or_, select
from sqlalchemy.engine import Connection, Row
from sqlalchemy.exc import IntegrityError
from sqlalchemy.sql import Select
from sqlalchemy.pool import QueuePool

from actions.carrier.demo_schema import (
    code_requests_table,
    parcel_from_row,
    parcels_table,
    pickup_city,
    return_event_from_row,
    return_event_row,
    return_events_table,
    return_from_row,
    return_row,
    returns_table,
    scan_event_from_row,
    scan_events_table,
    sms_outbox_table,
    stored_time,
    verification_codes_table,
)
from actions.carrier.demo_seed import seed
from actions.carrier.gateway import (
    PICKUP_DAYS,
    VERIFICATION_CODE_DIGITS,
    VERIFICATION_CODE_TTL,
    VERIFICATION_MAX_TRIES,
    CarrierGateway,
    Clock,
    CodeLimits,
    GatewayError,
    Parcel,
    ParcelStatus,
    PickupSlot,
    RefundState,
    Return,
    ReturnEvent,
    ReturnRequest,
    ReturnStatus,
    ScanEvent,
    TooManyCodes,
    pickup_windows,
    shanghai_now,
)
from foundation.privacy import mask_phone
from foundation.settings import carrier_demo_db

logger = logging.getLogger(__name__)


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
requests = code_requests_table.c
UNUSED_CODES_TO_PHONE = select(func.count()).where(
    requests.phone == bindparam("phone"),
    requests.used.is_(False),
    requests.sent_at > bindparam("since"),
)
CODES_OF_REQUESTER = select(func.count()).where(
    requests.requester == bindparam("requester"), requests.sent_at > bindparam("since")
)
# Only the code last sent to a phone can be used, so a used code is the phone's last.
MARK_LAST_CODE_USED = (
    code_requests_table.update()
    .where(
        requests.id
        == select(func.max(requests.id))
        .where(requests.phone == bindparam("for_phone"))
        .scalar_subquery()
    )
    .values(used=True)
)
TEXTS_TO_PHONE = (
    select(sms_outbox_table.c.text)
    .where(sms_outbox_table.c.phone == bindparam("phone"))
    .order_by(sms_outbox_table.c.id)
)

# How many returns the demo courier collects in one pickup slot in one city.
RETURN_PICKUPS_PER_SLOT = 5
# Returns that still hold their place in a pickup slot.
AWAITING_PICKUP = (ReturnStatus.REQUESTED.value, ReturnStatus.PICKUP_SCHEDULED.value)

returns = returns_table.c
RETURN_BY_ID = select(returns_table).where(returns.id == bindparam("return_id"))
RETURN_BY_NUMBER = select(returns_table).where(returns.return_number == bindparam("number"))
RETURN_BY_KEY = select(returns_table).where(returns.idempotency_key == bindparam("key"))
RETURNS_OF_PARCEL = (
    select(returns_table)
    .where(returns.tracking_number == bindparam("tracking_number"))
    .order_by(returns.created_at.desc(), returns.id.desc())
)
EVENTS_OF_RETURNS = (
    select(return_events_table)
    .where(return_events_table.c.return_id.in_(bindparam("ids", expanding=True)))
    .order_by(return_events_table.c.time, return_events_table.c.id)
)
BOOKED_BY_SLOT = (
    select(returns.pickup_start, func.count())
    .where(
        returns.pickup_city == bindparam("city"),
        returns.pickup_start.in_(bindparam("starts", expanding=True)),
        returns.status.in_(AWAITING_PICKUP),
    )
    .group_by(returns.pickup_start)
)


# Attempts at a fresh random return number; two draws colliding is one in ten billion.
NUMBER_DRAWS = 5


class DemoCarrier(CarrierGateway):
    def __init__(self, db_url: str, clock: Clock = shanghai_now,
                 code_limits: CodeLimits = CodeLimits()) -> None:
        seed(db_url, clock())
        # Keep connections open between lookups: opening the file costs more than a
        # lookup. A connection serves one lookup at a time, whichever thread asks.
        self._engine = create_engine(
            db_url, poolclass=QueuePool, connect_args={"check_same_thread": False}
        )
        self._clock = clock
        self._code_limits = code_limits

    @classmethod
    def from_environment(cls) -> "DemoCarrier":
        path = carrier_demo_db()
        path.parent.mkdir(parents=True, exist_ok=True)
        return cls(f"sqlite:///{path}", code_limits=CodeLimits.from_environment())

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

    async def send_verification_code(self, phone: str, requester: str) -> None:
        code = f"{secrets.randbelow(10 ** VERIFICATION_CODE_DIGITS):0{VERIFICATION_CODE_DIGITS}d}"
        now = self._clock()
        minutes = VERIFICATION_CODE_TTL // timedelta(minutes=1)
        text = VERIFICATION_TEXT.format(code=code, minutes=minutes)
        with self._engine.begin() as connection:
            # The request is written first: it takes SQLite's write lock, so requests at
            # the same moment are counted one after the other. Raising rolls it back.
            connection.execute(
                code_requests_table.insert(),
                {"phone": phone, "requester": requester, "sent_at": stored_time(now),
                 "used": False},
            )
            self._check_code_limits(connection, phone, requester, now)
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
        logger.info("Demo carrier texted verification code %s to %s.", code, mask_phone(phone))

    async def check_verification_code(self, phone: str, code: str) -> bool:
        given = {"for_phone": phone, "given_code": code, "checked_at": stored_time(self._clock())}
        with self._engine.begin() as connection:
            if connection.execute(USE_CODE, given).rowcount:
                connection.execute(MARK_LAST_CODE_USED, given)
                return True
            connection.execute(COUNT_WRONG_TRY, given)
            return False

    def _check_code_limits(self, connection: Connection, phone: str, requester: str,
                           now: datetime) -> None:
        """TooManyCodes when the request just written puts the phone or the requester
        over its limit."""
        limits = self._code_limits
        unused = connection.execute(
            UNUSED_CODES_TO_PHONE,
            {"phone": phone, "since": stored_time(now - limits.phone_window)},
        ).scalar()
        asked = connection.execute(
            CODES_OF_REQUESTER,
            {"requester": requester, "since": stored_time(now - limits.requester_window)},
        ).scalar()
        if unused > limits.per_phone or asked > limits.per_requester:
            raise TooManyCodes(
                f"No code sent: at most {limits.per_phone} unused codes per phone an hour "
                f"and {limits.per_requester} codes per conversation a day "
                "(SMS_CODES_PER_PHONE_PER_HOUR, SMS_CODES_PER_CONVERSATION_PER_DAY)."
            )

    def outbox(self, phone: str) -> List[str]:
        """The texts "sent" to this phone, oldest first: the demo's stand-in for the
        phone itself, for tests and operators."""
        with self._engine.connect() as connection:
            return connection.execute(TEXTS_TO_PHONE, {"phone": phone}).scalars().all()

    async def pickup_slots(self, tracking_number: str, days: int = PICKUP_DAYS) -> List[PickupSlot]:
        with self._engine.connect() as connection:
            parcel = self._returnable_parcel(connection, tracking_number)
            city = pickup_city(parcel.recipient_address)
            slots = pickup_windows(self._clock(), days)
            booked = self._booked(connection, city, slots)
        return [slot for slot in slots if booked.get(slot, 0) < RETURN_PICKUPS_PER_SLOT]

    async def create_return(self, request: ReturnRequest) -> Return:
        now = self._clock()
        slot = request.pickup_slot
        city = pickup_city(request.pickup_address)
        with self._engine.connect() as connection:
            self._returnable_parcel(connection, request.tracking_number)
        with self._engine.begin() as connection:
            # The insert comes first: it takes SQLite's write lock, so no other booking
            # can change the slot's count below until this transaction ends.
            for _ in range(NUMBER_DRAWS):
                try:
                    row = return_row(request, ReturnStatus.REQUESTED, RefundState.NONE, now)
                    return_id = connection.execute(returns_table.insert(), row).inserted_primary_key[0]
                    break
                except IntegrityError:
                    # A request with this key was stored before, maybe a moment ago: a
                    # repeat gets that return, even once its slot is full or past.
                    # Else the number drawn was taken: draw again.
                    stored = self._returns(connection, RETURN_BY_KEY,
                                           {"key": request.idempotency_key})
                    if stored:
                        return stored[0]
            else:
                raise GatewayError("No free return number was found; try again.")
            # Raising below leaves the block, which rolls the insert back.
            if slot not in pickup_windows(now):
                raise GatewayError(
                    f"The pickup slot {slot.start:%Y-%m-%d %H:%M} for the return of parcel "
                    f"{request.tracking_number} is not offered: it is past, too soon or not a "
                    "pickup window. Offer the slots pickup_slots() gives."
                )
            if self._booked(connection, city, [slot])[slot] > RETURN_PICKUPS_PER_SLOT:
                raise GatewayError(
                    f"The pickup slot {slot.start:%Y-%m-%d %H:%M} for the return of parcel "
                    f"{request.tracking_number} is full. Offer the slots pickup_slots() gives."
                )
            connection.execute(
                return_events_table.insert(),
                return_event_row(return_id, ReturnEvent(now, ReturnStatus.REQUESTED)),
            )
            return self._returns(connection, RETURN_BY_ID, {"return_id": return_id})[0]

    async def get_return(self, return_number: str) -> Optional[Return]:
        with self._engine.connect() as connection:
            found = self._returns(connection, RETURN_BY_NUMBER, {"number": return_number})
        return found[0] if found else None

    async def returns_of_parcel(self, tracking_number: str) -> List[Return]:
        with self._engine.connect() as connection:
            return self._returns(
                connection, RETURNS_OF_PARCEL, {"tracking_number": tracking_number}
            )

    async def close(self) -> None:
        self._engine.dispose()

    @staticmethod
    def _returnable_parcel(connection: Connection, tracking_number: str) -> Row:
        """The parcel's row; GatewayError unless the parcel exists and was delivered."""
        row = connection.execute(PARCEL_BY_NUMBER, {"tracking_number": tracking_number}).first()
        if row is None:
            raise GatewayError(f"The carrier has no parcel {tracking_number} to return.")
        if row.status != ParcelStatus.DELIVERED.value:
            raise GatewayError(
                f"Parcel {tracking_number} cannot be returned: it is {row.status}, "
                "not delivered."
            )
        return row

    @staticmethod
    def _booked(connection: Connection, city: str,
                slots: List[PickupSlot]) -> Dict[PickupSlot, int]:
        """How many returns awaiting pickup each of these slots holds in the city."""
        by_start = {stored_time(slot.start): slot for slot in slots}
        counts = connection.execute(BOOKED_BY_SLOT, {"city": city, "starts": list(by_start)})
        booked = dict.fromkeys(slots, 0)
        booked.update({by_start[start]: count for start, count in counts})
        return booked

    @staticmethod
    def _returns(connection: Connection, query: Select,
                 parameters: Dict[str, object]) -> List[Return]:
        """The returns the query selects, in its order, each with its timeline."""
        rows = connection.execute(query, parameters).all()
        events: Dict[int, List[ReturnEvent]] = defaultdict(list)
        for event in connection.execute(EVENTS_OF_RETURNS, {"ids": [row.id for row in rows]}):
            events[event.return_id].append(return_event_from_row(event))
        return [return_from_row(row, events[row.id]) for row in rows]

    def _with_events(self, connection: Connection, rows: Sequence[Row]) -> List[Parcel]:
        """The parcels of these rows, in the same order, each with its timeline."""
        events: Dict[str, List[ScanEvent]] = defaultdict(list)
        numbers = [row.tracking_number for row in rows]
        for event in connection.execute(EVENTS_OF_PARCELS, {"numbers": numbers}):
            events[event.tracking_number].append(scan_event_from_row(event))
        now = self._clock()
        return [parcel_from_row(row, events[row.tracking_number], now) for row in rows]

