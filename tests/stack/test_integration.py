"""The real Rasa server and action server, as processes, over REST and socket.io."""
import asyncio
import json
import uuid

import pytest
import requests

from chat import WebChat, post, say, tracker


def test_chinese_question_gets_a_simplified_answer(stack):
    texts = say(stack, "我的快递到哪了")
    assert any("运单号" in text for text in texts)


def test_traditional_question_gets_a_traditional_answer(stack):
    texts = say(stack, "我的快遞到哪了")
    assert any("運單號" in text for text in texts)
    assert not any("运单号" in text for text in texts)


def test_english_question_gets_an_english_answer(stack):
    texts = say(stack, "where is my package")
    assert any("tracking number" in text for text in texts)


def test_reply_language_follows_the_customer_when_they_switch(stack):
    sender = uuid.uuid4().hex
    assert any("tracking number" in t for t in say(stack, "where is my parcel", sender))
    assert any("运单号" in t for t in say(stack, "我的快递到哪了", sender))


def test_front_end_locale_reaches_the_action_server(stack):
    """action_session_start (a custom action) sets the language from metadata."""
    sender = uuid.uuid4().hex
    texts = say(stack, "/greet", sender, metadata={"language": "en-GB"})
    assert any(text.startswith("Hello") for text in texts)
    assert tracker(stack, sender)["slots"]["language"] == "en"


def test_conversation_is_stored_in_the_tracker_store(stack):
    sender = uuid.uuid4().hex
    say(stack, "你好", sender)
    say(stack, "我要退货", sender)
    events = tracker(stack, sender)["events"]
    user_texts = [e["text"] for e in events if e["event"] == "user"]
    assert user_texts == ["你好", "我要退货"]


def test_the_http_api_needs_the_token(stack):
    reply = requests.get(f"{stack.settings.rasa_url}/conversations/x/tracker", timeout=10)
    assert reply.status_code == 401


@pytest.mark.parametrize(
    "body, status, error",
    [
        (b'{"sender": "a", "message": ', 400, "invalid_json"),
        (b"\xff\xfe not utf-8", 400, "invalid_encoding"),
        (b'["sender", "message"]', 400, "invalid_json"),
        (json.dumps({"sender": "a", "message": ""}).encode(), 400, "empty_message"),
        (json.dumps({"sender": "a", "message": "  \n "}).encode(), 400, "empty_message"),
        (json.dumps({"sender": "a", "message": "x" * 3000}).encode(), 413, "message_too_long"),
        (json.dumps({"sender": "a", "message": "x" * 1_000_000}).encode(), 413, "request_too_large"),
        (json.dumps({"message": "hi"}).encode(), 400, "missing_sender"),
        (json.dumps({"sender": "a", "message": "hi", "metadata": "x"}).encode(), 400, "invalid_metadata"),
    ],
)
def test_bad_requests_get_a_4xx_with_a_reason(stack, body, status, error):
    reply = post(stack, body, timeout=30)
    assert reply.status_code == status
    assert reply.json()["error"] == error
    assert reply.json()["message"]


def test_conversation_goes_on_after_bad_input(stack):
    sender = uuid.uuid4().hex
    post(stack, {"sender": sender, "message": ""}, timeout=30)
    post(stack, {"sender": sender, "message": "x" * 1_000_000}, timeout=30)
    assert any("运单号" in text for text in say(stack, "我的快递到哪了", sender))


def test_emoji_only_message_gets_a_clear_reply(stack):
    texts = say(stack, "😀😀😀")
    assert texts and all(texts)


def test_ivr_front_end_is_accepted_as_a_channel(stack):
    sender = uuid.uuid4().hex
    say(stack, "我要转人工", sender, input_channel="ivr")
    assert tracker(stack, sender)["latest_input_channel"] == "ivr"


async def chat_over_socketio(stack, texts):
    """The replies a new web chat gets to `texts`, one by one."""
    chat = WebChat(stack)
    await chat.open()
    try:
        received = []
        for text in texts:
            await chat.send(text)
            received.append(await chat.reply())
        return received
    finally:
        await chat.close()


def test_socketio_chat_gets_replies(stack):
    replies = asyncio.run(chat_over_socketio(stack, ["你好", "where is my parcel"]))
    assert "快递客服助手" in replies[0]["text"]
    assert "tracking number" in replies[1]["text"]


def test_socketio_rejects_empty_and_oversized_messages_with_a_reply(stack):
    replies = asyncio.run(chat_over_socketio(stack, ["   ", "x" * 1_000_000, "转人工"]))
    # The code rides in the metadata: the widget shows only messages of text and metadata.
    assert replies[0]["metadata"]["error"] == "empty_message"
    assert replies[1]["metadata"]["error"] == "message_too_long"
    assert "客服" in replies[2]["text"]


def test_chat_page_and_widget_are_served(stack):
    page = requests.get(f"{stack.settings.rasa_url}/chat", timeout=10)
    assert page.status_code == 200
    assert "/chat/webchat.js" in page.text
    widget = requests.get(f"{stack.settings.rasa_url}/chat/webchat.js", timeout=10)
    assert widget.status_code == 200
    assert "WebChat" in widget.text[:500]
