"""An app back-end with a callback URL (credentials.yml `callback_url`), against a
whole private assistant with its own Redis and a local receiver that checks every
signature: the REST answer is a 202, and the bot's replies and the agent's messages
arrive by callback, in order, after failures, after the receiver was down across a
restart of everything, and after a supervisor replays a dead letter."""
import time
import uuid
from contextlib import contextmanager
from dataclasses import replace
from typing import Any, Dict, Iterator, List

import pytest
import requests
from hypothesis import given

from callback_receiver import SECRET, CallbackReceiver
from chat import front_end_headers, webhook
from commands.launcher import Stack
from commands.processes import free_port
from handoff.demo_users import ensure_demo_users
from fuzzing import repeatable
from services import start_stack
from test_fuzz_channels import (BODIES, HARD_BODIES, HEADERS, QUERIES, RAW_BODIES, Logs, as_json,
                                headers_of, send_rest)

TIMEOUT = 60


@contextmanager
def callback_environment(receiver: CallbackReceiver) -> Iterator[None]:
    """What the stack is started with: callbacks to `receiver`, quick retries that go
    on for minutes, agents around the clock."""
    with pytest.MonkeyPatch.context() as environment:
        environment.setenv("APP_CALLBACK_URL", receiver.url)
        environment.setenv("APP_CALLBACK_SECRET", SECRET)
        environment.setenv("DELIVERY_RETRY_FIRST_SECONDS", "0.3")
        environment.setenv("DELIVERY_RETRY_MAX_SECONDS", "3")
        environment.setenv("DELIVERY_ATTEMPTS", "100")
        environment.setenv("HANDOFF_HOURS", "00:00-24:00")
        yield


@pytest.fixture(scope="module")
def receiver() -> Iterator[CallbackReceiver]:
    running = CallbackReceiver().start(free_port())
    yield running
    running.stop()


@pytest.fixture(scope="module")
def app_stack(model_path, tmp_path_factory, receiver) -> Iterator[Dict[str, Stack]]:
    """{"stack": the running assistant}; a test that restarts it puts the new one there."""
    with callback_environment(receiver):
        # No Redis given: the stack starts its own, append-only, and so restarts it too.
        holder = {"stack": start_stack(model_path, "", tmp_path_factory.mktemp("callbacks"))}
    yield holder
    holder["stack"].stop()


@pytest.fixture
def stack(app_stack) -> Stack:
    return app_stack["stack"]


def send(stack: Stack, sender: str, text: str) -> Dict[str, Any]:
    reply = requests.post(webhook(stack), json={"sender": sender, "message": text},
                          headers=front_end_headers(stack), timeout=TIMEOUT)
    assert reply.status_code == 202, reply.text
    return reply.json()


def texts(messages: List[Dict[str, Any]]) -> List[str]:
    return [m["message"].get("text", "") for m in messages]


def test_replies_reach_a_back_end_that_fails_twice_signed_once_each_in_order(stack, receiver):
    receiver.failures_per_message = 2
    sender = uuid.uuid4().hex
    try:
        accepted = send(stack, sender, "我的快递到哪了")
        delivered = receiver.wait_for(f"app:{sender}", accepted["replies"], TIMEOUT)
    finally:
        receiver.failures_per_message = 0
    assert accepted["replies"] >= 1
    assert "运单号" in "".join(texts(delivered))
    assert {m["in_reply_to"] for m in delivered} == {accepted["message_id"]}
    assert {(m["from"], m["sender"]) for m in delivered} == {("bot", sender)}
    for message in delivered:
        tries = [a for a in receiver.attempts if a["delivery_id"] == message["delivery_id"]]
        assert [a["headers"]["X-Courier-Attempt"] for a in tries] == ["1", "2", "3"]
    assert receiver.forged == 0


def test_a_bad_token_or_body_still_gets_a_clear_4xx_in_callback_mode(stack):
    refused = requests.post(webhook(stack), json={"sender": "x", "message": "你好"},
                            headers={"Authorization": "Bearer not-a-token-of-anyone"}, timeout=TIMEOUT)
    assert refused.status_code == 401
    broken = requests.post(webhook(stack), data=b"{", headers=front_end_headers(stack), timeout=TIMEOUT)
    assert (broken.status_code, broken.json()["error"]) == (400, "invalid_json")


def test_an_agents_message_reaches_the_app_by_callback_after_the_bots(stack, receiver):
    team = ensure_demo_users(stack.settings.users_file)
    api = stack.settings.handoff_url
    login = requests.post(f"{api}/api/login", json={"user": "agent1", "password": team["agent1"]},
                          timeout=TIMEOUT)
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    sender = uuid.uuid4().hex
    accepted = send(stack, sender, "我要转人工")
    asked = receiver.wait_for(f"app:{sender}", accepted["replies"], TIMEOUT)
    assert "转接人工客服" in "".join(texts(asked))
    claimed = requests.post(f"{api}/api/claim", headers=headers, timeout=TIMEOUT)
    assert claimed.json()["conversation"]["conversation_id"] == f"app:{sender}", claimed.text
    words = "您好，我是客服，马上为您查。"
    sent = requests.post(f"{api}/api/conversations/app:{sender}/messages", headers=headers,
                         json={"text": words}, timeout=TIMEOUT)
    assert sent.status_code == 201, sent.text
    # The agent's joining is told first, then their words.
    delivered = receiver.wait_for(f"app:{sender}", len(asked) + 2, TIMEOUT)
    assert "已接入" in texts(delivered)[-2]
    assert texts(delivered)[-1] == words
    assert (delivered[-1]["from"], delivered[-1]["agent_name"]) == ("agent", sent.json()["message"]["agent_name"])


def test_a_refused_message_is_a_dead_letter_a_supervisor_replays(stack, receiver):
    team = ensure_demo_users(stack.settings.users_file)
    api = stack.settings.handoff_url
    login = requests.post(f"{api}/api/login", json={"user": "supervisor", "password": team["supervisor"]},
                          timeout=TIMEOUT).json()
    headers = {"Authorization": f"Bearer {login['token']}"}
    sender = uuid.uuid4().hex
    receiver.refusing = 400
    try:
        accepted = send(stack, sender, "你好")
        dead = wait_for_dead_letters(api, headers, f"app:{sender}", accepted["replies"])
    finally:
        receiver.refusing = None
    assert receiver.texts(f"app:{sender}") == []
    assert {d["last_error"] for d in dead} == {"HTTP 400"}
    agent = requests.post(f"{api}/api/login", json={"user": "agent1", "password": team["agent1"]},
                          timeout=TIMEOUT).json()
    assert requests.get(f"{api}/api/deliveries/dead", timeout=TIMEOUT,
                        headers={"Authorization": f"Bearer {agent['token']}"}).status_code == 403
    assert requests.post(f"{api}/api/deliveries/dead/0-0/replay", headers=headers,
                         timeout=TIMEOUT).status_code == 404
    assert requests.post(f"{api}/api/deliveries/dead/no-such-id/replay", headers=headers,
                         timeout=TIMEOUT).status_code == 404
    replayed = requests.post(f"{api}/api/deliveries/dead/{dead[0]['id']}/replay", headers=headers,
                             timeout=TIMEOUT)
    assert replayed.json() == {"replayed": [dead[0]["delivery_id"]]}
    requests.post(f"{api}/api/deliveries/dead/replay", headers=headers, timeout=TIMEOUT).raise_for_status()
    delivered = receiver.wait_for(f"app:{sender}", len(dead), TIMEOUT)
    assert [m["delivery_id"] for m in delivered] == [d["delivery_id"] for d in dead]
    assert wait_for_dead_letters(api, headers, f"app:{sender}", 0) == []


def wait_for_dead_letters(api: str, headers: Dict[str, str], conversation: str, count: int
                          ) -> List[Dict[str, Any]]:
    for _ in range(TIMEOUT * 10):
        listed = requests.get(f"{api}/api/deliveries/dead", headers=headers, timeout=TIMEOUT)
        assert listed.status_code == 200, listed.text
        dead = [d for d in listed.json()["dead_letters"] if d["conversation_id"] == conversation]
        if len(dead) == count:
            return dead
        time.sleep(0.1)
    raise AssertionError(f"{conversation}: {len(dead)} dead letters, not {count}")


def test_no_request_to_the_rest_channel_in_callback_mode_gets_a_5xx(stack, receiver):
    """The REST channel's fuzzing (test_fuzz_channels.py) against the callback path: odd
    JSON, bytes and headers with the app's token; afterwards the assistant still answers
    by callback, and every callback that went out was signed."""
    logs = Logs(stack)

    @repeatable(60)
    @given(body=BODIES, query=QUERIES)
    def send_json(body, query):
        send_rest(stack, logs, as_json(body), headers_of(stack, "app"), query)

    @repeatable(60)
    @given(body=RAW_BODIES, headers=HEADERS)
    def send_bytes(body, headers):
        send_rest(stack, logs, body, {**headers_of(stack, "app"), **headers}, {})

    send_json()
    send_bytes()
    for case, body in HARD_BODIES.items():
        send_rest(stack, logs, body.replace(b"SENDER", f"fuzz-{case}".encode()), headers_of(stack, "app"), {})
    sender = uuid.uuid4().hex
    accepted = send(stack, sender, "我的快递到哪了")
    assert "运单号" in "".join(texts(receiver.wait_for(f"app:{sender}", accepted["replies"], TIMEOUT)))
    assert receiver.forged == 0
    assert "Traceback" not in (stack.log_dir / "delivery.log").read_text(encoding="utf-8")


def test_replies_wait_while_the_back_end_is_down_across_a_restart_of_everything(
    app_stack, receiver, model_path
):
    stack = app_stack["stack"]
    sender = uuid.uuid4().hex
    receiver.down = True
    try:
        sent = [send(stack, sender, text) for text in ("你好", "我的快递到哪了", "谢谢")]
        stack.stop()
        with callback_environment(receiver):
            again = Stack(replace(stack.settings, redis_url=None), model_path)
            app_stack["stack"] = again
            again.start()
    finally:
        receiver.down = False
    expected = sum(accepted["replies"] for accepted in sent)
    delivered = receiver.wait_for(f"app:{sender}", expected, TIMEOUT)
    assert len(delivered) == expected
    assert [m["in_reply_to"] for m in delivered] == [
        accepted["message_id"] for accepted in sent for _ in range(accepted["replies"])
    ]
    assert "运单号" in "".join(texts(delivered))
