"""Typing indicators in the customer's web chat: the widget's dots while the bot writes,
and "客服正在输入…" while the agent types in the console, told at most every few seconds
however fast they type, and gone by itself a few seconds after they stop.

(That the agent's indicator goes when their message comes is in test_chat_handoff.py.)
Runs with the console test's service, pages and steps (tests/browser/test_agent_console.py).
"""
import time

from playwright.sync_api import expect

from test_agent_console import (  # noqa: F401 (the fixtures are used by name)
    TIMEOUT,
    ask_for_a_person,
    claim_the_next_chat,
    handoff,
    pages,
    send,
    wait_connected,
    wait_for_bot,
)

AGENT_TYPING = "客服正在输入… The agent is typing…"
# The chat page hides the indicator this long after the last word that the agent types
# (bot/channels/chat_page.html); the console tells it again every 3 s while they type.
SHOWN_SECONDS = 6


def test_the_customer_sees_dots_while_the_bot_writes(pages):  # noqa: F811
    customer = pages.chat()
    dots = customer.locator(".rw-typing-indication")
    expect(dots).to_have_count(0)
    send(customer, "我的快递到哪了")
    dots.wait_for(state="visible", timeout=TIMEOUT)
    wait_for_bot(customer, "运单号")
    expect(dots).to_have_count(0, timeout=TIMEOUT)


def test_the_agent_typing_shows_while_they_type_and_goes_when_they_stop(pages):  # noqa: F811
    console = pages.console()
    wait_connected(console)
    customer = pages.chat()
    conversation_id = ask_for_a_person(customer)
    chat = claim_the_next_chat(console, conversation_id)
    typing = customer.locator("#agent-typing")
    expect(typing).to_have_text("")

    told = []
    console.on("request", lambda request: told.append(request.url) if request.url.endswith("/typing") else None)
    reply = chat.locator("textarea.reply")
    reply.click()
    reply.type("您好，正在为您查询", delay=40)  # a keystroke every 40 ms: told once
    expect(typing).to_have_text(AGENT_TYPING, timeout=TIMEOUT)
    assert len(told) == 1, told

    # The agent stops typing without sending: the indicator goes by itself.
    stopped = time.monotonic()
    expect(typing).to_have_text("", timeout=(SHOWN_SECONDS + 5) * 1000)
    assert time.monotonic() - stopped > SHOWN_SECONDS - 2
    assert customer.locator(".rw-response", has_text="正在为您查询").count() == 0

    # Typing again, past the console's pause, shows it again.
    reply.type("，请稍等")
    expect(typing).to_have_text(AGENT_TYPING, timeout=TIMEOUT)
    assert len(told) == 2, told
    assert pages.dialogs == []
