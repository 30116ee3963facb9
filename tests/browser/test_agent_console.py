"""The agent console and the supervisor page in a real browser, with the real stack.

The scenario of the handoff issue: a customer in the web chat asks for a person; an
agent, already logged into the console (so someone is online and the bot queues the
customer instead of offering a callback), takes the conversation, answers, and closes
it with a disposition; the customer sees the answer in the web chat and is asked for a
1–5 rating. Meanwhile a supervisor sees the agent online and the queue grow and shrink.
Markup a customer types shows as text in the console.

The pages are those of the stack's handoff service when it serves them. Otherwise a
service process of this module's own runs beside it, on the same Redis, Rasa, case
database, users file and HANDOFF_KEY_PREFIX (so the action server's queue is the one
the console shows), with the routes the service should have (add_console_routes).
"""
import asyncio
import os
import re
import secrets
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Dict

import pytest
import redis.asyncio as redis
import requests
from playwright.sync_api import expect

from foundation.settings import ROOT
from foundation.staff.web import PAGE_HEADERS, configure_logging
from foundation.staff.auth import User, hash_password, load_users, save_user
from handoff.cases import CaseArchive
from handoff.alerts import OverdueAlerts
from handoff.queue import HandoffQueue, QueueSettings, UnknownAgent
from handoff.queue_records import Presence
from handoff.service.console_hub import ConsoleHub
from chat import conversation_of
from services import log_in, start_service
from tests.screenshots import readme_shot


CONSOLE_DIR = ROOT / "handoff" / "console"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
}
XSS = "<img src=x onerror=alert(1)><b>hi</b>"
SUGGESTION = {"title": "查件话术", "text": "您好，正在为您查询包裹，请稍候。"}
TIMEOUT = 30_000


@dataclass
class Service:
    url: str
    agent: str
    supervisor: str
    passwords: Dict[str, str]


def case_database_url(stack) -> str:
    """The action server's: it stores the rating on the case the service archives."""
    return os.environ.get("HANDOFF_DATABASE_URL") or f"sqlite:///{stack.settings.var_dir / 'handoff.db'}"


def serves_console(url: str) -> bool:
    reply = requests.get(f"{url}/console", timeout=10)
    return reply.status_code == 200 and "text/html" in reply.headers.get("content-type", "")


@pytest.fixture(scope="module")
def handoff(stack, team, tmp_path_factory):
    """The service the pages come from, an agent of the `general` team and a supervisor."""
    users_file = stack.settings.users_file
    users = load_users(users_file)
    agents = sorted(u for u in team if u in users and "general" in users[u].skills)
    supervisors = sorted(u for u in team if u in users and users[u].is_supervisor)
    if agents and supervisors:
        service = Service(stack.settings.handoff_url, agents[0], supervisors[0], team)
    else:  # a users file of one's own (HANDOFF_USERS_FILE): a team of this module's own
        users_file = tmp_path_factory.mktemp("console-users") / "users.yml"
        passwords = {user_id: secrets.token_urlsafe(9) for user_id in ("ana", "chen")}
        save_user(users_file, User("ana", "Ana Li", "agent", hash_password(passwords["ana"], 1000),
                                   ["tracking", "returns", "complaints", "general"], 3))
        save_user(users_file, User("chen", "Chen Zhou", "supervisor", hash_password(passwords["chen"], 1000)))
        service = Service("", "ana", "chen", passwords)
    process = None
    if not service.url or not serves_console(service.url):
        process, service.url = start_handoff_service(stack, users_file, tmp_path_factory.mktemp("console-handoff"))
    try:
        yield service
    finally:
        if process:
            process.stop()
        # Nobody of this module stays online for the tests that follow.
        in_thread(_set_offline(stack.settings.redis_url, service.agent))


def start_handoff_service(stack, users_file: Path, directory: Path):
    environment = {
        "PYTHONPATH": os.pathsep.join([str(ROOT), str(Path(__file__).parent)]),
        "REDIS_URL": stack.settings.redis_url,
        "RASA_URL": stack.settings.rasa_url,
        "RASA_AUTH_TOKEN": stack.settings.auth_token,
        "HANDOFF_SECRET": secrets.token_urlsafe(16),
        "HANDOFF_USERS_FILE": str(users_file),
        "HANDOFF_DATABASE_URL": case_database_url(stack),
        # The stack fixture set HANDOFF_KEY_PREFIX and HANDOFF_HOURS in os.environ.
        "HANDOFF_KEY_PREFIX": os.environ["HANDOFF_KEY_PREFIX"],
    }
    return start_service(
        "handoff service (console test)",
        [sys.executable, "-c", "from test_agent_console import run_service; run_service()"],
        "HANDOFF_PORT", environment, directory / "handoff.log", 60,
    )


def run_service() -> None:
    """`python -m handoff.service`, plus the console's pages when the service does not
    serve them itself yet (add_console_routes is what it should have)."""
    from handoff.service import app as service

    configure_logging()
    settings = service.ServiceSettings.from_environment()
    app = service.create_app(settings)
    if not any(route.path.strip("/") in ("console", "supervisor") for route in app.router.routes):
        add_console_routes(app)
    app.run(host=settings.host, port=settings.port, workers=1, access_log=False, motd=False)


def add_console_routes(app) -> None:
    """GET /console, /supervisor and /console/<file> from handoff/console/."""
    from sanic import response
    from sanic.exceptions import NotFound

    def console_file(name: str):
        if not re.fullmatch(r"[a-z]+\.(html|js|css)", name) or not (CONSOLE_DIR / name).is_file():
            raise NotFound(f"No console file {name!r}.")
        body = (CONSOLE_DIR / name).read_bytes()
        return response.raw(body, content_type=CONTENT_TYPES[Path(name).suffix], headers=PAGE_HEADERS)

    @app.get("/console")
    async def console_page(_request):
        return console_file("console.html")

    @app.get("/supervisor")
    async def supervisor_page(_request):
        return console_file("supervisor.html")

    @app.get("/console/<name>")
    async def console_asset(_request, name: str):
        return console_file(name)


def in_thread(coroutine):
    """Runs a coroutine to its end from a test, beside Playwright's event loop."""
    outcome = {}

    def run() -> None:
        try:
            outcome["result"] = asyncio.run(coroutine)
        except BaseException as error:  # re-raised in the test's thread
            outcome["error"] = error

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome.get("result")


async def _set_offline(redis_url: str, agent_id: str) -> None:
    queue = HandoffQueue.from_url(redis_url, QueueSettings.from_environment())
    try:
        await queue.set_presence(agent_id, Presence.OFFLINE)
    except UnknownAgent:
        pass
    finally:
        await queue.disconnect()


async def _clean_up(redis_url: str, agent_id: str, conversations) -> None:
    queue = HandoffQueue.from_url(redis_url, QueueSettings.from_environment())
    try:
        for conversation_id in conversations:
            await queue.close(conversation_id)
    finally:
        await queue.disconnect()
    await _set_offline(redis_url, agent_id)


async def _anyone_online(redis_url: str, skill: str) -> bool:
    queue = HandoffQueue.from_url(redis_url, QueueSettings.from_environment())
    try:
        return await queue.anyone_online(skill)
    finally:
        await queue.disconnect()


async def _raise_overdue(redis_url: str, conversation_id: str, agent_id: str) -> None:
    """An SLA alert as the service's queue watch raises it (handoff/service/queue_watch.py): kept
    for the supervisors' overview and pushed to the agent's and supervisors' consoles.
    (The watch itself, and when it raises one, is tested in test_handoff_service.py.)"""
    queue = HandoffQueue.from_url(redis_url, QueueSettings.from_environment())
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    try:
        now = time.time()
        alert = {"type": "overdue", "conversation_id": conversation_id, "breach": "no_reply",
                 "skill": "general", "agent_id": agent_id, "since": now - 61, "raised_at": now}
        await OverdueAlerts(queue).add(alert)
        await ConsoleHub(client, on_notification=None).publish(alert, agents=[agent_id], supervisors=True)
    finally:
        await client.close()
        await queue.disconnect()


# Browser pages


class Pages:
    """Browser pages of one test: the console, the supervisor page, the web chat.
    Records dialogs (an alert() would mean injected script ran) and script errors."""

    def __init__(self, browser, service: Service, rasa_url: str, shots: Path) -> None:
        self.browser = browser
        self.service = service
        self.rasa_url = rasa_url
        self.shots = shots
        self.contexts = []
        self.customers = []
        self.dialogs = []
        self.errors = []

    def open(self, url: str, width: int = 1440, height: int = 900):
        context = self.browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
        page = context.new_page()
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(f"{url}: {error}"))
        page.goto(url)
        self.contexts.append((context, page))
        return page

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def console(self):
        page = self.open(f"{self.service.url}/console")
        self.log_in(page, self.service.agent)
        return page

    def supervisor(self):
        page = self.open(f"{self.service.url}/supervisor", width=1280, height=900)
        self.log_in(page, self.service.supervisor)
        return page

    def chat(self):
        page = self.open(f"{self.rasa_url}/chat", width=900, height=800)
        self.customers.append(page)
        wait_for_bot(page, "快递客服助手")
        return page

    def log_in(self, page, user: str, password: str = None) -> None:
        log_in(page, user, password or self.service.passwords[user])

    def close(self) -> None:
        """Screenshots every page, then closes them; returns the customers' conversations."""
        conversations = [chat_session_id(page) for page in self.customers]
        for number, (context, page) in enumerate(self.contexts):
            try:
                page.screenshot(path=str(self.shots / f"page-{number}.png"))
            finally:
                context.close()
        return [conversation for conversation in conversations if conversation]


@pytest.fixture()
def pages(browser, handoff, stack, tmp_path):
    opened = Pages(browser, handoff, stack.settings.rasa_url, tmp_path)
    yield opened
    conversations = opened.close()
    # What a failed test leaves must not upset the next: its customers leave the
    # queue, and the agent goes offline.
    in_thread(_clean_up(stack.settings.redis_url, handoff.agent, conversations))
    assert opened.errors == [], "script errors in the pages"


def wait_connected(page) -> None:
    page.locator("#app").wait_for(state="visible", timeout=TIMEOUT)
    page.locator("#conn-dot.open").wait_for(timeout=TIMEOUT)


# The web chat (as in tests/test_chat_page.py)


def wait_for_bot(page, text: str) -> None:
    page.locator(".rw-response", has_text=text).first.wait_for(timeout=TIMEOUT)


def send(page, text: str) -> None:
    page.fill(".rw-new-message", text)
    page.keyboard.press("Enter")


def chat_session_id(page) -> str:
    """The conversation id of the web chat: the id in the session token the server issued."""
    token = page.evaluate(
        "() => { for (const k of Object.keys(sessionStorage)) { try {"
        " const v = JSON.parse(sessionStorage.getItem(k)); if (v && v.session_id) return v.session_id;"
        " } catch (e) {} } return null; }"
    )
    return conversation_of(token) if token else None


# Steps of the scenarios, as the agent, the supervisor and the customer see them


def see_the_agent_online(pages, handoff):
    """The agent logs into the console and is online; the supervisor, logged in beside
    them, sees the agent online with no conversations. Returns both pages and the
    agent's row on the supervisor page."""
    console = pages.console()
    wait_connected(console)
    assert console.locator("#presence").input_value() == "online"
    supervisor = pages.supervisor()
    wait_connected(supervisor)
    agent_row = supervisor.locator(f'#agents tr[data-agent="{handoff.agent}"]')
    expect(agent_row).to_have_attribute("data-presence", "online", timeout=TIMEOUT)
    expect(agent_row.locator(".load")).to_have_text(re.compile(r"^0/\d+$"))
    return console, supervisor, agent_row


def ask_for_a_person(customer) -> str:
    """The customer asks for a person in the web chat; with an agent online the bot
    queues them and says they are next. Returns the conversation id."""
    send(customer, "转人工")
    wait_for_bot(customer, "转接人工客服")
    wait_for_bot(customer, "您是下一位")
    conversation_id = chat_session_id(customer)
    assert conversation_id
    return conversation_id


def see_the_customer_waiting(console, conversation_id: str):
    """The console's waiting list shows the customer, why they asked for a person and
    how long they have waited. Returns the entry."""
    waiting = console.locator(f'.waiting-item[data-conversation="{conversation_id}"]')
    waiting.wait_for(timeout=TIMEOUT)
    assert "客户要求" in waiting.inner_text()
    assert re.search(r"\d+:\d\d", waiting.locator(".wait").inner_text())
    return waiting


def offer_a_suggested_answer(console) -> None:
    """Suggested answers come from the knowledge base; one is fixed here so the test
    does not hang on search results."""
    console.route("**/api/suggestions?*", lambda route: route.fulfill(json=[SUGGESTION]))


def claim_the_next_chat(console, conversation_id: str):
    """The agent takes the next customer: a column for the conversation opens. Returns it."""
    console.click("#take-next")
    chat = console.locator(f'.chat[data-conversation="{conversation_id}"]')
    chat.wait_for(timeout=TIMEOUT)
    return chat


def see_the_transcript_and_context(console, chat) -> None:
    """The column shows the conversation so far; the context package beside it says
    why the customer asked for a person, with the intents the bot read and how sure it was."""
    chat.locator(".msg.customer", has_text="转人工").wait_for(timeout=TIMEOUT)
    chat.locator(".msg.bot", has_text="转接人工客服").wait_for(timeout=TIMEOUT)
    context = console.locator("#context")
    context.locator(".ctx-section", has_text="转人工原因").filter(has_text="客户要求").wait_for(timeout=TIMEOUT)
    assert "request_human" in context.locator(".intents").inner_text()
    assert "%" in context.locator(".intents .conf").first.inner_text()


def pick_the_suggested_answer(chat) -> None:
    """A suggested answer is a chip that fills the reply box (emptied again afterwards)."""
    chat.locator(".suggestion", has_text=SUGGESTION["title"]).click()
    assert chat.locator("textarea.reply").input_value() == SUGGESTION["text"]
    chat.locator("textarea.reply").fill("")


def see_the_overdue_alerts(console, supervisor, chat, conversation_id: str):
    """No first reply in time: an alert on the console, the chat marked overdue, and an
    alert on the supervisor page. Returns both alerts."""
    alert = console.locator(f'.alert[data-conversation="{conversation_id}"][data-breach="no_reply"]')
    alert.wait_for(timeout=TIMEOUT)
    expect(chat).to_have_class(re.compile(r"\boverdue\b"))
    supervisor_alert = supervisor.locator(f'#alerts tr[data-conversation="{conversation_id}"]')
    supervisor_alert.wait_for(timeout=TIMEOUT)
    return alert, supervisor_alert


def send_as_agent(console, chat, text: str) -> None:
    """The agent types a reply, Shift+Enter between its lines, and sends it with Enter:
    it shows in the column just as typed, and the reply box is empty again."""
    reply = chat.locator("textarea.reply")
    reply.click()
    lines = text.split("\n")
    reply.type(lines[0])
    for line in lines[1:]:
        console.keyboard.press("Shift+Enter")
        reply.type(line)
    console.keyboard.press("Enter")
    chat.locator(".msg.agent", has_text=lines[-1]).wait_for(timeout=TIMEOUT)
    assert chat.locator(".msg.agent .msg-text").last.inner_text() == text
    assert reply.input_value() == ""


def see_customer_markup_as_text(customer, console, supervisor, chat) -> None:
    """Markup the customer types is shown as text on the console and in the
    supervisor's live feed, and runs nothing."""
    send(customer, XSS)
    shown = chat.locator(".msg.customer .msg-text", has_text="onerror")
    shown.wait_for(timeout=TIMEOUT)
    assert shown.inner_text() == XSS
    assert console.locator(".messages img, .messages b").count() == 0
    supervisor.locator("#feed .text", has_text="onerror").wait_for(timeout=TIMEOUT)
    assert supervisor.locator("#feed img, #feed b").count() == 0


def add_a_note(chat, text: str) -> None:
    """The agent writes an internal note; it shows in the notes panel, which is closed again."""
    chat.locator('button[data-tool="notes"]').click()
    chat.locator(".notes-form textarea").fill(text)
    chat.locator(".notes-form button[type=submit]").click()
    chat.locator(".notes li", has_text=text).wait_for(timeout=TIMEOUT)
    chat.locator('button[data-tool="notes"]').click()


def see_the_console_reconnect(console) -> None:
    """The connection drops: a banner says so, and the console reconnects by itself."""
    console.evaluate("window.handoffConsole.state.socket.drop()")
    banner = console.locator("#conn-banner")
    banner.wait_for(state="visible", timeout=5_000)
    assert "连接已断开" in banner.inner_text()
    banner.wait_for(state="hidden", timeout=TIMEOUT)
    console.locator("#conn-dot.open").wait_for(timeout=TIMEOUT)


def open_the_close_form(chat):
    """The agent clicks the close tool: the disposition form opens. Returns it."""
    chat.locator('button[data-tool="close"]').click()
    return chat.locator(".close-form")


def see_a_blank_close_form_refused(chat) -> None:
    """Closing needs the disposition form filled in: sent blank, each field says so and
    the conversation stays open."""
    form = open_the_close_form(chat)
    form.locator("button[type=submit]").click()
    for field in ("category", "department", "disposition"):
        assert form.locator(f'.field-error[data-field="{field}"]').inner_text()
    assert chat.count() == 1


def close_with_disposition(chat, category: str, department: str, disposition: str) -> None:
    """The agent fills in the open close form and sends it: the conversation's column goes."""
    form = chat.locator(".close-form")
    form.locator('select[name="category"]').select_option(category)
    form.locator('select[name="department"]').select_option(department)
    form.locator('textarea[name="disposition"]').fill(disposition)
    form.locator("button[type=submit]").click()
    chat.wait_for(state="detached", timeout=TIMEOUT)


def rate_the_service(customer, choice: str) -> None:
    """The bot takes the customer back, asks for a 1–5 rating; the customer picks one and is thanked."""
    wait_for_bot(customer, "本次人工服务已结束")
    wait_for_bot(customer, "1 到 5 分")
    customer.locator(".rw-reply", has_text=choice).click()
    wait_for_bot(customer, "感谢您的评价")


def archived_cases(stack, conversation_id: str):
    """The cases archived for a conversation, newest first."""
    archive = CaseArchive(case_database_url(stack))
    try:
        return archive.history(f"conversation:{conversation_id}")
    finally:
        archive.close()


def test_an_agent_takes_answers_and_closes_a_web_chat_customer(pages, handoff, stack):
    console, supervisor, agent_row = see_the_agent_online(pages, handoff)

    # The customer asks for a person; with the agent online the bot queues them.
    customer = pages.chat()
    conversation_id = ask_for_a_person(customer)

    # Both pages see the waiting customer, live.
    waiting = see_the_customer_waiting(console, conversation_id)
    general = supervisor.locator('#skills tr[data-skill="general"] .waiting-count')
    expect(general).to_have_text("1", timeout=TIMEOUT)

    # The agent takes it: a column with the transcript, the context package beside it,
    # suggested answers as chips that fill the reply box.
    offer_a_suggested_answer(console)
    chat = claim_the_next_chat(console, conversation_id)
    see_the_transcript_and_context(console, chat)
    expect(waiting).to_have_count(0, timeout=TIMEOUT)
    expect(agent_row.locator(".load")).to_have_text(re.compile(r"^1/\d+$"), timeout=TIMEOUT)
    expect(general).to_have_text("0", timeout=TIMEOUT)
    pick_the_suggested_answer(chat)

    # No first reply in time: the console and the supervisor are alerted.
    in_thread(_raise_overdue(stack.settings.redis_url, conversation_id, handoff.agent))
    alert, supervisor_alert = see_the_overdue_alerts(console, supervisor, chat, conversation_id)

    # The agent answers; the customer sees it, and the alerts go.
    send_as_agent(console, chat, "您好，我是人工客服。\n正在为您查询，请稍等。")
    wait_for_bot(customer, "正在为您查询")
    alert.wait_for(state="detached", timeout=TIMEOUT)
    supervisor_alert.wait_for(state="detached", timeout=TIMEOUT)

    see_customer_markup_as_text(customer, console, supervisor, chat)
    send(customer, "好的，谢谢")  # in Chinese again: the bot reads each message's language
    chat.locator(".msg.customer", has_text="好的，谢谢").wait_for(timeout=TIMEOUT)
    add_a_note(chat, "客户情绪平稳，已核实身份。")
    console.screenshot(path=readme_shot("agent-console.png"))
    supervisor.screenshot(path=readme_shot("supervisor.png"))
    see_the_console_reconnect(console)

    see_a_blank_close_form_refused(chat)
    close_with_disposition(chat, "resolved", "customer_service", "已告知客户包裹位置，客户满意。")
    console.locator("#no-chats").wait_for(state="visible", timeout=TIMEOUT)
    expect(agent_row.locator(".load")).to_have_text(re.compile(r"^0/\d+$"), timeout=TIMEOUT)

    # The bot takes the customer back and asks for a rating, which lands on the case.
    rate_the_service(customer, "5 非常满意")
    cases = archived_cases(stack, conversation_id)
    assert cases and cases[0]["category"] == "resolved"
    assert cases[0]["disposition"] == "已告知客户包裹位置，客户满意。"
    assert cases[0]["rating"] == 5

    # Logging out takes the agent offline.
    console.click("#logout")
    console.locator("#login").wait_for(state="visible", timeout=TIMEOUT)
    expect(agent_row).to_have_attribute("data-presence", "offline", timeout=TIMEOUT)
    assert console.evaluate("Object.keys(sessionStorage).filter(k => k.startsWith('handoff'))") == []
    assert pages.dialogs == []


def test_the_console_summarises_a_chinese_conversation_in_chinese(pages, handoff):
    """Agents read Chinese first: the bot's summary, the reason and what the bot
    remembered are in Chinese with the English after them, not in code names."""
    console, _supervisor, _agent_row = see_the_agent_online(pages, handoff)
    customer = pages.chat()
    conversation_id = ask_for_a_person(customer)
    chat = claim_the_next_chat(console, conversation_id)
    expect(chat.locator(".chat-head")).to_contain_text("客户要求转人工", timeout=TIMEOUT)
    context = console.locator("#context")
    summary = context.locator(".ctx-summary")
    expect(summary).to_have_text(re.compile(r"^要求转人工；.*→ 客户要求转人工。$"), timeout=TIMEOUT)
    english = context.locator(".ctx-summary-en")
    expect(english).to_have_text(re.compile(r"^Asked for a person; .*→ customer asked for a person\.$"))
    assert english.get_attribute("lang") == "en"
    handoff_facts = context.locator(".ctx-section", has_text="转人工原因").inner_text()
    assert "客户要求转人工" in handoff_facts and "customer_request" not in handoff_facts
    slots = context.locator(".ctx-section", has_text="已知信息").locator("dt")
    expect(slots.filter(has_text="语言")).to_have_count(1)
    assert "language" in slots.filter(has_text="语言").inner_text()  # the English name after it


def test_an_agent_transfers_a_conversation_and_sets_themselves_away(pages, handoff):
    console = pages.console()
    wait_connected(console)
    supervisor = pages.supervisor()
    wait_connected(supervisor)
    customer = pages.chat()
    send(customer, "转人工")
    wait_for_bot(customer, "您是下一位")
    conversation_id = chat_session_id(customer)
    console.click("#take-next")
    chat = console.locator(f'.chat[data-conversation="{conversation_id}"]')
    chat.wait_for(timeout=TIMEOUT)

    # A reload keeps the login and the conversations.
    console.reload()
    wait_connected(console)
    chat.locator(".msg.customer", has_text="转人工").wait_for(timeout=TIMEOUT)

    # To the complaints team: out of the agent's hands, at the front of that queue.
    chat.locator('button[data-tool="transfer"]').click()
    form = chat.locator(".transfer-form")
    form.locator("button[type=submit]").click()
    form.locator(".form-error", has_text="请选择转接目标").wait_for(timeout=TIMEOUT)
    form.locator("select").nth(1).select_option("complaints")
    form.locator("button[type=submit]").click()
    chat.wait_for(state="detached", timeout=TIMEOUT)
    console.locator(f'.queue[data-skill="complaints"] .waiting-item[data-conversation="{conversation_id}"]'
                    ).wait_for(timeout=TIMEOUT)
    expect(supervisor.locator('#skills tr[data-skill="complaints"] .waiting-count')).to_have_text(
        "1", timeout=TIMEOUT)

    # The agent has the complaints skill too: taking the next one brings it back.
    console.click("#take-next")
    chat.wait_for(timeout=TIMEOUT)
    assert "投诉组" in chat.locator(".chat-head").inner_text()
    open_the_close_form(chat)
    close_with_disposition(chat, "not_resolved", "customer_service", "转投诉组后客户未再回复。")

    # Away: still logged in, no new conversations; the supervisor sees it.
    console.select_option("#presence", "away")
    agent_row = supervisor.locator(f'#agents tr[data-agent="{handoff.agent}"]')
    expect(agent_row).to_have_attribute("data-presence", "away", timeout=TIMEOUT)
    console.click("#take-next")
    console.locator(".toast", has_text="离开").wait_for(timeout=TIMEOUT)
    console.click("#logout")
    expect(agent_row).to_have_attribute("data-presence", "offline", timeout=TIMEOUT)
    assert pages.dialogs == []


def test_a_supervisor_closes_a_callback_the_customer_left(pages, handoff, stack):
    in_thread(_set_offline(stack.settings.redis_url, handoff.agent))
    if in_thread(_anyone_online(stack.settings.redis_url, "general")):
        pytest.skip("another test left an agent of the general team online")
    supervisor = pages.supervisor()
    wait_connected(supervisor)

    # With nobody online the bot takes a message for a callback instead.
    customer = pages.chat()
    send(customer, "转人工")
    wait_for_bot(customer, "留下您的问题")
    send(customer, "包裹破了 <b>急</b>，请回电 13812345678")
    wait_for_bot(customer, "已收到您的留言")
    conversation_id = chat_session_id(customer)

    item = supervisor.locator(f'#callbacks li[data-conversation="{conversation_id}"]')
    item.wait_for(timeout=TIMEOUT)
    assert "包裹破了 <b>急</b>，请回电 13812345678" in item.locator(".message").inner_text()
    assert supervisor.locator("#callbacks b").count() == 0
    item.locator("button", has_text="已回电").click()
    item.locator("button[type=submit]").click()
    item.locator(".form-error", has_text="请选择").wait_for(timeout=TIMEOUT)
    item.locator("select").nth(0).select_option("callback_promised")
    item.locator("select").nth(1).select_option("claims")
    item.locator("textarea").fill("已回电，理赔已受理。")
    item.locator("button[type=submit]").click()
    item.wait_for(state="detached", timeout=TIMEOUT)

    cases = archived_cases(stack, conversation_id)
    assert [(c["category"], c["disposition"]) for c in cases] == [("callback_promised", "已回电，理赔已受理。")]


def test_wrong_logins_and_roles_are_refused_on_the_pages(pages, handoff):
    console = pages.open(f"{handoff.url}/console")
    pages.log_in(console, handoff.agent, "not-the-password")
    console.locator("#login-error", has_text="用户名或密码错误").wait_for(timeout=TIMEOUT)
    assert console.locator("#app").is_hidden()

    pages.log_in(console, handoff.supervisor)
    console.locator("#login-error", has_text="供坐席使用").wait_for(timeout=TIMEOUT)
    assert console.locator("#app").is_hidden()


def test_the_supervisor_page_reconnects_and_keeps_its_login_on_reload(pages):
    supervisor = pages.supervisor()
    wait_connected(supervisor)
    supervisor.evaluate("window.handoffSupervisor.state.socket.drop()")
    supervisor.locator("#conn-banner").wait_for(state="visible", timeout=5_000)
    supervisor.locator("#conn-dot.open").wait_for(timeout=TIMEOUT)
    assert supervisor.locator("#conn-banner").is_hidden()

    supervisor.reload()
    wait_connected(supervisor)
    # The token is kept in sessionStorage and sent as a header, never in a page URL.
    assert "token" not in supervisor.url
    assert supervisor.locator("#login").is_hidden()
