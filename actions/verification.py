"""Whether this conversation may see a phone's personal data, and the SMS code that
proves it.

A customer proves a phone is theirs by typing the code the courier texts to it: to
list parcels by phone, or to return a parcel (the recipient's phone). The proof is
kept in the slots `verified_phone` and `verified_at`, and lasts while it is used: once
no answer has used it for VERIFICATION_IDLE_MINUTES (default 30), it is trusted no
more, and recipients, pickup codes, signers, parcel lists and returns are shown only
after a new code. Times are the courier's clock (`shanghai_now`), which tests freeze.

Every form asks for a code the same way: it requests the slot `verification_code`
for the phone in `phone_number` (`ask_for_code`), and its question action texts the
code with `send_code`, which keeps to the courier's limits on codes.
"""
import re
from datetime import datetime, timedelta
from typing import Iterable, List, Optional

from rasa_sdk import Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions import tracking_reply as reply
from actions.carrier import GatewayError, shared_gateway
from actions.carrier.gateway import TooManyCodes, setting
from actions.conversation import channel_of, language_of
from actions.handoff import offer_human
from foundation.language import fold_full_width
from foundation.numbers import spoken_digits_to_digits

IDLE_LIMIT = timedelta(minutes=setting("VERIFICATION_IDLE_MINUTES", 30, int))
CODE_SLOT = "verification_code"
# What send_code made of a request for a code.
SENT, LIMITED, UNAVAILABLE = "sent", "limited", "unavailable"
_CODE = re.compile(r"(?<!\d)\d{6}(?!\d)")


def code_in(text: str) -> Optional[str]:
    """A six-digit SMS code, typed or spoken ("幺二三…", "one two three …")."""
    match = _CODE.search(fold_full_width(spoken_digits_to_digits(text)))
    return match.group() if match else None


def verification_is_fresh(verified_at: Optional[str], now: datetime,
                          idle_limit: timedelta = IDLE_LIMIT) -> bool:
    """Whether a verification last used at `verified_at` (ISO 8601) still holds `now`.

    A moment that is missing, unreadable or in the future holds nothing.
    """
    try:
        moment = datetime.fromisoformat(verified_at or "")
    except ValueError:
        return False
    if moment.tzinfo is None:
        return False
    return timedelta(0) <= now - moment <= idle_limit


def trusted_phone(tracker: Tracker, now: datetime,
                  pending: Iterable[EventType] = ()) -> Optional[str]:
    """The phone this conversation proved and has used within the idle limit, or None.

    `pending` are events the running action returns but Rasa has not applied yet.
    """
    slots = {"verified_phone": tracker.get_slot("verified_phone"),
             "verified_at": tracker.get_slot("verified_at")}
    for event in pending:
        if event.get("event") == "slot" and event.get("name") in slots:
            slots[event["name"]] = event.get("value")
    if not verification_is_fresh(slots["verified_at"], now):
        return None
    return slots["verified_phone"]


def trusts(tracker: Tracker, phone: Optional[str], now: datetime,
           pending: Iterable[EventType] = ()) -> bool:
    return phone is not None and trusted_phone(tracker, now, pending) == phone


def verified(phone: str, now: datetime) -> List[EventType]:
    """The code for `phone` was right: the conversation may see its data from `now`."""
    return [SlotSet("verified_phone", phone), SlotSet("verified_at", now.isoformat())]


async def checked(phone: str, code: str, now: datetime) -> List[EventType]:
    """The events of a right code for `phone`; [] for a wrong one. GatewayError when the
    carrier cannot check it."""
    if await shared_gateway().check_verification_code(phone, code):
        return verified(phone, now)
    return []


def kept_fresh(tracker: Tracker, now: datetime) -> List[EventType]:
    """For an answer given while a verification holds: it was used, so the idle time
    starts again."""
    if trusted_phone(tracker, now) is None:
        return []
    return [SlotSet("verified_at", now.isoformat())]


def ask_for_code(phone: str) -> List[EventType]:
    """For a form's validation: ask next for the code texted to `phone`."""
    return [SlotSet("phone_number", phone), SlotSet("requested_slot", CODE_SLOT)]


async def send_code(dispatcher: CollectingDispatcher, tracker: Tracker, phone: str) -> str:
    """Has the courier text a code to `phone` for this conversation; SENT, LIMITED or
    UNAVAILABLE.

    The customer is told where the code went, or, over the courier's limits, politely
    that no code can be sent now (follow with `code_refused`). When the carrier is
    unreachable the caller says which service is unavailable.
    """
    language = language_of(tracker)
    try:
        await shared_gateway().send_verification_code(phone, tracker.sender_id)
    except TooManyCodes:
        dispatcher.utter_message(text=reply.describe_code_limit(language))
        return LIMITED
    except GatewayError:
        return UNAVAILABLE
    dispatcher.utter_message(text=reply.describe_code_sent(phone, language, channel_of(tracker)))
    return SENT


def code_refused(*resets: EventType) -> List[EventType]:
    """Ends a form whose code could not be sent (LIMITED): a person is offered instead
    of the form's answer; `resets` put the form's own slots back."""
    return [*resets, SlotSet("requested_slot", None)] + offer_human("customer_request")
