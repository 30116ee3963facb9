"""Rasa's calls to the action server over kept connections instead of a new one each.

Rasa 3.6 opens a new aiohttp session, so a new TCP connection, for every request to an
endpoint (`EndpointConfig.session` in rasa/utils/endpoints.py): three or four per turn
to the action server, each connected, used once and closed by both sides. Under load
that was 5 % of the Rasa server's time (aiohttp, py-spy), besides the action server's
own work accepting them.

Here each endpoint keeps one session per event loop, with the same headers, auth and
default timeout as Rasa's. Idle connections are dropped after `IDLE_SECONDS`, before
the action server (Sanic: 5 s keep-alive) would close them under a request in flight.
Rasa's callers still write `async with endpoint.session() as session:`; leaving that
block no longer closes the kept session.
"""
import asyncio
from typing import Any, Optional

import aiohttp
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.utils.endpoints import EndpointConfig

IDLE_SECONDS = 2.0


class _Borrowed:
    """`async with` over a kept session: hands it out, leaves it open."""

    def __init__(self, session: aiohttp.ClientSession) -> None:
        self._session = session

    async def __aenter__(self) -> aiohttp.ClientSession:
        return self._session

    async def __aexit__(self, *_exc: Any) -> None:
        return None


def kept_session(endpoint: EndpointConfig) -> _Borrowed:
    loop = asyncio.get_running_loop()
    session: Optional[aiohttp.ClientSession] = getattr(endpoint, "_kept_session", None)
    if session is None or session.closed or getattr(endpoint, "_kept_loop", None) is not loop:
        auth = (aiohttp.BasicAuth(endpoint.basic_auth["username"], endpoint.basic_auth["password"])
                if endpoint.basic_auth else None)
        session = aiohttp.ClientSession(
            headers=endpoint.headers,
            auth=auth,
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            connector=aiohttp.TCPConnector(keepalive_timeout=IDLE_SECONDS),
        )
        endpoint._kept_session, endpoint._kept_loop = session, loop
    return _Borrowed(session)


def install() -> None:
    EndpointConfig.session = kept_session
