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
from actions.carrier.demo_seed import (
    OTHER_SIGNERS,
    build_parcels,
    parcels_table,
    scan_events_table,
    seed,
    sms_outbox_table,
    verification_codes_table,
)
from actions.carrier.gateway import (
    MOVING_STATUSES,
    SHANGHAI,
    STUCK_AFTER,
    VERIFICATION_CODE_TTL,
    VERIFICATION_MAX_TRIES,
    Parcel,
    current_status,
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
    monkeypatch.setattr(demo_seed, "event_row", crash)
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


@pytest.fixture
def texting(tmp_path, clock):
    """A demo carrier with empty verification tables, on a clock tests can move."""
    gateway = DemoCarrier(f"sqlite:///{tmp_path / 'carrier.db'}", clock=clock)
    yield gateway
    asyncio.run(gateway.close())


def send_code(carrier: DemoCarrier, phone: str) -> str:
    """Has the carrier text a code to `phone` and reads it off the text."""
    asyncio.run(carrier.send_verification_code(phone))
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
