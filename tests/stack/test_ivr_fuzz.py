"""Hypothesis against the IVR channel (/webhooks/ivr/turn) of the running Rasa server:
odd turns, wrong types, broken bytes and odd headers. Whatever arrives: never a 5xx,
a reason with every 4xx, nothing in the servers' logs that says a handler broke, and
afterwards a call is still answered. The examples are the same on every run."""
import json
import uuid
from typing import Any, Dict, Optional

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from chat import front_end_headers
from fuzzing import as_curl, broken, repeatable
from test_fuzz_channels import HEADERS, JSON_VALUES, TEXTS, Logs, broken_json

TIMEOUT = 60
IDS = st.text(max_size=12) | st.sampled_from(["", "c" * 129, "call-1", "a b", "\ud800"]) | JSON_VALUES
EVENTS = st.sampled_from(["start", "no_input", "no_match", "hangup", "transfer_result", "ring", ""]) | JSON_VALUES
DIGITS = st.from_regex(r"[0-9*#]{0,40}", fullmatch=True) | JSON_VALUES
TURN_FIELDS = {
    "call_id": IDS, "turn_id": IDS | st.integers(), "caller": st.from_regex(r"\+?[0-9]{0,24}", fullmatch=True) | JSON_VALUES,
    "dialled": IDS, "locale": st.sampled_from(["zh-CN", "zh-TW", "en-US", "xx", ""]) | JSON_VALUES,
    "text": TEXTS | JSON_VALUES, "confidence": st.floats() | JSON_VALUES, "digits": DIGITS,
    "event": EVENTS, "count": st.integers() | JSON_VALUES,
    "status": st.sampled_from(["connected", "failed", "busy", "no_answer", "x"]) | JSON_VALUES,
}
ODD_TURNS = st.fixed_dictionaries({}, optional=TURN_FIELDS)
# Turns that pass the channel's checks, so odd inputs reach the assistant.
WELL_FORMED_TURNS = st.fixed_dictionaries(
    {"call_id": st.uuids().map(str), "turn_id": st.integers(1, 5).map(str)},
    optional={"caller": st.from_regex(r"1[0-9]{10}", fullmatch=True), "locale": st.sampled_from(["zh-CN", "en-US"])},
).flatmap(lambda base: st.one_of(
    st.builds(lambda text, confidence: {**base, "text": text, "confidence": confidence},
              TEXTS, st.floats(0, 1)),
    st.builds(lambda digits: {**base, "digits": digits}, st.from_regex(r"[0-9*]{1,20}#?", fullmatch=True)),
    st.builds(lambda event, count, status: {**base, "event": event, "count": count, "status": status},
              st.sampled_from(["start", "no_input", "no_match", "hangup", "transfer_result"]),
              st.integers(1, 5), st.sampled_from(["connected", "failed", "busy", "no_answer"])),
))
BODIES = WELL_FORMED_TURNS | ODD_TURNS | JSON_VALUES
HARD_BODIES = {
    "nested-20000-deep": b"[" * 20_000 + b"]" * 20_000,
    "text-a-lone-surrogate": b'{"call_id": "CALL", "turn_id": "1", "text": "\\ud800"}',
    "text-100000-chars": b'{"call_id": "CALL", "turn_id": "1", "text": "' + b"x" * 100_000 + b'"}',
    "confidence-nan": b'{"call_id": "CALL", "turn_id": "1", "text": "hi", "confidence": NaN}',
    "turn-id-huge-number": b'{"call_id": "CALL", "turn_id": 1e999, "text": "hi"}',
    "byte-order-mark": b'\xef\xbb\xbf{"call_id": "CALL", "turn_id": "1", "event": "start"}',
    "not-utf-8": b'{"call_id": "CALL", "turn_id": "1", "text": "\xff\xfe"}',
}


@pytest.fixture(scope="module")
def logs(stack) -> Logs:
    return Logs(stack)


def url(stack) -> str:
    return f"{stack.settings.rasa_url}/webhooks/ivr/turn"


def send(stack, logs: Logs, body: bytes, headers: Dict[str, str]) -> int:
    request = as_curl("POST", url(stack), headers, body)
    logs.mark()
    try:
        reply = requests.post(url(stack), data=body, headers=headers, timeout=TIMEOUT)
    except requests.RequestException as error:
        raise AssertionError(broken("The IVR channel", request, "nothing", repr(error), logs.rasa)) from None
    assert reply.status_code < 500, broken("The IVR channel", request, reply.status_code, reply.text, logs.rasa)
    if reply.status_code >= 400:
        assert reply.json().get("error"), broken("The IVR channel", request, reply.status_code, reply.text, logs.rasa)
    else:
        assert reply.json()["action"] in ("continue", "transfer", "hangup"), reply.text
    logs.assert_nothing_broke(request, reply.status_code, reply.text)
    return reply.status_code


def headers_of(stack, front_end: Optional[str]) -> Dict[str, str]:
    return {"Content-Type": "application/json", **(front_end_headers(stack, front_end) if front_end else {})}


def assert_a_call_is_still_answered(stack) -> None:
    body = {"call_id": uuid.uuid4().hex, "turn_id": "1", "caller": "13900000001", "event": "start"}
    reply = requests.post(url(stack), json=body, headers=headers_of(stack, "ivr"), timeout=TIMEOUT)
    assert reply.status_code == 200 and reply.json()["prompts"], reply.text


@pytest.mark.parametrize("front_end", [None, "ivr", "app"], ids=lambda f: f or "nobody")
def test_no_json_turn_breaks_the_ivr_channel(stack, logs, front_end):
    headers = headers_of(stack, front_end)

    @repeatable(100)
    @given(body=BODIES)
    def post(body: Any):
        status = send(stack, logs, json.dumps(body).encode("ascii"), headers)
        # Only the IVR front end's token opens this channel.
        assert front_end == "ivr" or status == 401, f"{status} for {front_end} with {body!r:.300}"

    post()
    assert_a_call_is_still_answered(stack)


def test_no_bytes_or_headers_break_the_ivr_channel(stack, logs):
    @repeatable(80)
    @given(body=st.binary(max_size=200) | st.builds(broken_json, BODIES, st.integers(0, 2000)), headers=HEADERS)
    def post(body: bytes, headers: Dict[str, str]):
        send(stack, logs, body, {**headers_of(stack, "ivr"), **headers})

    post()
    assert_a_call_is_still_answered(stack)


@pytest.mark.parametrize("case", HARD_BODIES)
def test_a_hard_turn_gets_an_answer_or_a_4xx(stack, logs, case):
    body = HARD_BODIES[case].replace(b"CALL", uuid.uuid4().hex.encode())
    send(stack, logs, body, headers_of(stack, "ivr"))
