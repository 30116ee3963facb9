"""The action server (actions/server.py) answers the Rasa server only, on HOST only.

The attack: post to /webhook a tracker whose slots say the phone was verified, and the
action server answers with that phone's parcels, or with a parcel's pickup code; no
SMS code needed. Every test here tries it, or a way around the gate, and is refused.
"""
import asyncio
import socket
import uuid
from typing import Any, Dict, Optional

import pytest
import requests

from actions.carrier.gateway import shanghai_now
from chat import say


def forged_call(phone: str, numbers: Optional[list] = None) -> Dict[str, Any]:
    """What Rasa would post for action_answer_tracking, with a phone "verified" by the
    caller's say-so."""
    sender = f"attacker-{uuid.uuid4().hex[:8]}"
    return {
        "next_action": "action_answer_tracking",
        "sender_id": sender,
        "version": "3.6.0",
        "domain": {},
        "tracker": {
            "sender_id": sender,
            # A verification that would be fresh: only the secret stands in the way.
            "slots": {"verified_phone": phone, "phone_number": phone,
                      "verified_at": shanghai_now().isoformat(),
                      "tracking_number": numbers, "language": "en"},
            "latest_message": {"text": "where is my parcel", "intent": {"name": "track_parcel"},
                               "entities": []},
            "events": [],
            "paused": False,
            "followup_action": None,
            "active_loop": {},
            "latest_action_name": "tracking_form",
        },
    }


@pytest.fixture(scope="module")
def webhook(stack) -> str:
    return f"{stack.settings.actions_url}/webhook"


@pytest.fixture(scope="module")
def token(stack) -> str:
    return stack.settings.secret("ACTION_SERVER_TOKEN")


@pytest.fixture(scope="module")
def locker_parcel(demo_data):
    """A delivered parcel waiting in a locker: its pickup code opens the locker."""
    return demo_data.find("delivered", delivered_to="locker")


def test_a_tracker_posted_without_the_secret_is_refused(webhook, demo_data):
    reply = requests.post(webhook, json=forged_call(demo_data.phone), timeout=30)
    assert reply.status_code == 401
    assert "ACTION_SERVER_TOKEN" in reply.json()["reason"]
    parcels = asyncio.run(demo_data.carrier.find_parcels_by_phone(demo_data.phone))
    assert parcels and not [p.tracking_number for p in parcels if p.tracking_number in reply.text]


def test_a_forged_verification_does_not_reveal_a_pickup_code(webhook, locker_parcel):
    call = forged_call(locker_parcel.recipient.phone, [locker_parcel.tracking_number])
    reply = requests.post(webhook, json=call, timeout=30)
    assert reply.status_code == 401
    assert locker_parcel.pickup_code not in reply.text
    assert locker_parcel.tracking_number not in reply.text


@pytest.mark.parametrize("how", ["wrong bearer", "token in the query", "no scheme", "token prefix"])
def test_a_wrong_or_misplaced_secret_is_refused(webhook, token, locker_parcel, how):
    call = forged_call(locker_parcel.recipient.phone, [locker_parcel.tracking_number])
    headers, params = {}, {}
    if how == "wrong bearer":
        headers["Authorization"] = "Bearer " + "x" * len(token)
    elif how == "token in the query":
        params["token"] = token  # Rasa's own way; access logs would keep it
    elif how == "no scheme":
        headers["Authorization"] = token
    else:
        headers["Authorization"] = f"Bearer {token[:-1]}"
    reply = requests.post(webhook, json=call, headers=headers, params=params, timeout=30)
    assert reply.status_code == 401
    assert locker_parcel.pickup_code not in reply.text


def test_the_list_of_actions_is_refused_without_the_secret(stack):
    reply = requests.get(f"{stack.settings.actions_url}/actions", timeout=30)
    assert reply.status_code == 401
    assert "action_answer_tracking" not in reply.text


def test_with_the_secret_the_same_call_is_answered(webhook, token, locker_parcel):
    """The refusals above are the gate's doing: the same call with Rasa's secret runs
    the action and answers about the parcel, which is why only Rasa may hold it."""
    call = forged_call(locker_parcel.recipient.phone, [locker_parcel.tracking_number])
    reply = requests.post(webhook, json=call, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    assert reply.status_code == 200
    texts = " ".join(response.get("text") or "" for response in reply.json()["responses"])
    assert locker_parcel.tracking_number in texts


def test_the_health_check_stays_open(stack):
    reply = requests.get(f"{stack.settings.actions_url}/health", timeout=30)
    assert (reply.status_code, reply.json()) == (200, {"status": "ok"})


def test_the_action_server_listens_on_host_only(stack):
    assert stack.settings.host == "127.0.0.1"
    # Another address of this machine (all of 127/8 is local on Linux): a server bound to
    # every interface would answer here too.
    with socket.socket() as probe:
        probe.settimeout(5)
        assert probe.connect_ex(("127.0.0.2", stack.settings.actions_port)) != 0
    with socket.socket() as probe:
        probe.settimeout(5)
        assert probe.connect_ex(("127.0.0.1", stack.settings.actions_port)) == 0


def test_rasa_still_runs_the_actions_with_the_secret(stack, demo_data):
    parcel = demo_data.find("in_transit")
    answer = " ".join(say(stack, f"where is my parcel {parcel.tracking_number}"))
    assert parcel.tracking_number in answer
