"""Rasa's production topology on one machine (commands/cluster.py): nginx in front of
two Rasa servers and two action servers, sharing the Redis lock store, a PostgreSQL
tracker store and the Redis message bus. A conversation keeps its state whichever
server gets each message; an agent reaches a customer on either server."""
import asyncio
import time
import uuid
from dataclasses import replace
from types import SimpleNamespace
from typing import Any, Dict, List

import aiohttp
import pytest
import requests

from chat import WebChat, conversation_of, front_end_headers, say, tracker, webhook
from commands.cluster import Cluster, find_nginx
from foundation.markdown import plain_text_as_markdown
from commands.processes import answers
from databases import postgres_schema, require_postgres, server_or_skip
from handoff.demo_users import ensure_demo_users
from services import delete_redis_keys, start_stack


@pytest.fixture(scope="module")
def postgres_url():
    """A PostgreSQL schema of this module's own, dropped afterwards."""
    require_postgres()
    with postgres_schema() as url:
        yield url


@pytest.fixture(scope="module")
def cluster(model_path, redis_url, postgres_url, tmp_path_factory):
    server_or_skip("nginx (make nginx, or apt-get install nginx)", find_nginx() is not None)
    prefix = f"test-cluster-{uuid.uuid4().hex[:8]}:handoff:"
    # The queue of this module only, open around the clock; the environment is read
    # once, when the processes start.
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("HANDOFF_KEY_PREFIX", prefix)
        environment.setenv("HANDOFF_HOURS", "00:00-24:00")
        running = start_stack(model_path, redis_url, tmp_path_factory.mktemp("cluster"),
                              postgres_url, kind=Cluster)
    yield running
    running.stop()
    asyncio.run(delete_redis_keys(redis_url, prefix))


@pytest.fixture(scope="module")
def team(cluster) -> Dict[str, str]:
    """{user: password} of the cluster's demo agents."""
    return ensure_demo_users(cluster.settings.users_file)


def through(cluster, url: str) -> Any:
    """The cluster as seen at `url` (a Rasa server, or nginx), for the chat helpers."""
    port = int(url.rsplit(":", 1)[1])
    return SimpleNamespace(settings=replace(cluster.settings, rasa_port=port))


def entrances(cluster) -> List[Any]:
    """Rasa server 1, Rasa server 2 and nginx."""
    return [through(cluster, url) for url in cluster.rasa_urls()] + [cluster]


def test_a_conversation_keeps_its_state_whichever_server_gets_each_message(cluster):
    first, second, balancer = entrances(cluster)
    sender = uuid.uuid4().hex
    assert any("运单号" in text for text in say(first, "我的快递到哪了", sender))
    # The tracking form asked for the number on server 1; server 2 checks the answer.
    assert "KD 加 12 位数字" in "".join(say(second, "KD2026", sender))
    # The second unusable number in a row is counted as such, through nginx.
    assert "如果这次还不行，我会为您转人工客服" in "".join(say(balancer, "单号是 12345678", sender))
    for view in (first, second, balancer):
        events = tracker(view, sender)["events"]
        assert [e["text"] for e in events if e["event"] == "user"] == ["我的快递到哪了", "KD2026", "单号是 12345678"]


def test_nginx_keeps_each_named_conversation_on_one_server_and_spreads_them(cluster):
    access_log = cluster.log_dir / "nginx-access.log"
    seen = len(access_log.read_text().splitlines())
    senders = [uuid.uuid4().hex for _ in range(12)]
    for sender in senders * 2:
        say_named(cluster, "你好", sender)
    lines = [line for line in access_log.read_text().splitlines()[seen:] if "/webhooks/rest/webhook" in line]
    servers = [line.rsplit("upstream=", 1)[1] for line in lines]
    assert len(servers) == 24
    assert servers[:12] == servers[12:]  # each conversation's second message went where its first did
    assert set(servers) == {url.split("//")[1] for url in cluster.rasa_urls()}


async def agent_reaches(cluster, session: aiohttp.ClientSession, entrance: Any, agent: str, password: str
                        ) -> None:
    """A web chat customer on `entrance` asks for a person; `agent` takes the
    conversation and writes; the customer reads it."""
    api = cluster.settings.handoff_url
    async with session.post(f"{api}/api/login", json={"user": agent, "password": password}) as reply:
        assert reply.status == 200, await reply.text()
        headers = {"Authorization": f"Bearer {(await reply.json())['token']}"}
    chat = WebChat(entrance)
    try:
        conversation = conversation_of(await chat.open())
        await chat.send("转人工")
        while "转接人工客服" not in (await chat.reply()).get("text", ""):
            pass
        async with session.post(f"{api}/api/claim", headers=headers) as reply:
            claimed: Dict[str, Any] = await reply.json()
            assert reply.status == 200, claimed
        assert claimed["conversation"]["conversation_id"] == conversation
        words = f"您好，我是{agent}，马上为您处理。"
        async with session.post(f"{api}/api/conversations/{conversation}/messages", headers=headers,
                                json={"text": words}) as reply:
            assert reply.status == 201, await reply.text()
        # Under the agent's name, as the web chat's markdown.
        while not (await chat.reply(15)).get("text", "").endswith(plain_text_as_markdown(words)):
            pass
    finally:
        await chat.close()


def test_an_agent_message_reaches_a_web_chat_customer_on_either_server(cluster, team):
    first, second, _ = entrances(cluster)

    async def scenario() -> None:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
            await agent_reaches(cluster, session, first, "agent1", team["agent1"])
            await agent_reaches(cluster, session, second, "agent2", team["agent2"])

    asyncio.run(scenario())


def test_a_web_chat_through_nginx_polls_then_upgrades_to_a_websocket(cluster):
    async def scenario() -> None:
        chat = WebChat(cluster)
        # As the widget does: long-polling first, then the upgrade nginx must pass.
        await chat.client.connect(cluster.settings.rasa_url, socketio_path="/socket.io",
                                  transports=["polling", "websocket"])
        try:
            await chat.open()
            assert chat.client.transport() == "websocket"
            await chat.send("where is my parcel")
            assert "tracking number" in (await chat.reply())["text"]
        finally:
            await chat.close()

    asyncio.run(scenario())


def test_while_a_rasa_server_is_down_its_conversations_carry_on_on_the_other(cluster):
    first, _, balancer = entrances(cluster)
    access_log = cluster.log_dir / "nginx-access.log"
    first_server = cluster.rasa_urls()[0].split("//")[1]
    # A conversation nginx sends to Rasa server 1.
    for _ in range(30):
        sender = uuid.uuid4().hex
        seen = len(access_log.read_text().splitlines())
        say_named(balancer, "我的快递到哪了", sender)
        if any(line.endswith(f"upstream={first_server}") for line in access_log.read_text().splitlines()[seen:]):
            break
    else:
        raise AssertionError("nginx sent no conversation to Rasa server 1")
    server = next(child for child in cluster.children if child.name == "Rasa server 1")
    server.process.kill()
    server.process.wait()

    assert "KD 加 12 位数字" in "".join(say_named(balancer, "KD2026", sender))

    deadline = time.monotonic() + 300
    while not answers(f"{cluster.rasa_urls()[0]}/webhooks/rest/"):
        assert time.monotonic() < deadline, "Rasa server 1 was not restarted"
        cluster.supervise()
        time.sleep(0.5)
    assert "如果这次还不行，我会为您转人工客服" in "".join(say(first, "单号是 12345678", sender))


def say_named(entrance: Any, text: str, sender: str) -> List[str]:
    """`text` from `sender` through the app front end, naming the conversation to nginx."""
    reply = requests.post(webhook(entrance), json={"sender": sender, "message": text}, timeout=60,
                          headers={**front_end_headers(entrance), "X-Conversation-Id": sender})
    assert reply.status_code == 200, reply.text
    return [message.get("text", "") for message in reply.json()]
