"""The knowledge editor page in a real browser, against the editor service as a process.

The weekly change of the knowledge base issue: an editor finds the shipping fee
article, raises the first-weight price, previews the answer as the web chat and the
phone line show it, and runs the answer tests; an editor cannot publish. A reviewer
publishes it, the history shows the new version with its diff, and a rollback brings
the old price back. A broken draft is
refused with its failing questions listed. The page publishes the version the reviewer
reads: an edit saved meanwhile, or one of the reviewer's own, is refused with the
reason shown. Customer text in the gap list, markup
included, shows as text.
"""
import re

import pytest
import requests
from playwright.sync_api import expect

from knowledge.store import KnowledgeStore
from services import log_in, password, start_editor_service
from tests.screenshots import readme_shot


USERS = {"lin": {"name": "林编辑", "role": "editor"}, "zhou": {"name": "周审核", "role": "reviewer"}}
XSS_QUESTION = "<img src=x onerror=alert(1)> 寄到火星多少钱"
TIMEOUT = 30_000
# An answer-test run or a publication runs every answer test: seconds, more on a first run.
GATE_TIMEOUT = 90_000


@pytest.fixture(scope="module")
def service(redis_url, tmp_path_factory):
    running = start_editor_service(tmp_path_factory.mktemp("editor-page"), redis_url, USERS)
    store = KnowledgeStore(running.store_url)
    try:
        store.log_gap(XSS_QUESTION, "zh-Hans", "socketio", "shipping-fee", 0.31, "page-test")
    finally:
        store.close()
    yield running
    running.process.stop()


class Pages:
    """The browser pages of one test. Records dialogs (an alert() would mean injected
    markup ran) and script errors."""

    def __init__(self, browser, service, shots) -> None:
        self.browser = browser
        self.service = service
        self.shots = shots
        self.contexts = []
        self.dialogs = []
        self.errors = []

    def log_in(self, user: str):
        context = self.browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
        page = context.new_page()
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(f"{user}: {error}"))
        page.on("console", lambda message: self._console(user, message))
        page.goto(f"{self.service.url}/editor")
        log_in(page, user, password(user))
        expect(page.locator("#who")).to_contain_text(USERS[user]["name"], timeout=TIMEOUT)
        self.contexts.append((context, page))
        return page

    def _console(self, user: str, message) -> None:
        # The browser logs every 4xx as a failed resource; the tests cause some on purpose.
        if message.type == "error" and not message.text.startswith("Failed to load resource"):
            self.errors.append(f"{user}: {message.text}")

    def _dialog(self, dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def close(self) -> None:
        for number, (context, page) in enumerate(self.contexts):
            try:
                page.screenshot(path=str(self.shots / f"page-{number}.png"))
            finally:
                context.close()


@pytest.fixture()
def pages(browser, service, tmp_path):
    opened = Pages(browser, service, tmp_path)
    yield opened
    opened.close()
    assert opened.errors == [], "script errors or error notices in the page"
    assert opened.dialogs == [], "a dialog opened: injected markup ran"


def open_article(page, article_id: str, search: str = "") -> None:
    page.fill("#search", search or article_id)
    page.locator(f'.article-item[data-article="{article_id}"]').click(timeout=TIMEOUT)
    expect(page.locator("#article-heading")).to_contain_text(article_id, timeout=TIMEOUT)


def session_token(page) -> str:
    """The token the page keeps for its login."""
    return page.evaluate('() => JSON.parse(sessionStorage.getItem("knowledge-editor")).token')


def raise_the_first_weight_price(editor) -> None:
    """The editor raises the first-weight price from 12 to 13 yuan in the web chat's
    answer and the phone line's, and saves it with a comment: a draft, version 2."""
    web, voice = editor.locator("#f-answer-zh-web"), editor.locator("#f-answer-zh-voice")
    assert "首重12元" in web.input_value()
    web.fill(web.input_value().replace("首重12元", "首重13元"))
    voice.fill(voice.input_value().replace("同省十二元起", "同省十三元起"))
    editor.fill("#f-comment", "同省首重涨价")
    editor.click("#save")
    expect(editor.locator("#save-message")).to_contain_text("已保存为草稿 v2", timeout=TIMEOUT)
    expect(editor.locator("#article-state")).to_contain_text("草稿")


def see_the_new_price_previewed(editor) -> None:
    """The preview: the web chat's text and the phone line's, side by side, in
    Simplified and Traditional Chinese and in English."""
    expect(editor.locator("#preview-version")).to_contain_text("v2", timeout=TIMEOUT)
    expect(editor.locator("#preview-web")).to_contain_text("同省（含同城）：首重13元")
    expect(editor.locator("#preview-ivr")).to_contain_text("同省十三元起")
    editor.select_option("#preview-language", "zh-Hant")
    expect(editor.locator("#preview-ivr")).to_contain_text("運費按首重加續重計算", timeout=TIMEOUT)
    expect(editor.locator("#preview-web")).to_contain_text("首重13元")
    editor.select_option("#preview-language", "en")
    expect(editor.locator("#preview-ivr")).to_contain_text("within the same province", timeout=TIMEOUT)


def run_the_answer_tests(editor) -> None:
    """The editor runs the answer tests on the draft: they pass, nothing fails."""
    editor.click("#run-tests")
    expect(editor.locator("#gate-report .verdict")).to_contain_text("测试通过，可以发布", timeout=GATE_TIMEOUT)
    expect(editor.locator("#gate-report")).to_contain_text("shipping-fee v2")
    assert editor.locator("#gate-report .failures").count() == 0


def publish_with_the_pages_token(page) -> int:
    """Calls the publish API the way the page would, with its login; returns the status."""
    return page.evaluate("""async () => {
        const token = JSON.parse(sessionStorage.getItem("knowledge-editor")).token;
        const reply = await fetch("/api/publish", {method: "POST", body: "{}",
            headers: {"Authorization": `Bearer ${token}`, "Content-Type": "application/json"}});
        return reply.status;
    }""")


def publish_the_draft(reviewer) -> None:
    """The reviewer finds the draft among the drafts and publishes it."""
    reviewer.select_option("#status-filter", "draft")
    open_article(reviewer, "shipping-fee")
    expect(reviewer.locator("#publish")).to_be_visible()
    reviewer.click("#publish")
    expect(reviewer.locator("#gate-report .verdict")).to_contain_text("已发布：shipping-fee v2", timeout=GATE_TIMEOUT)
    expect(reviewer.locator("#article-state")).to_contain_text("已发布")


def see_the_new_version_in_the_history(reviewer) -> None:
    """The history: the new version first, published with its comment, the one before
    archived; the diff between them shows the prices removed and added."""
    newest = reviewer.locator(".version-item").first
    expect(newest).to_contain_text("v2")
    expect(newest).to_contain_text("已发布")
    expect(newest).to_contain_text("同省首重涨价")
    expect(reviewer.locator(".version-item").nth(1)).to_contain_text("已归档")
    expect(reviewer.locator("#diff .del", has_text="首重12元")).to_have_count(1)
    expect(reviewer.locator("#diff .add", has_text="首重13元")).to_have_count(1)
    expect(reviewer.locator("#diff .add", has_text="同省十三元起")).to_have_count(1)


def roll_back_to_version(reviewer, version: int) -> None:
    """Rolling back takes two clicks: the first asks to confirm. A notice says it is done."""
    rollback = reviewer.locator(f'.version-item[data-version="{version}"] .rollback-button')
    rollback.click()
    expect(rollback).to_contain_text("确认")
    rollback.click()
    expect(reviewer.locator("#toasts")).to_contain_text("已回滚", timeout=GATE_TIMEOUT)


def see_the_audit_log_name_both(reviewer) -> None:
    """The audit log names the reviewer for the rollback and the publication, the editor for the edit."""
    reviewer.click('.view-tab[data-view="audit"]')
    expect(reviewer.locator('#audit tr[data-action="rollback"]').first).to_contain_text("周审核", timeout=TIMEOUT)
    expect(reviewer.locator('#audit tr[data-action="publish"]').first).to_contain_text("周审核")
    expect(reviewer.locator('#audit tr[data-action="edit"]').first).to_contain_text("林编辑")


def test_an_editor_changes_the_price_and_a_reviewer_publishes_it(pages, service):
    editor = pages.log_in("lin")
    open_article(editor, "shipping-fee", search="运费")
    expect(editor.locator("#article-state")).to_contain_text("v1")
    # Publishing is a reviewer's act: an editor has no button for it.
    expect(editor.locator("#publish")).to_be_hidden()
    expect(editor.locator("#publish-note")).to_be_visible()

    raise_the_first_weight_price(editor)
    see_the_new_price_previewed(editor)
    run_the_answer_tests(editor)
    # Nor does the service let an editor's token publish.
    assert publish_with_the_pages_token(editor) == 403
    editor.screenshot(path=readme_shot("knowledge-editor.png"))

    reviewer = pages.log_in("zhou")
    publish_the_draft(reviewer)
    see_the_new_version_in_the_history(reviewer)
    reviewer.locator("#diff").scroll_into_view_if_needed()
    reviewer.screenshot(path=readme_shot("knowledge-editor-review.png"))

    # Live for the bot.
    live = requests.get(f"{service.url}/api/articles/shipping-fee", timeout=10,
                        headers={"Authorization": f"Bearer {session_token(reviewer)}"}).json()["published"]
    assert live["version"] == 2 and "首重13元" in live["article"]["answer"]["zh"]["web"]

    # Rolling back makes version 1's text live again, as v3.
    roll_back_to_version(reviewer, 1)
    expect(reviewer.locator("#article-state")).to_contain_text("v3")
    expect(reviewer.locator("#preview-web")).to_contain_text("首重12元", timeout=TIMEOUT)
    expect(reviewer.locator(".version-item").first).to_contain_text("rollback to version 1")

    see_the_audit_log_name_both(reviewer)


def test_customer_text_in_the_gap_list_is_shown_as_text(pages):
    reviewer = pages.log_in("zhou")
    reviewer.click('.view-tab[data-view="gaps"]')
    question = reviewer.locator("#gaps .gap .question").first
    expect(question).to_have_text(XSS_QUESTION, timeout=TIMEOUT)
    assert reviewer.locator("#gaps img").count() == 0
    expect(reviewer.locator("#gaps .gap").first).to_contain_text("shipping-fee")
    reviewer.screenshot(path=readme_shot("knowledge-gaps.png"))

    # A new article starts from the question, still as text.
    reviewer.locator("#gaps .gap button", has_text="写新文章").first.click()
    expect(reviewer.locator("#f-questions-zh")).to_have_value(XSS_QUESTION)


def test_a_refused_publication_lists_the_failing_questions(pages):
    editor = pages.log_in("lin")
    open_article(editor, "redelivery")
    editor.click("#mode-yaml")
    text = editor.locator("#f-yaml").input_value()
    # Questions about something else entirely: the article's tests no longer find it.
    parrots = re.sub(
        r"questions:\n(?:  .*\n)+?answer:",
        "questions:\n  zh: [鹦鹉吃什么, 鹦鹉怎么洗澡, 鹦鹉会说话吗, 鹦鹉能活多久, 鹦鹉掉毛怎么办, 鹦鹉笼子多大]\n"
        "  en: [what do parrots eat, how to bathe a parrot, can parrots talk, how long do parrots live,\n"
        "    why is my parrot losing feathers, how big a cage for a parrot]\nanswer:",
        text,
    )
    parrots = re.sub(r"(?m)^(title:\n  zh: ).*$", r"\1鹦鹉的饲养", parrots)
    parrots = re.sub(r"tags:\n(?:- .*\n)+", "tags: [鹦鹉, parrot]\n", parrots)
    assert parrots != text
    editor.fill("#f-yaml", parrots)
    editor.click("#save")
    expect(editor.locator("#save-message")).to_contain_text("已保存为草稿 v2", timeout=TIMEOUT)

    # Invalid YAML is refused with its line; the draft stays as it was.
    editor.fill("#f-yaml", parrots.replace("category:", "category: [unclosed", 1))
    editor.click("#save")
    expect(editor.locator("#save-message")).to_contain_text("YAML 格式错误", timeout=TIMEOUT)
    expect(editor.locator("#save-message")).to_contain_text(re.compile(r"line \d+"))
    expect(editor.locator("#article-state")).to_contain_text("v2")

    reviewer = pages.log_in("zhou")
    open_article(reviewer, "redelivery")
    reviewer.click("#publish")
    report = reviewer.locator("#gate-report")
    expect(report.locator(".verdict")).to_contain_text("发布被拒绝", timeout=GATE_TIMEOUT)
    failing = report.locator(".failures tbody tr")
    expect(failing.first).to_be_visible()
    expect(failing.first.locator("td").nth(1)).to_have_text("redelivery")
    expect(reviewer.locator("#article-state")).to_contain_text("草稿")


def save_behind_the_reviewers_back(service, editor, article_id: str, note: str) -> int:
    """The editor saves a new version over the API, as from another tab; returns it."""
    headers = {"Authorization": f"Bearer {session_token(editor)}"}
    url = f"{service.url}/api/articles/{article_id}"
    latest = requests.get(url, headers=headers, timeout=10).json()["latest"]
    article = latest["article"]
    article["answer"]["zh"]["web"] += f"\n\n{note}"
    reply = requests.put(url, json={"article": article, "base_version": latest["version"]}, headers=headers, timeout=30)
    assert reply.status_code == 200, reply.text
    return reply.json()["latest"]["version"]


def test_the_page_publishes_the_version_on_screen_and_says_why_not(pages, service):
    editor = pages.log_in("lin")
    reviewer = pages.log_in("zhou")
    reviewed = save_behind_the_reviewers_back(service, editor, "parcel-hold", "审核过的说明。")
    open_article(reviewer, "parcel-hold")
    expect(reviewer.locator("#article-state")).to_contain_text(f"v{reviewed}")

    # The editor saves again while the reviewer reads: publishing what is on screen is refused.
    later = save_behind_the_reviewers_back(service, editor, "parcel-hold", "审核之后才加的话。")
    reviewer.click("#publish")
    refusal = reviewer.locator('#gate-report [data-refusal="unreviewed"]')
    expect(refusal).to_contain_text(f"v{reviewed} 之后又有新的修改", timeout=TIMEOUT)
    expect(refusal).to_contain_text(f"but version {later} (draft) was saved after it by lin")
    refusal.locator("button", has_text="载入最新版本").click()
    expect(reviewer.locator("#article-state")).to_contain_text(f"v{later}", timeout=TIMEOUT)
    expect(reviewer.locator("#f-answer-zh-web")).to_have_value(re.compile("审核之后才加的话"))

    # The reviewer's own edit goes live only through another reviewer.
    web = reviewer.locator("#f-answer-zh-web")
    web.fill(web.input_value() + "\n\n审核员顺手改的。")
    reviewer.click("#save")
    expect(reviewer.locator("#save-message")).to_contain_text(f"已保存为草稿 v{later + 1}", timeout=TIMEOUT)
    reviewer.click("#publish")
    refusal = reviewer.locator('#gate-report [data-refusal="own_change"]')
    expect(refusal).to_contain_text("其中有您自己写的修改", timeout=TIMEOUT)
    expect(refusal).to_contain_text(f"zhou wrote version {later + 1}")
    expect(reviewer.locator("#article-state")).to_contain_text("草稿")
