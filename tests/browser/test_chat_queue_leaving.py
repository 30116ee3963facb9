"""A waiting web-chat customer leaving the queue, as they and the supervisor see it: one
who says "不用了" is let go at once and told so; one who closes the browser leaves as
abandoned after the grace period, and is told when they come back to the conversation.
The supervisor's waiting figures count neither any more.

Runs with the console test's service, pages and steps (tests/browser/test_agent_console.py).
The closed-browser case needs a grace period of seconds, not the stack's two minutes: a
second instance of the agent service runs beside the stack's for it, on the same queue
(the service is made to run as several instances), with HANDOFF_ABANDON_GRACE_SECONDS=2.
"""
import json
import sys

import pytest
from playwright.sync_api import expect

from handoff.queue import HandoffQueue, QueueSettings
from services import start_service
from test_agent_console import (  # noqa: F401 (the fixtures are used by name)
    TIMEOUT,
    archived_cases,
    ask_for_a_person,
    chat_session_id,
    handoff,
    in_thread,
    pages,
    send,
    wait_connected,
    wait_for_bot,
)

LEFT_QUEUE = "好的，已为您取消排队，机器人继续为您服务。"
GRACE_SECONDS = 2


def queue_call(stack, method: str, conversation_id: str):
    """One call of the stack's handoff queue, beside Playwright's event loop."""
    async def call():
        queue = HandoffQueue.from_url(stack.settings.redis_url, QueueSettings.from_environment())
        try:
            return await getattr(queue, method)(conversation_id)
        finally:
            await queue.disconnect()

    return in_thread(call())


def waiting_count(supervisor, skill: str = "general"):
    return supervisor.locator(f'#skills tr[data-skill="{skill}"] .waiting-count')


def agent_and_supervisor_online(pages):  # noqa: F811
    """The agent's console (so the bot queues customers rather than take a callback
    message) and the supervisor's page, both connected. Returns the supervisor's."""
    console = pages.console()
    wait_connected(console)
    supervisor = pages.supervisor()
    wait_connected(supervisor)
    return supervisor


def test_a_waiting_customer_who_says_never_mind_leaves_the_queue_at_once(pages, stack):  # noqa: F811
    supervisor = agent_and_supervisor_online(pages)
    customer = pages.chat()
    conversation_id = ask_for_a_person(customer)
    expect(waiting_count(supervisor)).to_have_text("1", timeout=TIMEOUT)

    send(customer, "不用了")
    wait_for_bot(customer, LEFT_QUEUE)
    # Out of line, and out of the supervisor's figures, at once.
    expect(waiting_count(supervisor)).to_have_text("0", timeout=10_000)
    expect(supervisor.locator("#kpi-longest .value")).to_have_text("—")
    assert queue_call(stack, "ticket", conversation_id) is None
    [case] = archived_cases(stack, conversation_id)
    assert (case["category"], case["disposition"]) == ("abandoned", "said so")

    # The bot answers again.
    send(customer, "我的快递到哪了")
    wait_for_bot(customer, "运单号")
    assert pages.dialogs == []


@pytest.fixture()
def short_grace(stack, tmp_path):
    """A second agent service on the stack's queue, whose grace period is seconds."""
    environment = {
        name: value for name, value in stack.settings.process_environment().items()
        if name != "HANDOFF_PORT"
    }
    process, _url = start_service(
        "handoff service (short grace)", [sys.executable, "-m", "handoff.service"],
        "HANDOFF_PORT", {**environment, "HANDOFF_ABANDON_GRACE_SECONDS": str(GRACE_SECONDS)},
        tmp_path / "handoff-short-grace.log", 60,
    )
    yield GRACE_SECONDS
    process.stop()


def session_storage(page) -> str:
    return page.evaluate("() => JSON.stringify(Object.assign({}, sessionStorage))")


def reopen_chat(browser, stack, storage: str):
    """The chat page in a new browser that has the closed one's session storage, as a
    browser restoring its tabs does: the widget asks for the same conversation."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 900, "height": 800})
    context.add_init_script(
        "(() => { const kept = " + json.dumps(storage) + ";"
        " for (const [key, value] of Object.entries(JSON.parse(kept)))"
        " if (sessionStorage.getItem(key) === null) sessionStorage.setItem(key, value); })()"
    )
    page = context.new_page()
    page.goto(f"{stack.settings.rasa_url}/chat")
    return context, page


def test_a_customer_who_closes_the_browser_leaves_as_abandoned_and_is_told_on_return(
    browser, pages, stack, short_grace, tmp_path  # noqa: F811
):
    supervisor = agent_and_supervisor_online(pages)
    # The customer's browser is the test's own: it is closed mid-test.
    context = browser.new_context(locale="zh-CN", viewport={"width": 900, "height": 800})
    customer = context.new_page()
    customer.goto(f"{stack.settings.rasa_url}/chat")
    wait_for_bot(customer, "快递客服助手")
    conversation_id = ask_for_a_person(customer)
    expect(waiting_count(supervisor)).to_have_text("1", timeout=TIMEOUT)
    storage = session_storage(customer)
    context.close()
    try:
        # Gone for the grace period: out of the queue and of the supervisor's figures.
        expect(waiting_count(supervisor)).to_have_text("0", timeout=short_grace * 1000 + TIMEOUT)
        expect(supervisor.locator("#kpi-longest .value")).to_have_text("—")
        assert queue_call(stack, "ticket", conversation_id) is None
        [case] = archived_cases(stack, conversation_id)
        assert (case["category"], case["disposition"]) == ("abandoned", "chat gone")

        # Back in the same conversation: told they have left the queue, and the bot answers.
        context, customer = reopen_chat(browser, stack, storage)
        wait_for_bot(customer, LEFT_QUEUE)
        assert chat_session_id(customer) == conversation_id
        customer.screenshot(path=str(tmp_path / "chat-back-after-abandoning.png"))
        send(customer, "我的快递到哪了")
        wait_for_bot(customer, "运单号")
        # Told once: not again on a reload.
        customer.reload()
        wait_for_bot(customer, "运单号")
        expect(customer.locator(".rw-response", has_text=LEFT_QUEUE)).to_have_count(1)
        context.close()
    finally:
        if queue_call(stack, "ticket", conversation_id) is not None:
            queue_call(stack, "close", conversation_id)
    assert pages.dialogs == []
