"""Hypothesis against the chat channels of the running Rasa server (the `stack`): the
REST channel gets arbitrary JSON, wrong types, huge and odd texts, broken bytes and odd
headers; the socket.io channel gets odd session requests and messages, over
python-socketio and as raw engine.io frames and polling requests. Whatever arrives:
never a 5xx, nothing in the servers' logs that says a handler broke, and afterwards
the assistant still answers a customer. The examples are the same on every run; a
failure names the request and shows what the servers logged meanwhile."""
import asyncio
import json
import re
import uuid
from typing import Any, Dict, List, Optional
from urllib.parse import urlencode

import pytest
import requests
import socketio
import websockets
from hypothesis import given
from hypothesis import strategies as st

from chat import FRONT_END_TOKENS, WebChat, front_end_headers, messages, webhook
from foundation.settings import ROOT
from fuzzing import LogWatch, as_curl, broken, repeatable

TIMEOUT = 60
# What a handler that broke leaves in the Rasa server's log: an HTTP request that
# raised, a socket.io event handler of ours that raised (python-socketio calls them with
# `await handler(*args)`, so a call with the wrong arguments shows there too), or any
# traceback through the project's own code. (engine.io and socket.io log a traceback of
# their own when they drop a frame or event they cannot decode, before any handler of
# ours runs: that is their answer to protocol garbage.)
RASA_BROKE = re.compile(
    r"Exception occurred while handling uri: 'http|await handler\(\*args\)|"
    + rf'File "{re.escape(str(ROOT))}/(?!\.venv/)'
)
# Any action that raised.
ACTIONS_BROKE = re.compile(r"Traceback \(most recent call last\)")


# What a client might send


ODD_TEXTS = st.sampled_from([
    "", " ", "\n\t", "\x00", "\x00我的快递\x00", "\ud800", "\udfff\ud800", "\u202e\u2066", "\ufeff",
    "我的快递到哪了", "我的快遞到哪了", "where is my parcel", "SF1234567890123", "13800138000",
    "/restart", "/session_start", "/handoff_closed", '/greet{"name": "x"}', '/track{"tracking_number": [1]}',
    "/nlu_fallback{", "[SF1234567890](tracking_number)", "<script>alert(1)</script>", "${jndi:ldap://x}",
    "' OR 1=1 --", "{{7*7}}", "%s%s%s%n", "../../../../etc/passwd", "😀" * 50, "\u0301" * 300,
])
# Around and far over the channel's 2,000-character limit.
HUGE_TEXTS = st.builds(
    lambda unit, count: unit * count, st.sampled_from(["x", "快", "😀", " ", "\x00", "\u0301"]),
    st.integers(1990, 6000),
)
TEXTS = st.text(max_size=30) | ODD_TEXTS | HUGE_TEXTS
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TEXTS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=8,
)
SENDERS = st.text(max_size=20) | ODD_TEXTS | HUGE_TEXTS | st.just("a" * 129) | JSON_VALUES
MESSAGE_BODIES = st.fixed_dictionaries({}, optional={
    "sender": SENDERS,
    "message": TEXTS | JSON_VALUES,
    "metadata": JSON_VALUES,
    "input_channel": st.sampled_from(["rest", "ivr", "app", "socketio", "", "IVR"]) | JSON_VALUES,
    "customData": JSON_VALUES,
})
# Bodies that pass the channel's own checks, so odd texts and metadata reach the assistant.
WELL_FORMED_BODIES = st.fixed_dictionaries(
    {"sender": st.text(st.characters(blacklist_categories=["Cc"]), min_size=1, max_size=30), "message": TEXTS},
    optional={"metadata": st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=4)},
)
BODIES = WELL_FORMED_BODIES | MESSAGE_BODIES | JSON_VALUES
LATIN_1 = st.text(
    st.characters(min_codepoint=0x20, max_codepoint=0xFF, blacklist_characters="\x7f"), max_size=40
)
HEADERS = st.dictionaries(
    st.sampled_from(["Content-Type", "Authorization", "Content-Encoding", "Accept", "Origin", "Cookie",
                     "X-Forwarded-For", "X-Real-IP", "Accept-Language", "User-Agent"]),
    st.sampled_from(["application/json", "application/json; charset=latin-1", "text/plain",
                     "multipart/form-data; boundary=x", "gzip", "Bearer", "Bearer ", "Bearer x.y.z",
                     "Basic Zm9vOmJhcg==", "*/*"]) | LATIN_1.map(str.strip),
    max_size=4,
)
QUERIES = st.sampled_from([{}, {"stream": "true"}, {"stream": "TRUE"}, {"token": "x"}, {"sender": "x"}])


def broken_json(body: Dict[str, Any], cut: int) -> bytes:
    encoded = json.dumps(body, ensure_ascii=False).encode("utf-8")
    return encoded[: cut % (len(encoded) + 1)]


# Requests known to trouble JSON decoders, text encoders, tokenisers and the libraries
# under the channels: each tried on every run as a test of its own, whatever the fuzzing
# finds (REST bodies are sent by the app front end; "SENDER" becomes a conversation of
# the case's own, so none is merely over the rate limit).
HARD_BODIES = {
    "array-nested-20000-deep": b"[" * 20_000 + b"]" * 20_000,
    "message-nested-20000-deep": b'{"sender": "SENDER", "message": ' + b"[" * 20_000 + b"]" * 20_000 + b"}",
    "message-a-lone-surrogate": b'{"sender": "SENDER", "message": "\\ud800"}',
    "sender-with-a-lone-surrogate": b'{"sender": "SENDER\\udfff", "message": "hello"}',
    "metadata-with-a-lone-surrogate": b'{"sender": "SENDER", "message": "hello", "metadata": {"a": "\\udfff"}}',
    "byte-order-mark": b'\xef\xbb\xbf{"sender": "SENDER", "message": "hello"}',
    "sender-twice": b'{"sender": "SENDER", "message": "hello", "sender": ["y"]}',
    "message-nan": b'{"sender": "SENDER", "message": NaN}',
    "message-infinite": b'{"sender": "SENDER", "message": 1e999}',
    "message-not-utf-8": b'{"sender": "SENDER", "message": "\xff\xfe"}',
    "message-100000-chars": b'{"sender": "SENDER", "message": "' + b"x" * 100_000 + b'"}',
    "body-1-mb": b'{"sender": "SENDER", "message": "' + b"x" * 1_000_000 + b'"}',
    "metadata-nested": b'{"sender": "SENDER", "message": "hello", "metadata": {"a": [[[[[[[[]]]]]]]]}}',
    "input-channel-a-list": b'{"sender": "SENDER", "message": "hello", "input_channel": ["app"]}',
}
# Over socket.io: what the session request carries (None: nothing), then an event and what it carries.
HARD_EVENTS = {
    "session-request-without-data": (None, "user_uttered", {"message": "你好"}),
    "user-uttered-without-data": ({}, "user_uttered", None),
    "message-a-lone-surrogate": ({}, "user_uttered", {"message": "\ud800"}),
    "message-100000-chars": ({}, "user_uttered", {"message": "x" * 100_000}),
    "a-forged-session-token": ({"session_id": "0" * 32 + "." + "0" * 64}, "user_uttered", {"message": "你好"}),
}
# (method, path, headers) to the Rasa server.
HARD_REQUESTS = {
    "polling-post-without-sid": ("POST", "/socket.io/?EIO=4&transport=polling", {}),
    "polling-put-with-a-bad-accept": ("PUT", "/socket.io/?transport=polling", {"Accept": "gzip"}),
    "unknown-path-with-a-bad-accept": ("GET", "/no-such-page", {"Accept": "gzip"}),
    "webhook-get-with-a-bad-accept": ("GET", "/webhooks/rest/webhook", {"Accept": "gzip"}),
}
RAW_BODIES = (
    st.binary(max_size=200)
    | st.builds(broken_json, BODIES, st.integers(0, 10_000))
    | st.builds(lambda body: json.dumps(body, ensure_ascii=False).encode("latin-1", errors="replace"), BODIES)
)


# Watching the servers


class Logs:
    """The Rasa server's and the action server's logs, and whether they still run."""

    def __init__(self, stack) -> None:
        self.stack = stack
        self.rasa = LogWatch(stack.log_dir / "rasa.log")
        self.actions = LogWatch(stack.log_dir / "actions.log")

    def mark(self) -> None:
        self.rasa.mark()
        self.actions.mark()

    def assert_nothing_broke(self, request: str, status: Any, body: str) -> None:
        dead = self.stack.dead_child()
        assert dead is None, broken(dead.name, request, f"{status} and died", body, self.rasa)
        for log, broke in ((self.rasa, RASA_BROKE), (self.actions, ACTIONS_BROKE)):
            if broke.search(log.since_mark()):
                raise AssertionError(broken("The Rasa stack", request, status, body, log))


@pytest.fixture(scope="module")
def logs(stack) -> Logs:
    return Logs(stack)


def assert_still_answers(stack) -> None:
    """A customer's ordinary message, after all that, gets an answer on both channels."""
    assert messages(stack, "我的快递到哪了"), "the assistant no longer answers over REST"

    async def web_chat() -> Dict[str, Any]:
        chat = WebChat(stack)
        try:
            await chat.open()
            await chat.send("我的快递到哪了")
            return await chat.reply()
        finally:
            await chat.close()

    assert asyncio.run(web_chat()).get("text"), "the assistant no longer answers over socket.io"


# The REST channel

# Nobody (no token), and each front end with its token: the token is checked first, so
# only with one does the rest of the request reach the channel's checks.
FRONT_ENDS = [None, *FRONT_END_TOKENS]


def send_rest(stack, logs: Logs, body: bytes, headers: Dict[str, str], query: Dict[str, str]) -> int:
    """Posts to the REST channel; its status, once checked that nothing broke."""
    url = webhook(stack)
    request = as_curl("POST", f"{url}?{urlencode(query)}" if query else url, headers, body)
    logs.mark()
    try:
        reply = requests.post(url, data=body, headers=headers, params=query, timeout=TIMEOUT)
    except requests.RequestException as error:
        raise AssertionError(broken("The REST channel", request, "nothing", repr(error), logs.rasa)) from None
    assert reply.status_code < 500, broken("The REST channel", request, reply.status_code, reply.text, logs.rasa)
    if reply.status_code >= 400:
        assert reply.content, broken("The REST channel", request, f"{reply.status_code} without a reason",
                                     reply.text, logs.rasa)
    logs.assert_nothing_broke(request, reply.status_code, reply.text)
    return reply.status_code


def as_json(body: Any) -> bytes:
    # As most clients send JSON: ASCII with escapes, lone surrogates (\ud800) too.
    return json.dumps(body).encode("ascii")


def headers_of(stack, front_end: Optional[str]) -> Dict[str, str]:
    return {"Content-Type": "application/json", **(front_end_headers(stack, front_end) if front_end else {})}


@pytest.mark.parametrize("front_end", FRONT_ENDS, ids=lambda f: f or "nobody")
def test_no_json_body_sent_to_the_rest_channel_breaks_it(stack, logs, front_end):
    headers = headers_of(stack, front_end)

    @repeatable(100)
    @given(body=BODIES, query=QUERIES)
    def send(body, query):
        status = send_rest(stack, logs, as_json(body), headers, query)
        # Without a token no body, however it is made, gets past the door.
        assert front_end or status == 401, f"{status} without a token for {body!r:.500} {query}"

    send()
    assert_still_answers(stack)


def test_no_bytes_sent_to_the_rest_channel_break_it(stack, logs):
    @repeatable(100)
    @given(body=RAW_BODIES, headers=HEADERS)
    def send(body, headers):
        send_rest(stack, logs, body, {**headers_of(stack, "app"), **headers}, {})

    send()
    assert_still_answers(stack)


@pytest.mark.parametrize("case", HARD_BODIES)
def test_a_hard_body_sent_to_the_rest_channel_gets_an_answer_or_a_4xx(stack, logs, case):
    body = HARD_BODIES[case].replace(b"SENDER", f"fuzz-{case}-{uuid.uuid4().hex[:8]}".encode())
    send_rest(stack, logs, body, headers_of(stack, "app"), {})


def test_no_headers_sent_to_the_rest_channel_break_it(stack, logs):
    @repeatable(60)
    @given(headers=HEADERS, body=BODIES)
    def send(headers, body):
        send_rest(stack, logs, as_json(body), {**headers_of(stack, "ivr"), **headers}, {})

    send()
    assert_still_answers(stack)


# The socket.io channel


async def within(seconds: float, event: asyncio.Event) -> None:
    try:
        await asyncio.wait_for(event.wait(), seconds)
    except asyncio.TimeoutError:
        pass


async def exchange(stack, session: Any, message: Any, event: str) -> List[Any]:
    """Connects like the web chat, asks for `session` and sends `message` as `event`;
    what came back until the first reply (to a user_uttered) or a moment (to others)."""
    client = socketio.AsyncClient(reconnection=False)
    replies: List[Any] = []
    confirmed, answered = asyncio.Event(), asyncio.Event()

    def on_reply(data: Any) -> None:
        replies.append(data)
        answered.set()

    client.on("bot_uttered", on_reply)
    client.on("session_confirm", lambda _token: confirmed.set())
    await client.connect(stack.settings.rasa_url, socketio_path="/socket.io", transports=["websocket"])
    try:
        await client.emit("session_request", session)
        await within(5, confirmed)
        await client.emit(event, message)
        await within(3 if event == "user_uttered" else 0.3, answered)
    finally:
        await client.disconnect()
    return replies


SESSION_REQUESTS = st.fixed_dictionaries({}, optional={"session_id": SENDERS}) | JSON_VALUES
SOCKET_MESSAGES = st.fixed_dictionaries({"message": TEXTS}, optional={
    "customData": st.dictionaries(st.text(max_size=8), JSON_VALUES, max_size=4),
}) | st.fixed_dictionaries({}, optional={
    "message": TEXTS | JSON_VALUES, "session_id": SENDERS, "customData": JSON_VALUES,
}) | JSON_VALUES
EVENTS = st.sampled_from(["user_uttered", "session_request", "bot_uttered", "connect", "disconnect", "message"])


def test_no_socketio_event_breaks_the_channel(stack, logs):
    @repeatable(50)
    @given(session=SESSION_REQUESTS, message=SOCKET_MESSAGES, event=EVENTS)
    def send(session, message, event):
        send_events(stack, logs, session, event, message)

    send()
    assert_still_answers(stack)


@pytest.mark.parametrize("case", HARD_EVENTS)
def test_a_hard_socketio_event_gets_a_reply_and_breaks_nothing(stack, logs, case):
    session, event, message = HARD_EVENTS[case]
    replies = send_events(stack, logs, session, event, message)
    assert replies, f"socket.io: session_request {session!r}, then {event} {message!r:.200}: no reply at all"


def send_events(stack, logs: Logs, session: Any, event: str, message: Any) -> List[Any]:
    request = f"socket.io: session_request {session!r:.500}, then {event} {message!r:.2000}"
    logs.mark()
    try:
        replies = asyncio.run(exchange(stack, session, message, event))
    except (socketio.exceptions.SocketIOError, OSError) as error:
        raise AssertionError(
            broken("The socket.io channel", request, "nothing (no connection)", repr(error), logs.rasa)
        )
    logs.assert_nothing_broke(request, f"{len(replies)} replies", repr(replies))
    return replies


async def raw_frames(stack, frames: List[Any]) -> Optional[str]:
    """An engine.io websocket that connects to the namespace and then sends `frames`
    as they are; how the server ended it, if it did."""
    url = stack.settings.rasa_url.replace("http://", "ws://") + "/socket.io/?EIO=4&transport=websocket"
    async with websockets.connect(url, max_size=None) as socket:
        await socket.recv()  # engine.io's open packet
        await socket.send("40")
        await socket.recv()  # the namespace's connect packet
        try:
            for frame in frames:
                await socket.send(frame)
            await asyncio.sleep(0.3)
        except websockets.ConnectionClosed as closed:
            return repr(closed)
    return None


FRAMES = st.lists(
    st.text(max_size=40)
    | st.binary(max_size=40)
    | st.builds(lambda prefix, data: prefix + json.dumps(data),
                st.sampled_from(["42", "42/", "43", "4", "2", "3", "6", "0", "41", "44"]),
                st.lists(JSON_VALUES, max_size=3))
    | st.builds(lambda event, data: "42" + json.dumps([event, *data]), EVENTS, st.lists(JSON_VALUES, max_size=3))
    | st.sampled_from(['42["user_uttered"', "42[", "42{}", '42["user_uttered", {"message": "x"', "451-[",
                       "4" * 1000]),
    min_size=1, max_size=5,
)


def test_no_engineio_frame_breaks_the_channel(stack, logs):
    @repeatable(60)
    @given(frames=FRAMES)
    def send(frames):
        request = f"engine.io websocket frames after connecting: {frames!r:.3000}"
        logs.mark()
        try:
            ended = asyncio.run(raw_frames(stack, frames))
        except (OSError, websockets.InvalidHandshake, websockets.ConnectionClosed) as error:
            raise AssertionError(
                broken("The socket.io channel", request, "nothing (no connection)", repr(error), logs.rasa)
            )
        logs.assert_nothing_broke(request, f"by closing the socket: {ended}" if ended else "nothing", "")

    send()
    assert_still_answers(stack)


POLLING_QUERIES = st.fixed_dictionaries(
    {"transport": st.sampled_from(["polling", "websocket", "", "x"])},
    optional={"EIO": st.sampled_from(["4", "3", "", "x", "-1", "99999999999"]), "sid": st.text(max_size=20),
              "t": st.text(max_size=10), "j": st.text(max_size=3), "b64": st.sampled_from(["1", "x"])},
)


def send_http(stack, logs: Logs, method: str, url: str, query: Dict[str, str], body: bytes,
              headers: Dict[str, str]) -> None:
    request = as_curl(method, f"{url}?{urlencode(query)}" if query else url, headers, body)
    logs.mark()
    try:
        reply = requests.request(method, url, params=query, data=body, headers=headers, timeout=TIMEOUT)
    except requests.RequestException as error:
        raise AssertionError(broken("The Rasa server", request, "nothing", repr(error), logs.rasa))
    assert reply.status_code < 500, broken("The Rasa server", request, reply.status_code, reply.text, logs.rasa)
    logs.assert_nothing_broke(request, reply.status_code, reply.text)


def test_no_polling_request_to_the_socketio_path_gets_a_server_error(stack, logs):
    @repeatable(60)
    @given(method=st.sampled_from(["GET", "POST", "PUT", "OPTIONS"]), query=POLLING_QUERIES,
           body=st.binary(max_size=100) | st.text(max_size=60).map(str.encode), headers=HEADERS)
    def send(method, query, body, headers):
        send_http(stack, logs, method, f"{stack.settings.rasa_url}/socket.io/", query, body, headers)

    send()
    assert_still_answers(stack)


@pytest.mark.parametrize("case", HARD_REQUESTS)
def test_a_hard_request_to_the_rasa_server_gets_no_server_error(stack, logs, case):
    method, path, headers = HARD_REQUESTS[case]
    send_http(stack, logs, method, stack.settings.rasa_url + path, {}, b"", headers)
