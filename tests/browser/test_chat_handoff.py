"""The handoff as the customer sees it in the web chat: which agent joined, that
they are typing, whose messages are the agent's, and that the agent left and the bot
is back.

Runs with the console test's service, pages and steps (tests/browser/test_agent_console.py).
"""
import re

from playwright.sync_api import expect

from foundation.staff.auth import load_users
from tests.screenshots import readme_shot
from test_agent_console import (  # noqa: F401 (the fixtures are used by name)
    TIMEOUT,
    ask_for_a_person,
    claim_the_next_chat,
    close_with_disposition,
    handoff,
    open_the_close_form,
    pages,
    rate_the_service,
    send_as_agent,
    wait_connected,
    wait_for_bot,
)


def agent_name(stack, handoff) -> str:  # noqa: F811
    users = load_users(stack.settings.users_file)
    return users[handoff.agent].name if handoff.agent in users else "Ana Li"


def test_the_customer_sees_the_agent_join_answer_under_their_name_and_leave(
    pages, handoff, stack  # noqa: F811
):
    name = agent_name(stack, handoff)
    console = pages.console()
    wait_connected(console)
    customer = pages.chat()
    conversation_id = ask_for_a_person(customer)

    chat = claim_the_next_chat(console, conversation_id)
    wait_for_bot(customer, f"客服 {name} 已接入")

    # While the agent writes, the customer sees it; it goes when the message comes.
    typing = customer.locator("#agent-typing")
    expect(typing).to_have_text("")
    chat.locator("textarea.reply").fill("您好")
    expect(typing).to_have_text("客服正在输入… The agent is typing…", timeout=TIMEOUT)
    chat.locator("textarea.reply").fill("")
    send_as_agent(console, chat, "您好，我是人工客服。\n正在为您查询，请稍等。")
    answer = customer.locator(".rw-response", has_text="正在为您查询")
    answer.wait_for(timeout=TIMEOUT)
    expect(typing).to_have_text("")
    customer.screenshot(path=readme_shot("chat-agent-joined.png"))
    # The name heads the message, in bold, and the two lines stay two lines.
    expect(answer.locator("strong")).to_have_text(f"客服 {name}")
    assert re.fullmatch(
        rf"客服 {re.escape(name)}\n+您好，我是人工客服。\n+正在为您查询，请稍等。",
        answer.inner_text().strip(),
    ), answer.inner_text()
    # The bot's own replies carry no name.
    assert customer.locator(".rw-response", has_text="转接人工客服").locator("strong").count() == 0

    open_the_close_form(chat)
    close_with_disposition(chat, "resolved", "customer_service", "已为客户查询。")
    wait_for_bot(customer, "客服已结束会话，机器人继续为您服务")
    rate_the_service(customer, "5 非常满意")
    texts = customer.locator(".rw-response").all_inner_texts()
    left = next(i for i, text in enumerate(texts) if "客服已结束会话" in text)
    assert "本次人工服务已结束" in "".join(texts[left + 1:]), texts
    customer.screenshot(path=readme_shot("chat-agent-left.png"))
    assert pages.dialogs == []
