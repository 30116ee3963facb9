"""Who gets into which conversation, through the running Rasa server's channels.

Each test tries a way in an attacker had: reading another web customer's chat by
naming their conversation, posting over REST as a trusted front end or a VIP,
flooding a conversation, sending huge bodies, opening the chat from another site, and
reading customers' phone numbers from the event stream.
"""
import asyncio
import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Dict, List

import redis
import requests

from chat import (
    WebChat,
    conversation_id,
    conversation_of,
    conversation_tracker,
    post,
    say,
    tracker,
    webhook,
)

PHONE = "13812345678"
MESSAGES_PER_MINUTE = 20  # credentials.yml


def user_texts(events: List[Dict[str, Any]]) -> List[str]:
    return [e["text"] for e in events if e["event"] == "user"]


# Web chat sessions


def test_a_web_chat_naming_another_customers_conversation_gets_its_own(stack):
    async def scenario() -> None:
        victim, attacker = WebChat(stack), WebChat(stack)
        token = await victim.open()
        conversation = conversation_of(token)
        try:
            claimed = [conversation, f"{conversation}.{'0' * 64}", token[:-1] + "x", token + ".", "a" * 5000]
            for claim in claimed:
                assert conversation_of(await attacker.open(claim)) != conversation
            await victim.send("你好")
            assert "快递客服助手" in (await victim.reply())["text"]
            await asyncio.sleep(0.5)  # the same emit would have reached the attacker by now
            assert attacker.replies.empty()
        finally:
            await victim.close()
            await attacker.close()

    asyncio.run(scenario())


def test_a_web_chat_message_naming_another_session_stays_in_its_own_conversation(stack):
    async def scenario() -> None:
        victim, attacker = WebChat(stack), WebChat(stack)
        victim_token, attacker_token = await victim.open(), await attacker.open()
        try:
            await victim.send("你好")
            await victim.reply()
            await attacker.send("我要退货", session_id=victim_token)
            await attacker.reply()
        finally:
            await victim.close()
            await attacker.close()
        assert user_texts(conversation_tracker(stack, conversation_of(victim_token))["events"]) == ["你好"]
        assert "我要退货" in user_texts(conversation_tracker(stack, conversation_of(attacker_token))["events"])

    asyncio.run(scenario())


def test_a_reconnecting_widget_keeps_its_conversation(stack):
    async def scenario() -> str:
        first = WebChat(stack)
        token = await first.open()
        await first.send("你好")
        await first.reply()
        await first.close()
        again = WebChat(stack)
        try:
            assert await again.open(token) == token
            await again.send("我要退货")
            assert "退货" in (await again.reply())["text"]
        finally:
            await again.close()
        return token

    token = asyncio.run(scenario())
    assert user_texts(conversation_tracker(stack, conversation_of(token))["events"]) == ["你好", "我要退货"]


def test_a_page_of_another_site_cannot_open_the_chat_socket(stack):
    handshake = f"{stack.settings.rasa_url}/socket.io/?EIO=4&transport=polling"
    refused = requests.get(handshake, headers={"Origin": "http://evil.example"}, timeout=10)
    assert refused.status_code == 400
    assert "not an accepted origin" in refused.text
    own = requests.get(handshake, headers={"Origin": stack.settings.rasa_url}, timeout=10)
    assert own.status_code == 200


def test_a_web_chat_customer_cannot_vouch_for_itself(stack):
    async def scenario() -> str:
        chat = WebChat(stack)
        token = await chat.open()
        try:
            await chat.send("转人工", customData={"vip": True, "trusted": {"front_end": "app", "vip": True}})
            await chat.reply()
        finally:
            await chat.close()
        return token

    events = conversation_tracker(stack, conversation_of(asyncio.run(scenario())))["events"]
    latest = [e for e in events if e["event"] == "user"][-1]
    assert latest["metadata"]["trusted"] == {"front_end": "web", "vip": False}


def test_a_web_chat_flood_gets_a_polite_reply_and_is_not_processed(stack):
    async def scenario():
        chat = WebChat(stack)
        token = await chat.open()
        try:
            for text in ["hello"] * (2 * MESSAGES_PER_MINUTE + 1) + ["你好呀"]:
                await chat.send(text)
            english = chinese = False
            while not (english and chinese):  # the last of each language is over the limit
                reply = await chat.reply(60)
                if (reply.get("metadata") or {}).get("error") == "too_many_messages":
                    english = english or "sending messages a little fast" in reply["text"]
                    chinese = chinese or "请等" in reply["text"]
        finally:
            await chat.close()
        return token

    texts = user_texts(conversation_tracker(stack, conversation_of(asyncio.run(scenario())))["events"])
    assert "你好呀" not in texts and len(texts) <= 2 * MESSAGES_PER_MINUTE


# REST front ends


def test_an_anonymous_caller_posing_as_the_app_with_a_vip_is_refused(stack):
    sender = uuid.uuid4().hex
    body = {"sender": sender, "message": "转人工", "input_channel": "app", "metadata": {"vip": True}}
    for headers in ({}, {"Authorization": "Bearer guessed-token-0123456789"}):
        reply = requests.post(webhook(stack), json=body, headers=headers, timeout=30)
        assert reply.status_code == 401
        assert reply.json()["error"] in ("missing_credentials", "invalid_credentials")
        assert "Bearer" in reply.json()["message"]
    for conversation in (sender, f"app:{sender}"):
        assert user_texts(conversation_tracker(stack, conversation)["events"]) == []


def test_the_ivr_front_end_cannot_pass_as_the_app(stack):
    sender = uuid.uuid4().hex
    body = {"sender": sender, "message": "转人工", "input_channel": "app", "metadata": {"vip": True}}
    reply = post(stack, body, front_end="ivr")
    assert reply.status_code == 403
    assert reply.json()["error"] == "input_channel_not_allowed"


def handoff_reason(stack, sender: str, **extra: Any) -> str:
    say(stack, "转人工", sender, **extra)
    return tracker(stack, sender)["slots"]["handoff"]["reason"]


def test_only_the_app_front_ends_credential_makes_a_customer_vip(stack):
    forged = {"vip": True, "trusted": {"front_end": "app", "vip": True}}
    assert handoff_reason(stack, uuid.uuid4().hex, input_channel="ivr", metadata=forged) != "vip"
    assert handoff_reason(stack, uuid.uuid4().hex, input_channel="app", metadata={"vip": True}) == "vip"


def test_front_ends_cannot_reach_each_others_or_a_web_customers_conversations(stack):
    async def web_customer() -> str:
        chat = WebChat(stack)
        token = await chat.open()
        try:
            await chat.send("你好")
            await chat.reply()
        finally:
            await chat.close()
        return conversation_of(token)

    web = asyncio.run(web_customer())
    shared = uuid.uuid4().hex
    say(stack, "你好", shared, input_channel="app")
    say(stack, "我要退货", shared, input_channel="ivr")
    say(stack, "我要退货", web, input_channel="app")
    assert user_texts(conversation_tracker(stack, f"app:{shared}")["events"]) == ["你好"]
    assert user_texts(conversation_tracker(stack, f"ivr:{shared}")["events"]) == ["我要退货"]
    assert user_texts(conversation_tracker(stack, web)["events"]) == ["你好"]


def test_a_huge_rest_body_is_refused_and_the_conversation_goes_on(stack):
    sender = uuid.uuid4().hex
    huge = json.dumps({"sender": sender, "message": "我的快递到哪了" + " " * 100_000}).encode()
    reply = post(stack, huge)
    assert reply.status_code == 413
    assert reply.json()["error"] == "request_too_large" and reply.json()["message"]
    assert any("运单号" in text for text in say(stack, "我的快递到哪了", sender))


def test_a_rest_flood_gets_429_with_retry_after(stack):
    sender = uuid.uuid4().hex
    body = {"sender": sender, "message": "你好"}
    with ThreadPoolExecutor(2 * MESSAGES_PER_MINUTE + 1) as pool:
        replies = list(pool.map(lambda _: post(stack, body, timeout=300), range(2 * MESSAGES_PER_MINUTE + 1)))
    limited = [r for r in replies if r.status_code == 429]
    answered = [r for r in replies if r.status_code == 200]
    assert limited and len(limited) + len(answered) == len(replies)
    for reply in limited:
        assert 1 <= int(reply.headers["Retry-After"]) <= 60
        assert reply.json()["error"] == "too_many_messages" and reply.json()["message"]
    assert len(user_texts(tracker(stack, sender)["events"])) == len(answered)


# The event stream


def test_the_event_stream_keeps_no_customer_phone_number(stack, redis_url):
    sender = uuid.uuid4().hex
    say(stack, f"我的电话是{PHONE}", sender)
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        entries = [fields for _, fields in client.xrevrange("rasa:events", count=5000)
                   if fields["sender_id"] == conversation_id(sender)]
    finally:
        client.close()
    assert entries
    assert not [fields for fields in entries if PHONE in fields["event"]]
    events = [json.loads(fields["event"]) for fields in entries]
    assert f"我的电话是{PHONE[:3]}****{PHONE[-4:]}" in user_texts(events)

