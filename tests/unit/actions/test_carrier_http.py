"""The HTTP carrier adapter against a real local server that speaks the contract.

The server serves the demo parcels, sends and checks verification codes, and books
returns in memory, under
several prefixes; each prefix behaves in one way (well, slowly, failing once, always
failing, garbled...) and counts the requests it receives, so retries are checked from
the server's side.
"""
import asyncio
import dataclasses
import json
import secrets
import threading
import time
from collections import Counter
from datetime import date, datetime
from typing import Any, Awaitable, Callable, Dict, List

import pytest
from aiohttp import web

from actions.carrier import GatewayError, Parcel, ParcelStatus, create_gateway
from actions.carrier.demo_parcels import build_parcels
from actions.carrier.gateway import (
    SHANGHAI,
    TooManyCodes,
    PickupSlot,
    RefundState,
    Return,
    ReturnRequest,
    ReturnStatus,
    current_status,
    pickup_windows,
    return_idempotency_key,
)
from actions.carrier.http_carrier import HttpCarrier
from commands.processes import free_port

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
TOKEN = "test-token"
SLOW_SECONDS = 2.0
SHORT_TIMEOUT_SECONDS = 0.3
PHONE = "13812345678"
ASKER = "conversation-1"


def as_json(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"{value!r} has no JSON form")


def parcel_json(parcel: Parcel) -> Dict[str, Any]:
    """A parcel as the contract's JSON (ParcelStatus is a str, so it needs no help)."""
    return json.loads(json.dumps(dataclasses.asdict(parcel), default=as_json))


def slot_json(slot: PickupSlot) -> Dict[str, str]:
    return {"start": slot.start.isoformat(), "end": slot.end.isoformat()}


class CarrierApi:
    """The documented contract, with a misbehaving variant under each prefix."""

    def __init__(self, parcels: List[Parcel]) -> None:
        self.parcels = {parcel.tracking_number: parcel for parcel in parcels}
        self.codes: Dict[str, str] = {}  # the code last texted to each phone, until used
        self.returns: Dict[str, Dict[str, Any]] = {}  # return number -> the return's JSON
        self.return_keys: Dict[str, str] = {}  # idempotency key -> return number
        self.requests: Counter = Counter()
        self.code_requesters: List[str] = []  # who asked each code, in order
        self.url = ""

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/{behaviour}/parcels/{number}", self.parcel)
        app.router.add_get("/{behaviour}/parcels", self.parcels_of_phone)
        app.router.add_post("/{behaviour}/verification-codes", self.send_code)
        app.router.add_post("/{behaviour}/verification-codes/check", self.check_code)
        app.router.add_get("/{behaviour}/parcels/{number}/pickup-slots", self.pickup_slots)
        app.router.add_get("/{behaviour}/parcels/{number}/returns", self.returns_of_parcel)
        app.router.add_post("/{behaviour}/returns", self.create_return)
        app.router.add_get("/{behaviour}/returns/{rma}", self.get_return)
        return app

    async def pickup_slots(self, request: web.Request) -> web.Response:
        if request.match_info["number"] not in self.parcels:
            return await self.answer(request, web.json_response({"error": "not_found"}, status=404))
        slots = pickup_windows(NOW, int(request.query["days"]))
        return await self.answer(request, web.json_response([slot_json(s) for s in slots]))

    async def create_return(self, request: web.Request) -> web.Response:
        asked = await request.json()
        key = request.headers["Idempotency-Key"]
        if key in self.return_keys:
            existing = self.returns[self.return_keys[key]]
            return await self.answer(request, web.json_response(existing, status=200))
        parcel = self.parcels.get(asked["tracking_number"])
        if parcel is None or parcel.status is not ParcelStatus.DELIVERED:
            refusal = web.json_response({"error": "not_returnable", "request": asked}, status=422)
            return await self.answer(request, refusal)
        number = f"RT{len(self.returns) + 1:010d}"
        made = {
            "return_number": number,
            "tracking_number": asked["tracking_number"],
            "category": asked["category"],
            "reason": asked["reason"],
            "status": "requested",
            "pickup_slot": asked["pickup_slot"],
            "pickup_address": asked["pickup_address"],
            "refund_state": "none",
            "created_at": NOW.isoformat(),
            "events": [{"time": NOW.isoformat(), "status": "requested"}],
        }
        if request.match_info["behaviour"] == "malformed":
            made["status"] = "lost_in_space"
        created = web.json_response(made, status=201)
        response = await self.answer(request, created)
        if response is created:
            self.returns[number] = made
            self.return_keys[key] = number
        return response

    async def get_return(self, request: web.Request) -> web.Response:
        made = self.returns.get(request.match_info["rma"])
        if made is None:
            return await self.answer(request, web.json_response({"error": "not_found"}, status=404))
        return await self.answer(request, web.json_response(made))

    async def returns_of_parcel(self, request: web.Request) -> web.Response:
        number = request.match_info["number"]
        found = [made for made in self.returns.values() if made["tracking_number"] == number]
        return await self.answer(request, web.json_response(found))

    async def parcel(self, request: web.Request) -> web.Response:
        parcel = self.parcels.get(request.match_info["number"])
        if parcel is None:
            return await self.answer(request, web.json_response({"error": "not_found"}, status=404))
        data = parcel_json(parcel)
        behaviour = request.match_info["behaviour"]
        if behaviour == "incomplete":
            del data["recipient"]
        if behaviour == "mistyped":
            data["events"][0]["time"] = 1700000000
        if behaviour == "unordered":
            data["events"].reverse()
        return await self.answer(request, web.json_response(data))

    async def parcels_of_phone(self, request: web.Request) -> web.Response:
        phone = request.query["phone"]
        found = [
            parcel_json(parcel)
            for parcel in self.parcels.values()
            if phone in (parcel.recipient.phone, parcel.sender.phone)
        ]
        return await self.answer(request, web.json_response(found))

    # The code handlers change their codes only when the request is answered normally,
    # as a real service does not act on a request it fails.

    async def send_code(self, request: web.Request) -> web.Response:
        asked = await request.json()
        phone = asked["phone"]
        self.code_requesters.append(asked["requester"])
        if request.match_info["behaviour"] == "limited":
            return await self.answer(request, web.json_response({"error": "too_many"}, status=429))
        sent = web.Response(status=202)
        response = await self.answer(request, sent)
        if response is sent:
            self.codes[phone] = f"{secrets.randbelow(10**6):06d}"
        return response

    async def check_code(self, request: web.Request) -> web.Response:
        asked = await request.json()
        behaviour = request.match_info["behaviour"]
        if behaviour == "malformed":
            return await self.answer(request, web.json_response({"valid": "yes"}))
        if behaviour == "echoing":
            # Repeats the request in its error, as some services do.
            refusal = web.json_response({"error": "rejected", "request": asked}, status=422)
            return await self.answer(request, refusal)
        valid = self.codes.get(asked["phone"]) == asked["code"]
        checked = web.json_response({"valid": valid})
        response = await self.answer(request, checked)
        if response is checked and valid:
            del self.codes[asked["phone"]]
        return response

    async def answer(self, request: web.Request, normal: web.Response) -> web.Response:
        behaviour = request.match_info["behaviour"]
        self.requests[behaviour] += 1
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            return web.json_response({"error": "unauthorized"}, status=401)
        if behaviour == "slow":
            await asyncio.sleep(SLOW_SECONDS)
        if behaviour == "down" or (behaviour == "flaky" and self.requests[behaviour] == 1):
            return web.Response(status=500, text="Internal Server Error")
        if behaviour == "garbled":
            return web.Response(text='{"tracking_number": "KD2026', content_type="application/json")
        return normal


@pytest.fixture(scope="module")
def server():
    api = CarrierApi(build_parcels(NOW))
    port = free_port()
    api.url = f"http://127.0.0.1:{port}"
    loop = asyncio.new_event_loop()
    # A client that gave up (timed out) cancels its handler: none is left sleeping.
    runner = web.AppRunner(api.app(), handler_cancellation=True)
    loop.run_until_complete(runner.setup())
    loop.run_until_complete(web.TCPSite(runner, "127.0.0.1", port).start())
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    yield api
    asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(timeout=30)
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.close()


@pytest.fixture
def api(server) -> CarrierApi:
    server.requests.clear()
    return server


def ask(base_url: str, question: Callable[[HttpCarrier], Awaitable[Any]], **options) -> Any:
    """Asks `question` through a new adapter on `base_url`, then closes it."""
    settings = {"token": TOKEN, "timeout_seconds": 5.0, "retry_pause_seconds": 0.01}
    carrier = HttpCarrier(base_url, clock=lambda: NOW, **{**settings, **options})

    async def run() -> Any:
        try:
            return await question(carrier)
        finally:
            await carrier.close()

    return asyncio.run(run())


def expected(api: CarrierApi, number: str) -> Parcel:
    """What the adapter should make of a served parcel: the server sends the recorded
    status, the adapter reports a quiet moving parcel as STUCK."""
    served = api.parcels[number]
    return dataclasses.replace(
        served, status=current_status(served.status, served.last_scan.time, NOW)
    )


def number_of(api: CarrierApi, *, delivered_to=None, stuck=False) -> str:
    for number in api.parcels:
        if stuck and expected(api, number).status is ParcelStatus.STUCK:
            return number
        if delivered_to and api.parcels[number].delivered_to == delivered_to:
            return number
    raise LookupError("no such parcel in the demo seed")


@pytest.mark.parametrize(
    "kind", [{"delivered_to": "locker"}, {"delivered_to": "other"}, {"stuck": True}]
)
def test_a_parcel_comes_back_as_the_carrier_sent_it(api, kind):
    number = number_of(api, **kind)
    parcel = ask(f"{api.url}/ok", lambda carrier: carrier.get_parcel(number))
    assert parcel == expected(api, number)
    assert api.requests["ok"] == 1


def test_events_come_back_oldest_first_whatever_order_they_were_sent_in(api):
    number = number_of(api, delivered_to="station")
    parcel = ask(f"{api.url}/unordered", lambda carrier: carrier.get_parcel(number))
    assert parcel == expected(api, number)


def test_a_quiet_moving_parcel_is_reported_stuck(api):
    number = number_of(api, stuck=True)
    assert api.parcels[number].status is ParcelStatus.IN_TRANSIT
    parcel = ask(f"{api.url}/ok", lambda carrier: carrier.get_parcel(number))
    assert parcel.status is ParcelStatus.STUCK


def test_an_unknown_number_is_none_and_not_retried(api):
    assert ask(f"{api.url}/ok", lambda carrier: carrier.get_parcel("KD000000000000")) is None
    assert api.requests["ok"] == 1


def test_lookup_by_phone_returns_all_parcels_newest_first(api):
    phones = Counter(parcel.recipient.phone for parcel in api.parcels.values())
    phone, count = phones.most_common(1)[0]
    found = ask(f"{api.url}/ok", lambda carrier: carrier.find_parcels_by_phone(phone))

    assert count >= 3 and len(found) >= count
    assert all(phone in (parcel.recipient.phone, parcel.sender.phone) for parcel in found)
    created = [parcel.created_at for parcel in found]
    assert created == sorted(created, reverse=True)
    assert found[0] == expected(api, found[0].tracking_number)


def test_a_phone_without_parcels_gives_an_empty_list(api):
    assert ask(f"{api.url}/ok", lambda carrier: carrier.find_parcels_by_phone("13000000000")) == []


def test_a_slow_answer_times_out_and_is_retried(api):
    started = time.monotonic()
    with pytest.raises(GatewayError, match=r"3 times \(last: no answer within 0.3 s\)"):
        ask(
            f"{api.url}/slow",
            lambda carrier: carrier.get_parcel(number_of(api, stuck=True)),
            timeout_seconds=SHORT_TIMEOUT_SECONDS,
        )
    # No attempt waited for the slow answer.
    assert time.monotonic() - started < SLOW_SECONDS
    assert api.requests["slow"] == 3


def test_one_server_error_is_retried_and_the_retry_succeeds(api):
    number = number_of(api, delivered_to="station")
    assert ask(f"{api.url}/flaky", lambda carrier: carrier.get_parcel(number)) == expected(
        api, number
    )
    assert api.requests["flaky"] == 2


@pytest.mark.parametrize("retries", [0, 1, 2, 4])
def test_server_errors_are_retried_as_often_as_configured(api, retries):
    with pytest.raises(GatewayError, match=f"{retries + 1} times.*HTTP 500.*CARRIER_API_URL"):
        ask(f"{api.url}/down", lambda carrier: carrier.get_parcel("KD000000000000"),
            retries=retries)
    assert api.requests["down"] == retries + 1


def test_a_server_that_is_not_there_is_a_gateway_error():
    nobody = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(GatewayError, match="3 times.*CARRIER_API_URL"):
        ask(nobody, lambda carrier: carrier.find_parcels_by_phone("13800138000"))


def test_a_body_that_is_not_json_is_a_gateway_error_without_retry(api):
    with pytest.raises(GatewayError, match="not JSON"):
        ask(f"{api.url}/garbled", lambda carrier: carrier.get_parcel("KD000000000000"))
    assert api.requests["garbled"] == 1


def test_a_parcel_without_a_required_field_is_a_gateway_error(api):
    number = number_of(api, delivered_to="person")
    with pytest.raises(GatewayError, match="parcel has no 'recipient'"):
        ask(f"{api.url}/incomplete", lambda carrier: carrier.get_parcel(number))


def test_a_field_of_the_wrong_type_is_a_gateway_error(api):
    number = number_of(api, delivered_to="person")
    with pytest.raises(GatewayError, match=r"parcel.events\[0\].time is a number, not a string"):
        ask(f"{api.url}/mistyped", lambda carrier: carrier.get_parcel(number))


def test_a_wrong_token_is_a_gateway_error_without_retry(api):
    with pytest.raises(GatewayError, match="HTTP 401.*CARRIER_API_TOKEN"):
        ask(f"{api.url}/ok", lambda carrier: carrier.get_parcel("KD000000000000"),
            token="wrong")
    assert api.requests["ok"] == 1


def test_create_gateway_configures_the_adapter_from_the_environment(api, monkeypatch):
    monkeypatch.setenv("CARRIER_GATEWAY", "http")
    monkeypatch.setenv("CARRIER_API_URL", f"{api.url}/down")
    monkeypatch.setenv("CARRIER_API_TOKEN", TOKEN)
    monkeypatch.setenv("CARRIER_API_TIMEOUT_SECONDS", "1.5")
    monkeypatch.setenv("CARRIER_API_RETRIES", "1")
    carrier = create_gateway()
    assert isinstance(carrier, HttpCarrier)

    async def run() -> None:
        try:
            await carrier.get_parcel("KD000000000000")
        finally:
            await carrier.close()

    with pytest.raises(GatewayError, match="2 times"):
        asyncio.run(run())
    assert api.requests["down"] == 2


def test_the_http_gateway_needs_its_url(monkeypatch):
    monkeypatch.setenv("CARRIER_GATEWAY", "http")
    monkeypatch.delenv("CARRIER_API_URL", raising=False)
    with pytest.raises(ValueError, match="CARRIER_API_URL"):
        create_gateway()


@pytest.mark.parametrize(
    "name, value",
    [("CARRIER_API_RETRIES", "two"), ("CARRIER_API_RETRIES", "-1"),
     ("CARRIER_API_TIMEOUT_SECONDS", "soon")],
)
def test_a_bad_number_in_the_environment_is_refused(monkeypatch, name, value):
    monkeypatch.setenv("CARRIER_GATEWAY", "http")
    monkeypatch.setenv("CARRIER_API_URL", "http://127.0.0.1:1")
    monkeypatch.setenv(name, value)
    with pytest.raises(ValueError, match=name):
        create_gateway()


def send_and_check(base_url: str, code_for: Callable[[], str], **options) -> bool:
    """Sends a code to PHONE through `base_url`, then checks `code_for()` there."""

    async def question(carrier: HttpCarrier) -> bool:
        await carrier.send_verification_code(PHONE, ASKER)
        return await carrier.check_verification_code(PHONE, code_for())

    return ask(base_url, question, **options)


def test_the_code_sent_is_valid_once(api):
    assert send_and_check(f"{api.url}/ok", lambda: api.codes[PHONE]) is True
    assert PHONE not in api.codes
    assert api.requests["ok"] == 2


def test_a_wrong_code_is_not_valid(api):
    def wrong() -> str:
        return f"{(int(api.codes[PHONE]) + 1) % 10**6:06d}"

    assert send_and_check(f"{api.url}/ok", wrong) is False
    assert PHONE in api.codes


def test_the_requester_is_sent_with_the_phone(api):
    ask(f"{api.url}/ok", lambda carrier: carrier.send_verification_code(PHONE, ASKER))
    assert api.code_requesters[-1] == ASKER


def test_a_429_to_a_send_is_too_many_codes_and_not_retried(api):
    with pytest.raises(TooManyCodes) as refused:
        ask(f"{api.url}/limited", lambda carrier: carrier.send_verification_code(PHONE, ASKER))
    assert api.requests["limited"] == 1
    assert PHONE not in str(refused.value)


def test_a_send_that_fails_once_is_retried(api):
    ask(f"{api.url}/flaky", lambda carrier: carrier.send_verification_code(PHONE, ASKER))
    assert api.requests["flaky"] == 2
    code = api.codes[PHONE]
    assert ask(f"{api.url}/ok", lambda carrier: carrier.check_verification_code(PHONE, code))


def test_a_check_that_fails_once_is_retried(api):
    ask(f"{api.url}/ok", lambda carrier: carrier.send_verification_code(PHONE, ASKER))
    code = api.codes[PHONE]
    assert ask(f"{api.url}/flaky", lambda carrier: carrier.check_verification_code(PHONE, code))
    assert api.requests["flaky"] == 2


def test_a_malformed_check_answer_is_a_gateway_error(api):
    with pytest.raises(GatewayError, match="check answer.valid is a string, not true or false"):
        send_and_check(f"{api.url}/malformed", lambda: api.codes[PHONE])


def test_a_check_answer_that_is_not_json_is_a_gateway_error(api):
    with pytest.raises(GatewayError, match="POST .*/garbled/verification-codes/check.*not JSON"):
        ask(f"{api.url}/garbled", lambda carrier: carrier.check_verification_code(PHONE, "1"))


def test_a_wrong_token_refuses_a_send_without_retry(api):
    with pytest.raises(GatewayError, match="refused POST .* HTTP 401.*CARRIER_API_TOKEN"):
        ask(f"{api.url}/ok", lambda carrier: carrier.send_verification_code(PHONE, ASKER),
            token="wrong")
    assert api.requests["ok"] == 1


def test_a_missing_verification_service_is_a_gateway_error(api):
    with pytest.raises(GatewayError, match="404 to POST .*CARRIER_API_URL"):
        ask(f"{api.url}/ok/v0", lambda carrier: carrier.send_verification_code(PHONE, ASKER))


@pytest.mark.parametrize(
    "behaviour, options, problem",
    [
        ("ok", {"token": "wrong"}, "HTTP 401"),
        ("down", {}, "HTTP 500"),
        ("malformed", {}, "breaks the contract"),
        ("echoing", {}, "HTTP 422"),
    ],
)
def test_gateway_errors_show_neither_phone_nor_code(api, behaviour, options, problem):
    code = "482913"
    with pytest.raises(GatewayError, match=problem) as raised:
        ask(f"{api.url}/{behaviour}",
            lambda carrier: carrier.check_verification_code(PHONE, code), **options)
    message = str(raised.value)
    assert PHONE not in message and code not in message


# Returns


def return_request(api: CarrierApi, conversation: str = "conversation-1",
                   number: str = "") -> ReturnRequest:
    number = number or number_of(api, delivered_to="person")
    return ReturnRequest(
        tracking_number=number,
        category="electronics",
        reason="quality",
        answers={"opened": True, "activated": False},
        pickup_slot=pickup_windows(NOW)[0],
        pickup_address=api.parcels[number].recipient.address,
        idempotency_key=return_idempotency_key(conversation, number),
    )


def test_pickup_slots_come_back_as_offered(api):
    number = number_of(api, delivered_to="person")
    slots = ask(f"{api.url}/ok", lambda carrier: carrier.pickup_slots(number))
    assert slots == pickup_windows(NOW, 3) and len(slots) == 8
    assert all(slot.start.tzinfo == SHANGHAI for slot in slots)


def test_pickup_slots_of_an_unknown_parcel_are_a_gateway_error(api):
    with pytest.raises(GatewayError, match="no parcel KD000000000000"):
        ask(f"{api.url}/ok", lambda carrier: carrier.pickup_slots("KD000000000000"))


def test_a_return_is_created_and_found_again(api):
    request = return_request(api, "created-and-found")
    made = ask(f"{api.url}/ok", lambda carrier: carrier.create_return(request))

    assert isinstance(made, Return) and made.return_number in api.returns
    assert made.status is ReturnStatus.REQUESTED and made.refund_state is RefundState.NONE
    assert made.pickup_slot == request.pickup_slot
    assert made.pickup_address == request.pickup_address
    assert made.events == [(NOW, ReturnStatus.REQUESTED)]
    assert ask(f"{api.url}/ok", lambda carrier: carrier.get_return(made.return_number)) == made
    assert made in ask(
        f"{api.url}/ok", lambda carrier: carrier.returns_of_parcel(request.tracking_number)
    )


def test_the_same_request_twice_gives_the_same_return(api):
    request = return_request(api, "twice")
    first = ask(f"{api.url}/ok", lambda carrier: carrier.create_return(request))
    again = ask(f"{api.url}/ok", lambda carrier: carrier.create_return(request))
    assert again == first
    assert list(api.return_keys.values()).count(first.return_number) == 1


def test_an_unknown_return_number_is_none(api):
    assert ask(f"{api.url}/ok", lambda carrier: carrier.get_return("RT9999999999")) is None
    assert api.requests["ok"] == 1


def test_a_create_that_fails_once_is_retried_with_its_key(api):
    request = return_request(api, "flaky")
    made = ask(f"{api.url}/flaky", lambda carrier: carrier.create_return(request))
    assert api.requests["flaky"] == 2
    assert api.return_keys[request.idempotency_key] == made.return_number


def test_a_refused_return_is_a_gateway_error_without_the_address(api):
    moving = next(n for n, p in api.parcels.items() if p.status is ParcelStatus.IN_TRANSIT)
    request = return_request(api, "refused", number=moving)
    with pytest.raises(GatewayError, match="HTTP 422") as raised:
        ask(f"{api.url}/ok", lambda carrier: carrier.create_return(request))
    assert request.pickup_address not in str(raised.value)
    assert api.requests["ok"] == 1


def test_a_malformed_return_is_a_gateway_error(api):
    request = return_request(api, "malformed")
    with pytest.raises(GatewayError, match="return.status has an invalid value 'lost_in_space'"):
        ask(f"{api.url}/malformed", lambda carrier: carrier.create_return(request))


def test_a_return_answer_that_is_not_json_is_a_gateway_error(api):
    with pytest.raises(GatewayError, match="GET .*/garbled/returns/RT0000000001.*not JSON"):
        ask(f"{api.url}/garbled", lambda carrier: carrier.get_return("RT0000000001"))


def test_returns_of_a_parcel_are_newest_first(api):
    number = number_of(api, delivered_to="locker")
    for conversation in ("older", "newer"):
        ask(f"{api.url}/ok",
            lambda carrier: carrier.create_return(return_request(api, conversation, number)))
    # The service lists them oldest first; the adapter turns them round.
    older, newer = [made for made in api.returns.values() if made["tracking_number"] == number]
    newer["created_at"] = newer["events"][0]["time"] = "2026-11-23T10:05:00+08:00"
    found = ask(f"{api.url}/ok", lambda carrier: carrier.returns_of_parcel(number))
    assert [ret.return_number for ret in found] == [newer["return_number"], older["return_number"]]
    assert ask(f"{api.url}/ok", lambda carrier: carrier.returns_of_parcel("KD000000000000")) == []
