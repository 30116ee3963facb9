"""Times an agent's message on its way to the customer's web chat.

    .venv/bin/python -m commands.bench_handoff_relay [--messages 200] [--target-ms 300]

Starts the whole assistant on free ports (Rasa, action server, handoff service, an
embedded Redis unless REDIS_URL is set), connects a customer over socket.io as the web
chat does, asks for a person, logs an agent in and claims the conversation. Then the
agent sends messages one after another through the service's API; each is timed from
the moment the agent's request leaves until the customer's socket receives it. Prints
p50/p95/p99 in milliseconds and exits with 1 when p95 is over the target.
"""
import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import socketio

from commands.launcher import Stack
from commands.processes import free_port
from foundation.settings import Settings
from commands.training import ensure_model
from handoff.demo_users import ensure_demo_users
from commands.latency import percentiles


async def relay_latencies(stack: Stack, password: str, count: int) -> list:
    settings = stack.settings
    customer = socketio.AsyncClient()
    received: asyncio.Queue = asyncio.Queue()
    confirmed: asyncio.Future = asyncio.get_running_loop().create_future()
    customer.on("bot_uttered", lambda data: received.put_nowait(data))
    # The server issues the session: a signed token "<conversation id>.<signature>".
    customer.on("session_confirm", lambda token: confirmed.done() or confirmed.set_result(token))
    await customer.connect(settings.rasa_url, socketio_path="/socket.io", transports=["websocket"])
    async with aiohttp.ClientSession(settings.handoff_url) as api:
        login = await api.post("/api/login", json={"user": "agent1", "password": password})
        headers = {"Authorization": f"Bearer {(await login.json())['token']}"}
        await customer.emit("session_request", {"session_id": None})
        token = await asyncio.wait_for(confirmed, 10)
        token = token.get("session_id") if isinstance(token, dict) else token
        conversation = token.split(".")[0]
        await customer.emit("user_uttered", {"message": "转人工", "session_id": token})
        await asyncio.sleep(3)  # the bot's replies: handing over, position in the queue
        while not received.empty():
            received.get_nowait()
        claim = await api.post("/api/claim", headers=headers)
        assert claim.status == 200, f"Nothing to claim ({claim.status})."
        latencies = []
        for number in range(1, count + 1):
            text = f"客服消息 {number}"
            started = time.perf_counter()
            sent = await api.post(f"/api/conversations/{conversation}/messages",
                                  json={"text": text}, headers=headers)
            assert sent.status == 201, await sent.text()
            while (await asyncio.wait_for(received.get(), 10))["text"] != text:
                pass
            latencies.append((time.perf_counter() - started) * 1000)
            if number % 20 == 0 or number == count:
                print(f"\ragent → customer: {number}/{count}", end="", flush=True)
        print()
        await api.post(f"/api/conversations/{conversation}/close", headers=headers,
                       json={"category": "resolved", "department": "customer_service"})
    await customer.disconnect()
    return latencies


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--messages", type=int, default=200)
    parser.add_argument("--target-ms", type=float, default=300.0)
    arguments = parser.parse_args()
    os.environ["HANDOFF_HOURS"] = "00:00-24:00"
    os.environ["HANDOFF_KEY_PREFIX"] = f"bench-{uuid.uuid4().hex[:8]}:handoff:"
    with tempfile.TemporaryDirectory() as directory:
        var_dir = Path(directory)
        settings = Settings(rasa_port=free_port(), actions_port=free_port(),
                            handoff_port=free_port(), knowledge_port=free_port(), delivery_port=free_port(),
                            redis_url=os.environ.get("REDIS_URL"),
                            database_url=f"sqlite:///{var_dir / 'rasa.db'}", var_dir=var_dir)
        os.environ["HANDOFF_USERS_FILE"] = str(var_dir / "handoff-users.yml")
        password = ensure_demo_users(settings.users_file)["agent1"]
        stack = Stack(settings, ensure_model())
        print("starting the assistant ...", flush=True)
        try:
            print(f"ready in {stack.start():.0f} s", flush=True)
            latencies = asyncio.run(relay_latencies(stack, password, arguments.messages))
        finally:
            stack.stop()
    p50, p95, p99 = percentiles(latencies)
    print(f"agent message → customer socket, {len(latencies)} messages: "
          f"p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms (target p95 ≤ {arguments.target_ms:g} ms)")
    sys.exit(0 if p95 <= arguments.target_ms else 1)


if __name__ == "__main__":
    main()
