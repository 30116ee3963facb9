"""The embedded demo carrier on a temporary SQLite file, seeded for a fixed "now"."""
import asyncio
import dataclasses
import logging
import re
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import List

import pytest
from sqlalchemy import create_engine, func, select

from actions.carrier import ParcelStatus, create_gateway
from actions.carrier import demo_seed
from actions.carrier.demo_carrier import DemoCarrier
from actions.carrier.demo_carrier import RETURN_PICKUPS_PER_SLOT
from actions.carrier.demo_parcels import OTHER_SIGNERS, build_parcels
from actions.carrier.demo_schema import (
    code_requests_table,
    parcels_table,
    pickup_city,
    return_events_table,
    returns_table,
    scan_events_table,
    sms_outbox_table,
    verification_codes_table,
)
from actions.carrier.demo_seed import build_returns, seed
from actions.carrier.gateway import (
    MOVING_STATUSES,
    PICKUP_LEAD_TIME,
    SHANGHAI,
    STUCK_AFTER,
    VERIFICATION_CODE_TTL,
    VERIFICATION_MAX_TRIES,
    CodeLimits,
    GatewayError,
    Parcel,
    PickupSlot,
    RefundState,
    ReturnRequest,
    ReturnStatus,
    TooManyCodes,
    current_status,
    return_idempotency_key,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
TRACKING_NUMBER = re.compile(r"KD\d{12}")
MAINLAND_MOBILE = re.compile(r"1[3-9]\d{9}")
PHONE = "13812345678"
OTHER_PHONE = "15987654321"


def count_rows(db_url: str, table) -> int:
    engine = create_engine(db_url)
    with engine.connect() as connection:
        count = connection.execute(select(func.count()).select_from(table)).scalar()
    engine.dispose()
    return count


def stored_parcels(carrier: DemoCarrier, db_url: str) -> List[Parcel]:
    engine = create_engine(db_url)
    with engine.connect() as connection:
        numbers = connection.execute(select(parcels_table.c.tracking_number)).scalars().all()
    engine.dispose()

    async def look_up_all() -> List[Parcel]:
        return [await carrier.get_parcel(number) for number in numbers]

    return asyncio.run(look_up_all())


@pytest.fixture(scope="module")
def db_url(tmp_path_factory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('carrier') / 'carrier.db'}"


@pytest.fixture(scope="module")
def carrier(db_url):
    gateway = DemoCarrier(db_url, clock=lambda: NOW)
    yield gateway
    asyncio.run(gateway.close())


@pytest.fixture(scope="module")
def parcels(carrier, db_url) -> List[Parcel]:
    return stored_parcels(carrier, db_url)


def test_the_seed_has_300_parcels_or_more_in_every_status(parcels):
    assert len(parcels) >= 300
    assert len({parcel.tracking_number for parcel in parcels}) == len(parcels)
    assert {parcel.status for parcel in parcels} == set(ParcelStatus)


def test_every_parcel_is_complete(parcels):
    for parcel in parcels:
        assert TRACKING_NUMBER.fullmatch(parcel.tracking_number)
        for party in (parcel.sender, parcel.recipient):
            assert MAINLAND_MOBILE.fullmatch(party.phone)
            assert party.name and re.search(r"[省市].+区.+号.+幢.+室", party.address)
        assert parcel.events[0].status is ParcelStatus.CREATED
        assert parcel.promised_date > parcel.created_at.date()
        for event in parcel.events:
            assert event.time.tzinfo == SHANGHAI and event.time <= NOW
            assert event.place and event.description_zh and event.description_en


def test_deliveries_say_where_and_who_signed(parcels):
    delivered = [parcel for parcel in parcels if parcel.status is ParcelStatus.DELIVERED]
    assert set(Counter(parcel.delivered_to for parcel in delivered)) == {
        "person", "locker", "station", "other"
    }
    for parcel in delivered:
        if parcel.delivered_to in ("locker", "station"):
            assert re.fullmatch(r"\d{6}", parcel.pickup_code)
            assert parcel.pickup_code in parcel.last_scan.description_zh
            assert parcel.signed_by is None
        elif parcel.delivered_to == "other":
            assert parcel.signed_by in OTHER_SIGNERS
            assert parcel.pickup_code is None
        else:
            assert parcel.signed_by == parcel.recipient.name
    undelivered = [parcel for parcel in parcels if parcel.status is not ParcelStatus.DELIVERED]
    assert all(parcel.delivered_to is None for parcel in undelivered)


def test_seeding_twice_adds_nothing(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'carrier.db'}"
    added = seed(db_url, NOW)
    events = count_rows(db_url, scan_events_table)
    assert added == count_rows(db_url, parcels_table) >= 300

    assert seed(db_url, NOW) == 0
    assert count_rows(db_url, parcels_table) == added
    assert count_rows(db_url, scan_events_table) == events


def test_a_crash_while_seeding_leaves_nothing_behind(tmp_path, monkeypatch):
    db_url = f"sqlite:///{tmp_path / 'carrier.db'}"

    def crash(*args):
        raise RuntimeError("power cut")

    # The parcels are written already when the events fail.
    monkeypatch.setattr(demo_seed, "scan_event_row", crash)
    with pytest.raises(RuntimeError):
        seed(db_url, NOW)
    assert count_rows(db_url, parcels_table) == 0

    monkeypatch.undo()
    assert seed(db_url, NOW) >= 300


def test_the_same_now_gives_the_same_parcels(tmp_path, parcels):
    db_url = f"sqlite:///{tmp_path / 'again.db'}"
    again = DemoCarrier(db_url, clock=lambda: NOW)
    assert stored_parcels(again, db_url) == parcels
    asyncio.run(again.close())


def test_the_store_gives_back_exactly_what_was_seeded(parcels):
    by_number = {parcel.tracking_number: parcel for parcel in parcels}
    for seeded in build_parcels(NOW):
        stored = by_number[seeded.tracking_number]
        # Only the status may differ: a quiet moving parcel is read as STUCK.
        assert dataclasses.replace(stored, status=seeded.status) == seeded


def test_lookup_by_number_returns_the_whole_timeline_oldest_first(carrier, parcels):
    longest = max(parcels, key=lambda parcel: len(parcel.events))
    parcel = asyncio.run(carrier.get_parcel(longest.tracking_number))

    assert parcel == longest and len(parcel.events) >= 9
    times = [event.time for event in parcel.events]
    assert times == sorted(times)
    assert parcel.last_scan == parcel.events[-1]


def test_an_unknown_number_is_none(carrier):
    assert asyncio.run(carrier.get_parcel("KD000000000000")) is None


def test_lookup_by_phone_finds_every_parcel_newest_first(carrier, parcels):
    phones = Counter(parcel.recipient.phone for parcel in parcels)
    phone, count = phones.most_common(1)[0]
    found = asyncio.run(carrier.find_parcels_by_phone(phone))

    assert count >= 3 and len(found) >= count
    assert {parcel.tracking_number for parcel in found} == {
        parcel.tracking_number
        for parcel in parcels
        if phone in (parcel.recipient.phone, parcel.sender.phone)
    }
    created = [parcel.created_at for parcel in found]
    assert created == sorted(created, reverse=True)


def test_lookup_by_phone_finds_what_a_customer_sent(carrier, parcels):
    sent = parcels[0]
    found = asyncio.run(carrier.find_parcels_by_phone(sent.sender.phone))
    assert sent in found
    assert asyncio.run(carrier.find_parcels_by_phone("13000000000")) == []


def test_a_moving_parcel_quiet_for_over_72_hours_is_stuck(parcels):
    stuck = [parcel for parcel in parcels if parcel.status is ParcelStatus.STUCK]
    assert stuck
    for parcel in stuck:
        assert parcel.last_scan.status in MOVING_STATUSES
        assert NOW - parcel.last_scan.time > STUCK_AFTER
    for parcel in parcels:
        if parcel.status is ParcelStatus.IN_TRANSIT:
            assert NOW - parcel.last_scan.time <= STUCK_AFTER


def test_a_fresh_parcel_becomes_stuck_after_72_hours(db_url, parcels):
    fresh = next(parcel for parcel in parcels if parcel.status is ParcelStatus.IN_TRANSIT)
    last_scan = fresh.last_scan.time

    def status_at(now: datetime) -> ParcelStatus:
        carrier = DemoCarrier(db_url, clock=lambda: now)
        parcel = asyncio.run(carrier.get_parcel(fresh.tracking_number))
        asyncio.run(carrier.close())
        return parcel.status

    assert status_at(last_scan + STUCK_AFTER) is ParcelStatus.IN_TRANSIT
    assert status_at(last_scan + STUCK_AFTER + timedelta(minutes=1)) is ParcelStatus.STUCK


@pytest.mark.parametrize(
    "recorded", [ParcelStatus.DELIVERED, ParcelStatus.HELD, ParcelStatus.CREATED]
)
def test_a_parcel_not_on_the_move_is_never_stuck(recorded):
    assert current_status(recorded, NOW - timedelta(days=30), NOW) is recorded


def test_create_gateway_defaults_to_the_demo_store_in_CARRIER_DEMO_DB(tmp_path, monkeypatch):
    path = tmp_path / "new-dir" / "carrier.db"
    monkeypatch.delenv("CARRIER_GATEWAY", raising=False)
    monkeypatch.setenv("CARRIER_DEMO_DB", str(path))

    gateway = create_gateway()
    asyncio.run(gateway.close())

    assert isinstance(gateway, DemoCarrier)
    assert count_rows(f"sqlite:///{path}", parcels_table) >= 300


def test_create_gateway_refuses_an_unknown_name(monkeypatch):
    monkeypatch.setenv("CARRIER_GATEWAY", "pigeon")
    with pytest.raises(ValueError, match="CARRIER_GATEWAY='pigeon'.*demo, http"):
        create_gateway()


class MovableClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> MovableClock:
    return MovableClock(NOW)


# Room for the tests of the codes themselves; the limits have tests of their own.
ROOMY = CodeLimits(per_phone=1000, per_requester=1000)


@pytest.fixture
def texting(tmp_path, clock):
    """A demo carrier with empty verification tables, on a clock tests can move."""
    gateway = DemoCarrier(f"sqlite:///{tmp_path / 'carrier.db'}", clock=clock, code_limits=ROOMY)
    yield gateway
    asyncio.run(gateway.close())


def send_code(carrier: DemoCarrier, phone: str, requester: str = "conversation-1") -> str:
    """Has the carrier text a code to `phone` and reads it off the text."""
    asyncio.run(carrier.send_verification_code(phone, requester))
    return re.search(r"验证码是 (\d+)", carrier.outbox(phone)[-1]).group(1)


def send_another_code(carrier: DemoCarrier, phone: str, old: str) -> str:
    """A new code that differs from `old` (one draw in a million repeats it)."""
    while True:
        new = send_code(carrier, phone)
        if new != old:
            return new


def check(carrier: DemoCarrier, phone: str, code: str) -> bool:
    return asyncio.run(carrier.check_verification_code(phone, code))


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_the_right_code_is_accepted_once(texting):
    code = send_code(texting, PHONE)
    assert check(texting, PHONE, code) is True
    assert check(texting, PHONE, code) is False


def test_a_wrong_code_is_refused_and_the_right_one_still_works(texting):
    code = send_code(texting, PHONE)
    for _ in range(VERIFICATION_MAX_TRIES - 1):
        assert check(texting, PHONE, wrong(code)) is False
    assert check(texting, PHONE, code) is True


def test_five_wrong_tries_void_the_code(texting):
    code = send_code(texting, PHONE)
    for _ in range(VERIFICATION_MAX_TRIES):
        assert check(texting, PHONE, wrong(code)) is False
    assert check(texting, PHONE, code) is False

    new = send_code(texting, PHONE)
    assert check(texting, PHONE, new) is True


def test_a_code_expires_after_ten_minutes(texting, clock):
    assert VERIFICATION_CODE_TTL == timedelta(minutes=10)
    code = send_code(texting, PHONE)
    clock.now = NOW + VERIFICATION_CODE_TTL
    assert check(texting, PHONE, code) is True

    clock.now = NOW
    code = send_code(texting, PHONE)
    clock.now = NOW + VERIFICATION_CODE_TTL + timedelta(seconds=1)
    assert check(texting, PHONE, code) is False


def test_a_new_code_replaces_the_old_one(texting, clock):
    old = send_code(texting, PHONE)
    clock.now = NOW + timedelta(minutes=8)
    new = send_another_code(texting, PHONE, old)
    assert check(texting, PHONE, old) is False
    # The new code is valid for its own ten minutes.
    clock.now = NOW + timedelta(minutes=15)
    assert check(texting, PHONE, new) is True


def test_the_text_holds_the_code_in_chinese_and_english(texting):
    first = send_code(texting, PHONE)
    second = send_another_code(texting, PHONE, first)
    texts = texting.outbox(PHONE)
    assert texts[0] == (
        f"【快递】您的验证码是 {first}，10 分钟内有效。"
        f"Your verification code is {first}, valid for 10 minutes."
    )
    assert second in texts[-1] and first not in texts[-1]
    assert texting.outbox(OTHER_PHONE) == []


def test_codes_are_six_random_digits(texting):
    codes = [send_code(texting, PHONE) for _ in range(20)]
    assert all(re.fullmatch(r"\d{6}", code) for code in codes)
    assert len(set(codes)) > 1


def test_phones_have_their_own_codes(texting):
    code = send_code(texting, PHONE)
    other = send_code(texting, OTHER_PHONE)
    for _ in range(VERIFICATION_MAX_TRIES):
        check(texting, PHONE, wrong(code))
    assert check(texting, PHONE, code) is False
    assert check(texting, OTHER_PHONE, other) is True
    assert len(texting.outbox(PHONE)) == len(texting.outbox(OTHER_PHONE)) == 1


def test_simultaneous_checks_use_a_code_only_once(texting):
    code = send_code(texting, PHONE)
    with ThreadPoolExecutor(max_workers=8) as pool:
        verdicts = list(pool.map(lambda _: check(texting, PHONE, code), range(16)))
    assert verdicts.count(True) == 1


def test_the_log_shows_the_code_but_masks_the_phone(texting, caplog):
    with caplog.at_level(logging.INFO, logger="actions.carrier.demo_carrier"):
        code = send_code(texting, PHONE)
    assert "138****5678" in caplog.text and code in caplog.text
    assert PHONE not in caplog.text


def test_a_store_from_before_verification_codes_gets_their_tables(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'carrier.db'}"
    seed(db_url, NOW)
    engine = create_engine(db_url)
    verification_codes_table.drop(engine)
    sms_outbox_table.drop(engine)
    engine.dispose()

    carrier = DemoCarrier(db_url, clock=lambda: NOW)
    code = send_code(carrier, PHONE)
    assert check(carrier, PHONE, code) is True
    asyncio.run(carrier.close())


# Limits on codes


@pytest.fixture
def limited(tmp_path, clock):
    """A demo carrier with the default limits: 3 unused codes per phone an hour, 5 codes
    per conversation a day."""
    gateway = DemoCarrier(f"sqlite:///{tmp_path / 'carrier.db'}", clock=clock)
    yield gateway
    asyncio.run(gateway.close())


def test_a_phone_gets_no_fourth_unused_code_within_the_hour(limited, clock):
    limits = CodeLimits()
    for asker in range(limits.per_phone):
        send_code(limited, PHONE, f"asker-{asker}")
    with pytest.raises(TooManyCodes) as refused:
        asyncio.run(limited.send_verification_code(PHONE, "one-more-asker"))
    assert len(limited.outbox(PHONE)) == limits.per_phone  # nothing was texted
    assert PHONE not in str(refused.value)
    # A code for another phone is not held back.
    send_code(limited, OTHER_PHONE, "one-more-asker")

    clock.now = NOW + limits.phone_window + timedelta(seconds=1)
    send_code(limited, PHONE, "one-more-asker")
    assert len(limited.outbox(PHONE)) == limits.per_phone + 1


def test_codes_typed_in_do_not_count_against_the_phone(limited):
    for asker in range(CodeLimits().per_phone + 2):
        code = send_code(limited, PHONE, f"asker-{asker}")
        assert check(limited, PHONE, code) is True


def test_a_conversation_gets_no_sixth_code_within_the_day(limited, clock):
    limits = CodeLimits()
    phones = [f"1390000{index:04d}" for index in range(limits.per_requester + 1)]
    for phone in phones[:-1]:
        send_code(limited, phone, "bomber")
    with pytest.raises(TooManyCodes):
        asyncio.run(limited.send_verification_code(phones[-1], "bomber"))
    assert limited.outbox(phones[-1]) == []
    send_code(limited, phones[-1], "someone-else")

    clock.now = NOW + limits.requester_window + timedelta(seconds=1)
    send_code(limited, "13900009999", "bomber")


def test_simultaneous_requests_for_one_phone_send_no_more_than_the_limit(limited):
    def ask(asker: int) -> bool:
        try:
            asyncio.run(limited.send_verification_code(PHONE, f"asker-{asker}"))
            return True
        except TooManyCodes:
            return False

    with ThreadPoolExecutor(max_workers=8) as pool:
        sent = list(pool.map(ask, range(8)))
    assert sent.count(True) == CodeLimits().per_phone == len(limited.outbox(PHONE))


def test_the_limits_come_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("CARRIER_DEMO_DB", str(tmp_path / "carrier.db"))
    monkeypatch.setenv("SMS_CODES_PER_PHONE_PER_HOUR", "1")
    monkeypatch.setenv("SMS_CODES_PER_CONVERSATION_PER_DAY", "7")
    assert CodeLimits.from_environment() == CodeLimits(per_phone=1, per_requester=7)
    gateway = create_gateway()
    asyncio.run(gateway.send_verification_code(PHONE, "asker-1"))
    with pytest.raises(TooManyCodes):
        asyncio.run(gateway.send_verification_code(PHONE, "asker-2"))
    asyncio.run(gateway.close())


@pytest.mark.parametrize("value", ["-1", "three", "2.5"])
def test_a_limit_that_is_no_count_is_refused(monkeypatch, value):
    monkeypatch.setenv("SMS_CODES_PER_PHONE_PER_HOUR", value)
    with pytest.raises(ValueError, match="SMS_CODES_PER_PHONE_PER_HOUR"):
        CodeLimits.from_environment()


def test_a_store_from_before_the_limits_gets_their_table(tmp_path):
    db_url = f"sqlite:///{tmp_path / 'carrier.db'}"
    seed(db_url, NOW)
    engine = create_engine(db_url)
    code_requests_table.drop(engine)
    engine.dispose()

    carrier = DemoCarrier(db_url, clock=lambda: NOW)
    assert check(carrier, PHONE, send_code(carrier, PHONE)) is True
    asyncio.run(carrier.close())


# Returns


@pytest.fixture
def returning(tmp_path, clock):
    """A demo carrier with only the seeded returns, on a clock tests can move."""
    gateway = DemoCarrier(f"sqlite:///{tmp_path / 'carrier.db'}", clock=clock)
    yield gateway
    asyncio.run(gateway.close())


def delivered(parcels: List[Parcel]) -> List[Parcel]:
    """The delivered parcels without a seeded return."""
    seeded = {ret.tracking_number for ret in build_returns(build_parcels(NOW), NOW)}
    return [
        parcel
        for parcel in parcels
        if parcel.status is ParcelStatus.DELIVERED and parcel.tracking_number not in seeded
    ]


def slots_of(carrier: DemoCarrier, parcel: Parcel) -> List[PickupSlot]:
    return asyncio.run(carrier.pickup_slots(parcel.tracking_number))


def request_for(parcel: Parcel, slot: PickupSlot, conversation: str = "conversation-1",
                number: str = "") -> ReturnRequest:
    number = number or parcel.tracking_number
    return ReturnRequest(
        tracking_number=number,
        category="apparel",
        reason="quality",
        answers={"tags_on": True, "worn_or_washed": False},
        pickup_slot=slot,
        pickup_address=parcel.recipient.address,
        idempotency_key=return_idempotency_key(conversation, number),
    )


def create(carrier: DemoCarrier, request: ReturnRequest):
    return asyncio.run(carrier.create_return(request))


def test_slots_are_the_windows_of_the_next_three_days_not_started_nor_within_two_hours(
    returning, parcels, clock
):
    parcel = delivered(parcels)[0]
    slots = slots_of(returning, parcel)
    # At 10:00 today's morning slot has started: today 13-18 and 18-21, then 3 a day.
    assert [(slot.start.day, slot.start.hour, slot.end.hour) for slot in slots] == [
        (23, 13, 18), (23, 18, 21),
        (24, 9, 12), (24, 13, 18), (24, 18, 21),
        (25, 9, 12), (25, 13, 18), (25, 18, 21),
    ]
    assert all(slot.start.tzinfo == SHANGHAI for slot in slots)

    clock.now = NOW.replace(hour=11, minute=30)  # 13:00 is within two hours now
    later = slots_of(returning, parcel)
    assert later == slots[1:]
    assert all(slot.start >= clock.now + PICKUP_LEAD_TIME for slot in later)


def test_a_full_slot_is_left_out_and_refused(returning, parcels):
    parcel = delivered(parcels)[0]
    slot = slots_of(returning, parcel)[0]
    for conversation in range(RETURN_PICKUPS_PER_SLOT):
        create(returning, request_for(parcel, slot, f"conversation-{conversation}"))

    assert slot not in slots_of(returning, parcel)
    with pytest.raises(GatewayError, match="is full"):
        create(returning, request_for(parcel, slot, "one-too-many"))
    assert len(asyncio.run(returning.returns_of_parcel(parcel.tracking_number))) == (
        RETURN_PICKUPS_PER_SLOT
    )

    elsewhere = next(
        other for other in delivered(parcels)
        if pickup_city(other.recipient.address) != pickup_city(parcel.recipient.address)
    )
    assert slot in slots_of(returning, elsewhere)


def test_a_return_is_created_and_found_by_number_and_by_parcel(returning, parcels):
    parcel = delivered(parcels)[0]
    slot = slots_of(returning, parcel)[2]
    created = create(returning, request_for(parcel, slot))

    assert re.fullmatch(r"RT\d{10}", created.return_number)
    assert created.tracking_number == parcel.tracking_number
    assert (created.category, created.reason) == ("apparel", "quality")
    assert created.status is ReturnStatus.REQUESTED
    assert created.refund_state is RefundState.NONE
    assert created.pickup_slot == slot
    assert created.pickup_address == parcel.recipient.address
    assert created.created_at == NOW
    assert created.events == [(NOW, ReturnStatus.REQUESTED)]

    assert asyncio.run(returning.get_return(created.return_number)) == created
    assert created in asyncio.run(returning.returns_of_parcel(parcel.tracking_number))


def test_returns_of_a_parcel_are_newest_first(returning, parcels, clock):
    parcel = delivered(parcels)[0]
    slot = slots_of(returning, parcel)[3]
    first = create(returning, request_for(parcel, slot, "first"))
    clock.now = NOW + timedelta(minutes=5)
    second = create(returning, request_for(parcel, slot, "second"))

    found = asyncio.run(returning.returns_of_parcel(parcel.tracking_number))
    assert found == [second, first]
    assert asyncio.run(returning.returns_of_parcel("KD000000000000")) == []


def test_submitting_the_same_return_twice_creates_one(returning, parcels):
    parcel = delivered(parcels)[0]
    slots = slots_of(returning, parcel)
    first = create(returning, request_for(parcel, slots[0]))
    # Even a repeat with another slot gives the return the first request made.
    again = create(returning, request_for(parcel, slots[1]))

    assert again == first
    assert asyncio.run(returning.returns_of_parcel(parcel.tracking_number)).count(first) == 1


def test_eight_simultaneous_submissions_create_one_return(returning, parcels, tmp_path):
    parcel = delivered(parcels)[0]
    request = request_for(parcel, slots_of(returning, parcel)[0], "in-a-hurry")
    with ThreadPoolExecutor(max_workers=8) as pool:
        made = list(pool.map(lambda _: create(returning, request), range(8)))

    assert len({ret.return_number for ret in made}) == 1
    db_url = f"sqlite:///{tmp_path / 'carrier.db'}"
    engine = create_engine(db_url)
    with engine.connect() as connection:
        keys = connection.execute(
            select(func.count()).where(returns_table.c.idempotency_key == request.idempotency_key)
        ).scalar()
    engine.dispose()
    assert keys == 1


def test_a_parcel_not_delivered_cannot_be_returned(returning, parcels):
    moving = next(parcel for parcel in parcels if parcel.status is ParcelStatus.IN_TRANSIT)
    slot = slots_of(returning, delivered(parcels)[0])[0]
    with pytest.raises(GatewayError, match=f"{moving.tracking_number} cannot be returned.*in_transit"):
        create(returning, request_for(moving, slot))
    with pytest.raises(GatewayError, match="not delivered"):
        asyncio.run(returning.pickup_slots(moving.tracking_number))


def test_an_unknown_parcel_cannot_be_returned(returning, parcels):
    parcel = delivered(parcels)[0]
    slot = slots_of(returning, parcel)[0]
    with pytest.raises(GatewayError, match="no parcel KD000000000000"):
        create(returning, request_for(parcel, slot, number="KD000000000000"))
    with pytest.raises(GatewayError, match="no parcel KD000000000000"):
        asyncio.run(returning.pickup_slots("KD000000000000"))


@pytest.mark.parametrize(
    "start_hour, end_hour, days_ahead",
    [
        (9, 12, 0),  # started already
        (13, 18, 0),  # fine at 10:00, but the clock below is 11:30: within two hours
        (10, 11, 1),  # not a pickup window
        (9, 12, 3),  # beyond the three days
    ],
)
def test_a_slot_that_is_not_offered_is_refused(returning, parcels, clock, start_hour,
                                               end_hour, days_ahead):
    parcel = delivered(parcels)[0]
    clock.now = NOW.replace(hour=11, minute=30)
    day = NOW + timedelta(days=days_ahead)
    slot = PickupSlot(day.replace(hour=start_hour), day.replace(hour=end_hour))
    with pytest.raises(GatewayError, match="not offered") as refused:
        create(returning, request_for(parcel, slot))
    message = str(refused.value)
    assert parcel.recipient.address not in message and parcel.recipient.phone not in message
    assert asyncio.run(returning.returns_of_parcel(parcel.tracking_number)) == []


def seeded_returns(carrier: DemoCarrier, db_url: str):
    engine = create_engine(db_url)
    with engine.connect() as connection:
        numbers = connection.execute(select(returns_table.c.return_number)).scalars().all()
    engine.dispose()
    return [asyncio.run(carrier.get_return(number)) for number in numbers]


def test_the_seed_has_returns_in_every_status(carrier, parcels, db_url):
    seeded = seeded_returns(carrier, db_url)
    assert {ret.status for ret in seeded} == set(ReturnStatus)
    by_number = {parcel.tracking_number: parcel for parcel in parcels}
    for ret in seeded:
        parcel = by_number[ret.tracking_number]
        assert parcel.status is ParcelStatus.DELIVERED
        assert parcel.last_scan.time < ret.created_at <= NOW
        assert ret.pickup_address == parcel.recipient.address
        assert ret in asyncio.run(carrier.returns_of_parcel(ret.tracking_number))
    refunds = {ret.status: ret.refund_state for ret in seeded}
    assert refunds[ReturnStatus.REFUND_PENDING] is RefundState.PENDING
    assert refunds[ReturnStatus.REFUNDED] is RefundState.REFUNDED
    assert refunds[ReturnStatus.REQUESTED] is RefundState.NONE


def test_a_seeded_return_has_its_whole_timeline_oldest_first(carrier, db_url):
    for ret in seeded_returns(carrier, db_url):
        times = [time for time, _ in ret.events]
        assert times == sorted(times) and times[-1] <= NOW
        assert ret.events[0] == (ret.created_at, ReturnStatus.REQUESTED)
        assert ret.events[-1].status is ret.status
        if ret.status in (ReturnStatus.REQUESTED, ReturnStatus.PICKUP_SCHEDULED):
            assert ret.pickup_slot.start > NOW
        if ret.status is ReturnStatus.REFUNDED:
            assert [status for _, status in ret.events] == [
                ReturnStatus.REQUESTED, ReturnStatus.PICKUP_SCHEDULED, ReturnStatus.PICKED_UP,
                ReturnStatus.IN_TRANSIT_TO_SELLER, ReturnStatus.RECEIVED_BY_SELLER,
                ReturnStatus.REFUND_PENDING, ReturnStatus.REFUNDED,
            ]
            assert ret.pickup_slot.start < ret.events[2].time < ret.pickup_slot.end


@pytest.mark.parametrize("number", ["RT9999999999", "RT123", "rt0000000001", "KD202611230001"])
def test_an_unknown_return_number_is_none(carrier, number):
    assert asyncio.run(carrier.get_return(number)) is None


def test_a_store_from_before_returns_gets_their_tables(tmp_path, parcels):
    db_url = f"sqlite:///{tmp_path / 'carrier.db'}"
    seed(db_url, NOW)
    engine = create_engine(db_url)
    return_events_table.drop(engine)
    returns_table.drop(engine)
    engine.dispose()

    carrier = DemoCarrier(db_url, clock=lambda: NOW)
    parcel = delivered(parcels)[0]
    created = create(carrier, request_for(parcel, slots_of(carrier, parcel)[0]))
    assert asyncio.run(carrier.get_return(created.return_number)) == created
    asyncio.run(carrier.close())


def test_return_numbers_are_random_so_the_next_one_cannot_be_guessed(returning, parcels):
    parcel = delivered(parcels)[0]
    slot = slots_of(returning, parcel)[0]
    made = [create(returning, request_for(parcel, slot, f"customer-{index}")).return_number
            for index in range(RETURN_PICKUPS_PER_SLOT)]
    assert all(re.fullmatch(r"RT\d{10}", number) for number in made)
    serials = sorted(int(number[2:]) for number in made)
    assert all(later - earlier > 1 for earlier, later in zip(serials, serials[1:]))

    async def walk(numbers):
        return [await returning.get_return(f"RT{serial:010d}") for serial in numbers]

    # Walking the numbers from a known one, or from the first, finds no one's return.
    neighbours = [serial + step for serial in serials for step in (-2, -1, 1, 2)]
    assert set(asyncio.run(walk(neighbours + list(range(1, 51))))) == {None}


def test_a_store_with_row_numbered_returns_gets_random_numbers(tmp_path, parcels):
    db_url = f"sqlite:///{tmp_path / 'carrier.db'}"
    seed(db_url, NOW)
    engine = create_engine(db_url)
    with engine.begin() as connection:
        connection.exec_driver_sql("DROP INDEX ix_returns_return_number")
        connection.exec_driver_sql("ALTER TABLE returns DROP COLUMN return_number")
    engine.dispose()

    carrier = DemoCarrier(db_url, clock=lambda: NOW)
    seeded = seeded_returns(carrier, db_url)
    assert {ret.status for ret in seeded} == set(ReturnStatus)
    assert not {ret.return_number for ret in seeded} & {f"RT{n:010d}" for n in range(1, 10)}
    asyncio.run(carrier.close())
