"""REST front ends: the token says who is posting, what channel and what trust."""
import asyncio
import json
from typing import Dict, List

import pytest

from bot.channels.front_ends import FrontEnds
from bot.channels.message_checks import MessageRejected
from bot.channels.rate_limit import MessageRateLimit
from bot.channels.rest import CourierRestInput

APP_TOKEN, IVR_TOKEN = "app-token-0123456789", "ivr-token-0123456789"
CONFIG = [
    {"name": "app", "token": APP_TOKEN, "channel": "app", "may_mark_vip": True},
    {"name": "ivr", "token": IVR_TOKEN, "channel": "ivr", "may_mark_vip": False},
]


class Request:
    """What the channel reads of a Sanic request: headers and the body, in chunks."""

    def __init__(self, body: bytes, headers: Dict[str, str]) -> None:
        self.headers = {"content-length": str(len(body)), **{k.lower(): v for k, v in headers.items()}}
        self.chunks: List[bytes] = [body[i:i + 1000] for i in range(0, len(body), 1000)]

    @property
    def stream(self):
        async def chunks():
            for chunk in self.chunks:
                yield chunk

        return chunks()


@pytest.fixture
def channel():
    return CourierRestInput(FrontEnds.from_config(CONFIG), MessageRateLimit(5), max_body_bytes=4096)


def admit(channel, body, token=APP_TOKEN, headers=None):
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    auth = {"Authorization": f"Bearer {token}"} if token else {}
    return asyncio.run(channel.admit(Request(raw, {**auth, **(headers or {})})))


def rejection(channel, body, **kwargs) -> MessageRejected:
    with pytest.raises(MessageRejected) as rejected:
        admit(channel, body, **kwargs)
    return rejected.value


def test_the_token_decides_front_end_channel_and_conversation(channel):
    message = admit(channel, {"sender": "42", "message": "你好"}, token=IVR_TOKEN)
    assert message["input_channel"] == "ivr"
    assert message["sender_id"] == "ivr:42"
    assert message["metadata"]["trusted"] == {"front_end": "ivr", "vip": False}


@pytest.mark.parametrize("token, code", [(None, "missing_credentials"), ("guess-0123456789abc", "invalid_credentials"),
                                         (APP_TOKEN[:-1], "invalid_credentials")])
def test_a_request_without_a_front_ends_token_is_refused(channel, token, code):
    refused = rejection(channel, {"sender": "42", "message": "你好"}, token=token)
    assert (refused.status, refused.code) == (401, code)
    assert refused.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_basic_or_malformed_authorization_is_refused(channel):
    refused = rejection(channel, {"sender": "42", "message": "hi"}, token=None,
                        headers={"Authorization": f"Basic {APP_TOKEN}"})
    assert refused.status == 401


def test_a_front_end_cannot_claim_another_channel(channel):
    refused = rejection(channel, {"sender": "42", "message": "转人工", "input_channel": "app"},
                        token=IVR_TOKEN)
    assert (refused.status, refused.code) == (403, "input_channel_not_allowed")


def test_naming_its_own_channel_is_accepted(channel):
    message = admit(channel, {"sender": "42", "message": "hi", "input_channel": "ivr"}, token=IVR_TOKEN)
    assert message["input_channel"] == "ivr"


def test_only_a_front_end_allowed_to_marks_a_vip(channel):
    vip_claim = {"vip": True, "trusted": {"front_end": "app", "vip": True}}
    from_ivr = admit(channel, {"sender": "1", "message": "转人工", "metadata": vip_claim}, token=IVR_TOKEN)
    assert from_ivr["metadata"]["trusted"] == {"front_end": "ivr", "vip": False}
    from_app = admit(channel, {"sender": "1", "message": "转人工", "metadata": {"vip": True}})
    assert from_app["metadata"]["trusted"] == {"front_end": "app", "vip": True}


def test_trust_a_client_writes_itself_is_dropped(channel):
    forged = {"trusted": {"front_end": "app", "vip": True}}
    message = admit(channel, {"sender": "1", "message": "转人工", "metadata": forged})
    assert message["metadata"]["trusted"] == {"front_end": "app", "vip": False}


def test_a_body_over_the_cap_is_refused(channel):
    body = json.dumps({"sender": "1", "message": "x" * 5000}).encode()
    refused = rejection(channel, body)
    assert (refused.status, refused.code) == (413, "request_too_large")


def test_a_chunked_body_over_the_cap_is_refused_while_read(channel):
    body = json.dumps({"sender": "1", "message": "x" * 5000}).encode()
    request = Request(body, {"Authorization": f"Bearer {APP_TOKEN}"})
    del request.headers["content-length"]
    with pytest.raises(MessageRejected) as refused:
        asyncio.run(channel.admit(request))
    assert refused.value.status == 413


def test_a_conversation_over_its_messages_per_minute_gets_a_429_with_retry_after(channel):
    for _ in range(5):
        admit(channel, {"sender": "busy", "message": "hi"})
    refused = rejection(channel, {"sender": "busy", "message": "hi"})
    assert (refused.status, refused.code) == (429, "too_many_messages")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    admit(channel, {"sender": "busy", "message": "hi"}, token=IVR_TOKEN)  # ivr:busy is another conversation


@pytest.mark.parametrize(
    "config, problem",
    [
        (None, "front_ends"),
        ([], "front_ends"),
        ([{**CONFIG[0], "token": "short"}], "at least"),
        ([{**CONFIG[0], "channel": "socketio"}], "channel"),
        ([{**CONFIG[0], "may_mark_vip": "yes"}], "may_mark_vip"),
        ([{**CONFIG[0], "name": "App:1"}], "name"),
        ([CONFIG[0], {**CONFIG[1], "name": "app"}], "differ"),
        ([CONFIG[0], {**CONFIG[1], "token": APP_TOKEN}], "same token"),
        ([{**CONFIG[0], "callback_url": "https://app.example.com/hook"}], "callback_secret"),
        ([{**CONFIG[0], "callback_url": "app.example.com", "callback_secret": "s" * 20}], "http"),
    ],
)
def test_a_front_end_configuration_mistake_stops_the_start(config, problem):
    with pytest.raises(ValueError, match=problem):
        FrontEnds.from_config(config)


def test_a_front_end_with_an_empty_token_is_switched_off():
    front_ends = FrontEnds.from_config([CONFIG[0], {**CONFIG[1], "token": ""}])
    with pytest.raises(MessageRejected):
        front_ends.authenticate("Bearer ")
    assert [f.name for f in front_ends.front_ends] == ["app"]


def test_replies_go_by_callback_only_for_a_front_end_with_a_callback_url():
    with_callback = {**CONFIG[0], "callback_url": "https://app.example.com/hook", "callback_secret": "s" * 20}
    channel = CourierRestInput.from_credentials({"front_ends": [with_callback, CONFIG[1]],
                                                 "redis_url": "redis://127.0.0.1:1/0"})
    assert channel.outbox is not None
    assert channel.front_ends.named("app").callback.url == "https://app.example.com/hook"
    assert channel.front_ends.named("ivr").callback is None
    assert CourierRestInput.from_credentials({"front_ends": CONFIG}).outbox is None
    with pytest.raises(ValueError, match="redis_url"):
        CourierRestInput.from_credentials({"front_ends": [with_callback]})
