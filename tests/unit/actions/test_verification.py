"""How long a verified phone is trusted, and the forms asking again once it is not.

The times are injected, or the courier's clock the tests freeze (COURIER_CLOCK)."""
import asyncio
from datetime import datetime, timedelta

import pytest
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.carrier.gateway import SHANGHAI, shanghai_now
from actions.tracking import ValidateTrackingForm
from actions.verification import (
    IDLE_LIMIT,
    code_in,
    kept_fresh,
    trusted_phone,
    trusts,
    verification_is_fresh,
    verified,
)

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
PHONE = "13812345678"


def ago(minutes: float) -> str:
    return (NOW - timedelta(minutes=minutes)).isoformat()


def conversation(verified_at=None, phone=PHONE, latest=None) -> Tracker:
    slots = {"verified_phone": phone, "verified_at": verified_at, "language": "zh-Hans"}
    return Tracker("c", slots, latest or {}, [], False, None, {}, "action_listen")


def test_the_idle_limit_is_thirty_minutes_by_default():
    assert IDLE_LIMIT == timedelta(minutes=30)


@pytest.mark.parametrize("minutes, fresh", [(0, True), (29, True), (30, True), (30.05, False),
                                            (31, False), (24 * 60, False)])
def test_a_verification_holds_for_the_idle_limit_and_no_longer(minutes, fresh):
    assert verification_is_fresh(ago(minutes), NOW) is fresh


@pytest.mark.parametrize("moment", [None, "", "yesterday", "2026-11-23T09:55:00",
                                    (NOW + timedelta(minutes=5)).isoformat()])
def test_a_missing_unreadable_naive_or_future_moment_holds_nothing(moment):
    assert verification_is_fresh(moment, NOW) is False


def test_the_idle_limit_can_be_given():
    assert verification_is_fresh(ago(50), NOW, idle_limit=timedelta(hours=1))
    assert not verification_is_fresh(ago(5), NOW, idle_limit=timedelta(minutes=2))


def test_a_verified_phone_without_a_time_is_not_trusted():
    """A conversation verified before verification expired keeps its phone for ever no
    more: without verified_at it is not trusted."""
    assert trusted_phone(conversation(None), NOW) is None
    assert trusted_phone(conversation(ago(45)), NOW) is None
    assert trusted_phone(conversation(ago(5)), NOW) == PHONE
    assert not trusts(conversation(ago(5)), "13900000000", NOW)


def test_events_not_applied_yet_count():
    stale = conversation(ago(45))
    assert trusts(stale, PHONE, NOW, verified(PHONE, NOW))
    assert not trusts(conversation(ago(5)), PHONE, NOW, [SlotSet("verified_at", ago(40))])


def test_using_a_verification_starts_the_idle_time_again():
    assert kept_fresh(conversation(ago(20)), NOW) == [SlotSet("verified_at", NOW.isoformat())]
    # A stale one is not revived by use: it needs a new code.
    assert kept_fresh(conversation(ago(45)), NOW) == []


@pytest.mark.parametrize("text, code", [("验证码是 482913", "482913"), ("四八二九幺三", "482913"),
                                        ("four eight two nine one three", "482913"),
                                        ("13812345678", None), ("好的", None)])
def test_codes_are_read_typed_or_spoken(text, code):
    assert code_in(text) == code


def asked_after_giving_the_phone(verified_at) -> dict:
    """The slots the tracking form sets when the customer, waiting for nothing, gives
    the phone verified at `verified_at`."""
    latest = {"text": PHONE, "intent": {"name": "track_parcel"},
              "entities": [{"entity": "phone_number", "value": PHONE}]}
    events = asyncio.run(ValidateTrackingForm().run(None, conversation(verified_at, latest=latest), {}))
    return {event["name"]: event["value"] for event in events if event["event"] == "slot"}


def test_a_phone_verified_long_ago_is_asked_for_a_new_code():
    stale = (shanghai_now() - IDLE_LIMIT - timedelta(minutes=1)).isoformat()
    assert asked_after_giving_the_phone(stale)["requested_slot"] == "verification_code"


def test_a_phone_verified_a_moment_ago_is_listed_without_a_new_code():
    fresh = (shanghai_now() - timedelta(minutes=5)).isoformat()
    slots = asked_after_giving_the_phone(fresh)
    assert slots["requested_slot"] is None and slots["phone_number"] == PHONE
