"""Adapter for the courier's production tracking API over HTTP.

The contract (paths, JSON shape, answers) is in README.md beside this file; the JSON is
read and written in http_contract.py. Each request has a timeout; connection errors,
timeouts and 5xx answers are retried after a short pause that doubles each time, 4xx
answers are not. Whatever the bot could not rely on (no answer after the retries, a
refusal, a body that is not what the contract describes) raises GatewayError. Error
messages and logs never show a phone number, a verification code or a pickup address.

Creating a return is a POST retried like the rest: it carries the request's
idempotency key in the `Idempotency-Key` header, so a retry after a lost answer gets
the return the first attempt made instead of a second one.
"""
import asyncio
import json
import logging
import os
from contextlib import contextmanager
from typing import Any, Callable, Collection, Dict, Iterator, List, Optional, Tuple, TypeVar
from urllib.parse import quote

import aiohttp

from actions.carrier.gateway import (
    PICKUP_DAYS,
    CarrierGateway,
    Clock,
    GatewayError,
    Parcel,
    PickupSlot,
    Return,
    ReturnRequest,
    TooManyCodes,
    setting,
    shanghai_now,
)
from actions.carrier.http_contract import (
    parcel_from_json,
    parcels_from_json,
    return_from_json,
    return_request_json,
    returns_from_json,
    slots_from_json,
    verdict_from_json,
)

logger = logging.getLogger(__name__)

DEFAULT_TIMEOUT_SECONDS = 3.0
DEFAULT_RETRIES = 2
RETRY_PAUSE_SECONDS = 0.2  # before the first retry; doubles for each further one

CONTRACT = "actions/carrier/README.md"

T = TypeVar("T")


class HttpCarrier(CarrierGateway):
    def __init__(
        self,
        base_url: str,
        token: str,
        timeout_seconds: float = DEFAULT_TIMEOUT_SECONDS,
        retries: int = DEFAULT_RETRIES,
        retry_pause_seconds: float = RETRY_PAUSE_SECONDS,
        clock: Clock = shanghai_now,
    ) -> None:
        self._base_url = base_url.rstrip("/")
        self._token = token
        self._timeout_seconds = timeout_seconds
        self._retries = retries
        self._retry_pause_seconds = retry_pause_seconds
        self._clock = clock
        self._session: Optional[aiohttp.ClientSession] = None

    @classmethod
    def from_environment(cls) -> "HttpCarrier":
        base_url = os.environ.get("CARRIER_API_URL")
        if not base_url:
            raise ValueError(
                "CARRIER_GATEWAY=http needs CARRIER_API_URL, the base URL of the courier's "
                "tracking API (e.g. https://tracking.example.com/v1)."
            )
        return cls(
            base_url,
            os.environ.get("CARRIER_API_TOKEN", ""),
            timeout_seconds=setting("CARRIER_API_TIMEOUT_SECONDS", DEFAULT_TIMEOUT_SECONDS, float),
            retries=setting("CARRIER_API_RETRIES", DEFAULT_RETRIES, int),
        )

    async def get_parcel(self, tracking_number: str) -> Optional[Parcel]:
        url = f"{self._base_url}/parcels/{quote(tracking_number, safe='')}"
        status, body = await self._request("GET", url)
        if status == 404:
            return None
        return decoded("GET", url, body, lambda data: parcel_from_json(data, self._clock()))

    async def find_parcels_by_phone(self, phone: str) -> List[Parcel]:
        url = f"{self._base_url}/parcels"
        with withheld(phone):
            status, body = await self._request("GET", url, query={"phone": phone})
            if status == 404:
                raise missing("GET", url, "the parcel list")
            parcels = decoded(
                "GET", url, body, lambda data: parcels_from_json(data, self._clock())
            )
        return sorted(parcels, key=lambda parcel: parcel.created_at, reverse=True)

    async def send_verification_code(self, phone: str, requester: str) -> None:
        url = f"{self._base_url}/verification-codes"
        with withheld(phone):
            status, _ = await self._request(
                "POST", url, payload={"phone": phone, "requester": requester}, also=(429,)
            )
            if status == 404:
                raise missing("POST", url, "the verification code service")
            if status == 429:
                raise TooManyCodes(f"The carrier API answered 429 to POST {url}: no more codes now.")

    async def check_verification_code(self, phone: str, code: str) -> bool:
        url = f"{self._base_url}/verification-codes/check"
        with withheld(phone, code):
            status, body = await self._request(
                "POST", url, payload={"phone": phone, "code": code}
            )
            if status == 404:
                raise missing("POST", url, "the verification code check")
            return decoded("POST", url, body, verdict_from_json)

    async def pickup_slots(self, tracking_number: str, days: int = PICKUP_DAYS) -> List[PickupSlot]:
        url = f"{self._base_url}/parcels/{quote(tracking_number, safe='')}/pickup-slots"
        status, body = await self._request("GET", url, query={"days": str(days)})
        if status == 404:
            raise GatewayError(
                f"The carrier API answered 404 to GET {url}: it has no parcel "
                f"{tracking_number} to return."
            )
        slots = decoded("GET", url, body, slots_from_json)
        return sorted(slots, key=lambda slot: slot.start)

    async def create_return(self, request: ReturnRequest) -> Return:
        url = f"{self._base_url}/returns"
        with withheld(request.pickup_address):
            status, body = await self._request(
                "POST",
                url,
                payload=return_request_json(request),
                headers={"Idempotency-Key": request.idempotency_key},
            )
            if status == 404:
                raise missing("POST", url, "the returns service")
            return decoded("POST", url, body, return_from_json)

    async def get_return(self, return_number: str) -> Optional[Return]:
        url = f"{self._base_url}/returns/{quote(return_number, safe='')}"
        status, body = await self._request("GET", url)
        if status == 404:
            return None
        return decoded("GET", url, body, return_from_json)

    async def returns_of_parcel(self, tracking_number: str) -> List[Return]:
        url = f"{self._base_url}/parcels/{quote(tracking_number, safe='')}/returns"
        status, body = await self._request("GET", url)
        if status == 404:
            return []
        returns = decoded("GET", url, body, returns_from_json)
        return sorted(returns, key=lambda ret: ret.created_at, reverse=True)

    async def close(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def _request(
        self,
        method: str,
        url: str,
        query: Optional[Dict[str, str]] = None,
        payload: Optional[Dict[str, Any]] = None,
        headers: Optional[Dict[str, str]] = None,
        also: Collection[int] = (),
    ) -> Tuple[int, bytes]:
        """Status (2xx, 404 or one of `also`) and body of the request, retrying
        transient failures.

        `payload` is sent as JSON; every attempt sends the same `headers`. Messages name
        the method and url without the query or the payload, so no phone number, code
        or address reaches the logs.
        """
        attempts = self._retries + 1
        for attempt in range(1, attempts + 1):
            try:
                async with self._client().request(
                    method, url, params=query, json=payload, headers=headers
                ) as response:
                    body = await response.read()
                    if response.status in also:
                        return response.status, body
                    if response.status < 500:
                        return self._accepted(method, url, response.status, body)
                    problem = f"HTTP {response.status}"
            except asyncio.TimeoutError:
                problem = f"no answer within {self._timeout_seconds:g} s"
            except aiohttp.ClientError as error:
                problem = f"{type(error).__name__}: {error}"
            if attempt < attempts:
                logger.warning("Carrier API %s %s failed (%s); retrying.", method, url, problem)
                await asyncio.sleep(self._retry_pause_seconds * 2 ** (attempt - 1))
        raise GatewayError(
            f"The carrier API failed {method} {url} {attempts} times (last: {problem}). "
            "Check that it is up and that CARRIER_API_URL points to it."
        )

    def _accepted(self, method: str, url: str, status: int, body: bytes) -> Tuple[int, bytes]:
        if 200 <= status < 300 or status == 404:
            return status, body
        if status in (401, 403):
            raise GatewayError(
                f"The carrier API refused {method} {url} with HTTP {status}. "
                "Check CARRIER_API_TOKEN."
            )
        raise GatewayError(
            f"The carrier API answered {method} {url} with HTTP {status}: "
            f"{body[:200].decode(errors='replace')}"
        )

    def _client(self) -> aiohttp.ClientSession:
        # Made on first use, inside the event loop that will use it.
        if self._session is None:
            headers = {"Accept": "application/json"}
            if self._token:
                headers["Authorization"] = f"Bearer {self._token}"
            self._session = aiohttp.ClientSession(
                headers=headers, timeout=aiohttp.ClientTimeout(total=self._timeout_seconds)
            )
        return self._session


@contextmanager
def withheld(*private: str) -> Iterator[None]:
    """Blanks these values (phone numbers, codes) out of the GatewayErrors raised inside.

    The adapter's own messages never contain them, but a server may repeat what it was
    sent in an error body, and these messages end up in logs.
    """
    try:
        yield
    except GatewayError as error:
        message = str(error)
        for value in filter(None, private):
            message = message.replace(value, "***")
        raise GatewayError(message) from None


def missing(method: str, url: str, what: str) -> GatewayError:
    return GatewayError(
        f"The carrier API answered 404 to {method} {url}; {what} should always exist. "
        f"Check CARRIER_API_URL and the contract in {CONTRACT}."
    )


def decoded(method: str, url: str, body: bytes, convert: Callable[[Any], T]) -> T:
    """The body as JSON, converted; GatewayError when it does not fit the contract."""
    try:
        data = json.loads(body)
    except ValueError:
        raise GatewayError(
            f"The carrier API answered {method} {url} with a body that is not JSON "
            f"({body[:80]!r}). See the contract in {CONTRACT}."
        ) from None
    try:
        return convert(data)
    except ValueError as problem:
        raise GatewayError(
            f"The carrier API answered {method} {url} with JSON that breaks the contract "
            f"in {CONTRACT}: {problem}."
        ) from None

