"""The one interface the bot uses to ask the courier's systems about parcels.

Actions only ever talk to a `CarrierGateway`; which system answers (the embedded demo
store or the courier's HTTP API) is chosen by `create_gateway()` in `__init__.py`.

A parcel's `status` is what the customer should be told. It is the carrier's latest
status, except that a parcel still on its way with no scan for more than 72 hours is
reported as `STUCK`. Each gateway applies that rule with `current_status()` when it
builds a `Parcel`, against its own clock, so the bot never does time arithmetic.

A customer who looks parcels up by phone number first proves the phone is theirs: the
courier texts a one-time code to it and the bot checks what the customer types.

A customer returns a delivered parcel by booking a pickup: the carrier offers slots,
`create_return` books one and gives a return number (RMA), and the return's status
then follows the parcel back to the seller and the refund.
"""
import abc
import enum
import os
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Callable, Dict, List, NamedTuple, Optional, Tuple, TypeVar

from foundation.clock import SHANGHAI, courier_now

STUCK_AFTER = timedelta(hours=72)

Clock = Callable[[], datetime]
T = TypeVar("T")

# One-time SMS codes. Six digits are quick to type from a text message; with only five
# tries before a code is void, a guesser has 5 chances in a million per code sent.
VERIFICATION_CODE_DIGITS = 6
VERIFICATION_CODE_TTL = timedelta(minutes=10)  # how long a sent code is accepted
VERIFICATION_MAX_TRIES = 5  # wrong codes after which the code is void


# Return pickups. Couriers collect in three windows a day; a slot starting within two
# hours cannot be given to a courier's round any more, so it is not offered.
PICKUP_WINDOWS: Tuple[Tuple[time, time], ...] = (
    (time(9), time(12)),
    (time(13), time(18)),
    (time(18), time(21)),
)
PICKUP_LEAD_TIME = timedelta(hours=2)
PICKUP_DAYS = 3  # today and the two days after it


def shanghai_now() -> datetime:
    """The courier's time of day (foundation/clock.py; tests fix it)."""
    return courier_now(SHANGHAI)


class GatewayError(Exception):
    """The carrier's system is unavailable or answered something unusable.

    The message says what failed and what an operator can check.
    """


class TooManyCodes(Exception):
    """The courier texts no more codes for now: the phone, or the conversation asking,
    has had its share (`CodeLimits`). Nothing was sent."""


def setting(name: str, default: T, kind: Callable[[str], T]) -> T:
    """A non-negative number from the environment variable `name`, else `default`."""
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        value = None
    if value is None or value < 0:
        raise ValueError(f"{name} must be a non-negative {kind.__name__}, not {raw!r}.")
    return value


@dataclass(frozen=True)
class CodeLimits:
    """How many SMS codes the courier texts before refusing with TooManyCodes.

    Per phone, only codes never typed in count: the phone's owner, who types each code,
    is not held back, while someone asking codes for a phone that is not theirs (SMS
    bombing) gets `per_phone` texts to it an hour. Per conversation every code counts,
    so one conversation cannot text a list of phones.
    """

    per_phone: int = 3  # unused codes to one phone within `phone_window`
    per_requester: int = 5  # codes asked by one conversation within `requester_window`
    phone_window: timedelta = timedelta(hours=1)
    requester_window: timedelta = timedelta(days=1)

    @classmethod
    def from_environment(cls) -> "CodeLimits":
        return cls(
            per_phone=setting("SMS_CODES_PER_PHONE_PER_HOUR", cls.per_phone, int),
            per_requester=setting("SMS_CODES_PER_CONVERSATION_PER_DAY", cls.per_requester, int),
        )


class ParcelStatus(str, enum.Enum):
    CREATED = "created"
    PICKED_UP = "picked_up"
    IN_TRANSIT = "in_transit"
    AT_BRANCH = "at_branch"
    OUT_FOR_DELIVERY = "out_for_delivery"
    DELIVERED = "delivered"
    DELIVERY_FAILED = "delivery_failed"
    HELD = "held"
    RETURNED_TO_SENDER = "returned_to_sender"
    DAMAGED = "damaged"
    LOST = "lost"
    STUCK = "stuck"


# Statuses in which the courier is moving the parcel and a new scan is expected soon.
# A parcel waiting for its sender (created) or customer (held, delivery_failed), or
# one whose journey has ended, is not "stuck" however long it has been quiet.
MOVING_STATUSES = frozenset(
    {
        ParcelStatus.PICKED_UP,
        ParcelStatus.IN_TRANSIT,
        ParcelStatus.AT_BRANCH,
        ParcelStatus.OUT_FOR_DELIVERY,
    }
)


def current_status(recorded: ParcelStatus, last_scan: datetime, now: datetime) -> ParcelStatus:
    """The carrier's recorded status, or STUCK if a moving parcel is quiet > 72 h."""
    if recorded in MOVING_STATUSES and now - last_scan > STUCK_AFTER:
        return ParcelStatus.STUCK
    return recorded


@dataclass(frozen=True)
class Party:
    name: str
    phone: str  # mainland mobile, 11 digits
    address: str  # province, city, district, street, building in one line


@dataclass(frozen=True)
class ScanEvent:
    time: datetime  # timezone Asia/Shanghai
    place: str
    status: ParcelStatus
    description_zh: str
    description_en: str


@dataclass(frozen=True)
class Parcel:
    tracking_number: str  # "KD" + 12 digits
    status: ParcelStatus
    events: List[ScanEvent]  # oldest first; never empty (the first is "created")
    sender: Party
    recipient: Party
    promised_date: date
    estimated_date: Optional[date]  # None once the journey has ended or is on hold
    pickup_code: Optional[str]  # for locker and pickup-station deliveries
    delivered_to: Optional[str]  # "person", "locker", "station" or "other"
    signed_by: Optional[str]  # who signed: the recipient, or e.g. 门卫 / 家人 / 前台

    @property
    def last_scan(self) -> ScanEvent:
        return self.events[-1]

    @property
    def created_at(self) -> datetime:
        """When the shipment was created; "newest first" lists sort on this."""
        return self.events[0].time


@dataclass(frozen=True)
class PickupSlot:
    """When a courier comes to collect a return."""

    start: datetime  # aware, Asia/Shanghai
    end: datetime


def pickup_windows(now: datetime, days: int = PICKUP_DAYS) -> List[PickupSlot]:
    """The pickup slots of today and the `days` - 1 days after it, earliest first,
    without those already started or starting within PICKUP_LEAD_TIME of `now`.

    These are the slots a carrier may offer; it leaves out the full ones itself.
    """
    today = now.astimezone(SHANGHAI).date()
    slots = [
        PickupSlot(
            datetime.combine(today + timedelta(days=day), start, SHANGHAI),
            datetime.combine(today + timedelta(days=day), end, SHANGHAI),
        )
        for day in range(days)
        for start, end in PICKUP_WINDOWS
    ]
    return [slot for slot in slots if slot.start >= now + PICKUP_LEAD_TIME]


class ReturnStatus(str, enum.Enum):
    REQUESTED = "requested"
    PICKUP_SCHEDULED = "pickup_scheduled"
    PICKED_UP = "picked_up"
    IN_TRANSIT_TO_SELLER = "in_transit_to_seller"
    RECEIVED_BY_SELLER = "received_by_seller"
    REFUND_PENDING = "refund_pending"
    REFUNDED = "refunded"
    REJECTED = "rejected"
    CANCELLED = "cancelled"


class RefundState(str, enum.Enum):
    NONE = "none"  # the seller has not accepted the return (yet)
    PENDING = "pending"
    REFUNDED = "refunded"


def return_idempotency_key(conversation_id: str, tracking_number: str) -> str:
    """The key of a customer's return of a parcel: one conversation returns a parcel
    once, however often the form is submitted."""
    return f"{conversation_id}:{tracking_number}"


@dataclass(frozen=True)
class ReturnRequest:
    tracking_number: str  # a delivered parcel
    category: str  # a category id of actions/returns/policy.yml, e.g. "apparel"
    reason: str  # a reason id of policy.yml, e.g. "quality"
    answers: Dict[str, bool]  # condition id of policy.yml -> the customer's answer
    pickup_slot: PickupSlot  # one of those `pickup_slots` offered
    pickup_address: str  # the parcel recipient's address unless the customer changed it
    idempotency_key: str  # return_idempotency_key(): a repeat gives the same return


class ReturnEvent(NamedTuple):
    time: datetime  # aware, Asia/Shanghai
    status: ReturnStatus


@dataclass(frozen=True)
class Return:
    return_number: str  # the RMA: "RT" + 10 digits
    tracking_number: str
    category: str
    reason: str
    status: ReturnStatus  # the newest event's status
    pickup_slot: PickupSlot
    pickup_address: str
    refund_state: RefundState
    created_at: datetime
    events: List[ReturnEvent]  # oldest first; the first is "requested"


class CarrierGateway(abc.ABC):
    """Everything the bot asks the courier's systems: parcels and their returns."""

    @abc.abstractmethod
    async def get_parcel(self, tracking_number: str) -> Optional[Parcel]:
        """The parcel with this tracking number, or None when the carrier has none."""

    @abc.abstractmethod
    async def find_parcels_by_phone(self, phone: str) -> List[Parcel]:
        """Parcels whose recipient or sender has this mobile number, newest first."""

    @abc.abstractmethod
    async def send_verification_code(self, phone: str, requester: str) -> None:
        """Has the courier text a one-time code to this mobile number.

        `requester` names who asks (the conversation), for the courier's limits. A new
        request replaces the previous code. TooManyCodes, and nothing is texted, when
        the phone or the requester is over its limit.
        """

    @abc.abstractmethod
    async def check_verification_code(self, phone: str, code: str) -> bool:
        """True for the code last sent to this phone if it is unexpired and has not been
        used; it is then used up. False otherwise.

        After 5 wrong tries the code is void (a new one must be sent).
        """

    @abc.abstractmethod
    async def pickup_slots(self, tracking_number: str, days: int = PICKUP_DAYS) -> List[PickupSlot]:
        """The slots in which a courier can collect this parcel's return, earliest first:
        those of `pickup_windows()` for the next `days` days that are not full.

        GatewayError when the parcel is unknown or not delivered.
        """

    @abc.abstractmethod
    async def create_return(self, request: ReturnRequest) -> Return:
        """Books the return and its pickup.

        A request whose idempotency_key was seen before gives that return again, even
        when submitted at the same moment: one return per key. GatewayError when the
        parcel is unknown or not delivered, or the slot is not offered (past, too
        soon or full).
        """

    @abc.abstractmethod
    async def get_return(self, return_number: str) -> Optional[Return]:
        """The return with this RMA, or None when the carrier has none."""

    @abc.abstractmethod
    async def returns_of_parcel(self, tracking_number: str) -> List[Return]:
        """The returns of this parcel, newest first; [] when none (or no such parcel)."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Releases connections; call once when the action server stops."""
