"""Rasa's calls to the action server reuse one connection (bot/action_connections.py)
and survive the server closing an idle one."""
import asyncio

import pytest
from aiohttp import web
from rasa.utils.endpoints import EndpointConfig

from bot import action_connections


@pytest.fixture
def kept(monkeypatch):
    monkeypatch.setattr(EndpointConfig, "session", action_connections.kept_session)


async def serve(keepalive_timeout):
    """A JSON endpoint that records the client port of every request."""
    ports = []

    async def answer(request):
        ports.append(request.transport.get_extra_info("peername")[1])
        return web.json_response({"events": [], "responses": [{"text": "ok"}]})

    app = web.Application()
    app.router.add_post("/webhook", answer)
    runner = web.AppRunner(app, keepalive_timeout=keepalive_timeout)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    return runner, f"http://127.0.0.1:{port}/webhook", ports


def test_calls_in_a_row_share_one_connection(kept):
    async def scenario():
        runner, url, ports = await serve(keepalive_timeout=75)
        endpoint = EndpointConfig(url)
        answers = [await endpoint.request(json={"next_action": "action_track_parcel"})
                   for _ in range(5)]
        await runner.cleanup()
        return answers, ports

    answers, ports = asyncio.run(scenario())
    assert answers == [{"events": [], "responses": [{"text": "ok"}]}] * 5
    assert len(set(ports)) == 1


def test_a_call_after_the_server_dropped_the_idle_connection_still_succeeds(kept):
    async def scenario():
        # The server closes idle connections after 0.5 s; the client drops its own
        # after IDLE_SECONDS, so a call after a pause must open a fresh one, not fail.
        runner, url, ports = await serve(keepalive_timeout=0.5)
        endpoint = EndpointConfig(url)
        first = await endpoint.request(json={})
        await asyncio.sleep(1.0)
        second = await endpoint.request(json={})
        await asyncio.sleep(action_connections.IDLE_SECONDS + 0.5)
        third = await endpoint.request(json={})
        await runner.cleanup()
        return [first, second, third], ports

    answers, ports = asyncio.run(scenario())
    assert all(answer["responses"] == [{"text": "ok"}] for answer in answers)
    assert len(ports) == 3


def test_leaving_the_async_with_block_keeps_the_session_open(kept):
    async def scenario():
        endpoint = EndpointConfig("http://127.0.0.1:9/webhook")
        async with endpoint.session() as first:
            pass
        async with endpoint.session() as second:
            pass
        closed = first.closed
        await first.close()
        return first is second, closed

    assert asyncio.run(scenario()) == (True, False)
