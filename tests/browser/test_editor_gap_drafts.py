"""The gap list's "draft article" in a real browser, against the editor service as a
process on a store of this module's own (tests/gap_drafts_seed.py): an editor turns
the group of questions about shipping to Mars into a draft in one click (questions
and title filled in, answers empty), writes the answers and saves; the group shows as
drafted. A reviewer publishes the article, and the group moves to the handled list
with a link to it."""
import pytest
from playwright.sync_api import expect

from gap_drafts_seed import MARS, MARS_ANSWER, MARS_EXTRA_QUESTIONS, MARS_TESTS, seed_gap_store
from services import log_in, password, start_editor_service

USERS = {"lin": {"name": "林编辑", "role": "editor"}, "zhou": {"name": "周审核", "role": "reviewer"}}
TIMEOUT = 30_000
# A publication runs every answer test: seconds, more on a first run.
GATE_TIMEOUT = 90_000


@pytest.fixture(scope="module")
def service(redis_url, tmp_path_factory):
    directory = tmp_path_factory.mktemp("editor-gap-drafts")
    seed_gap_store(directory, f"sqlite:///{directory / 'knowledge.db'}")  # the service's store
    running = start_editor_service(directory, redis_url, USERS)
    yield running
    running.process.stop()


class Pages:
    """The browser pages of one test, signed in; records script errors."""

    def __init__(self, browser, service, shots) -> None:
        self.browser, self.service, self.shots = browser, service, shots
        self.contexts = []
        self.errors = []

    def log_in(self, user: str):
        context = self.browser.new_context(locale="zh-CN", viewport={"width": 1440, "height": 900})
        page = context.new_page()
        page.on("pageerror", lambda error: self.errors.append(f"{user}: {error}"))
        page.goto(f"{self.service.url}/editor")
        log_in(page, user, password(user))
        expect(page.locator("#who")).to_contain_text(USERS[user]["name"], timeout=TIMEOUT)
        self.contexts.append((context, page))
        return page

    def close(self) -> None:
        for number, (context, page) in enumerate(self.contexts):
            try:
                page.screenshot(path=str(self.shots / f"page-{number}.png"), full_page=True)
            finally:
                context.close()


@pytest.fixture()
def pages(service, browser, tmp_path):
    opened = Pages(browser, service, tmp_path)
    yield opened
    opened.close()
    assert opened.errors == [], "script errors in the page"


def open_gap_list(page):
    page.click('.view-tab[data-view="gaps"]')
    expect(page.locator("#gaps tr.gap").first).to_be_visible(timeout=TIMEOUT)


def write_the_rest_and_save(editor) -> None:
    """What the draft leaves to the editor: category, English title, more phrasings,
    the answers; then the draft is saved and its answer tests."""
    editor.fill("#f-category", "pricing")
    editor.fill("#f-title-en", "Shipping to Mars")
    zh = editor.locator("#f-questions-zh")
    zh.fill(zh.input_value() + "\n" + "\n".join(MARS_EXTRA_QUESTIONS["zh"]))
    editor.fill("#f-questions-en", "\n".join(MARS_EXTRA_QUESTIONS["en"]))
    for language in ("zh", "en"):
        for channel in ("web", "voice"):
            editor.fill(f"#f-answer-{language}-{channel}", MARS_ANSWER[language][channel])
    editor.fill("#f-id", "mars-shipping")
    editor.click("#save")
    expect(editor.locator("#save-message")).to_contain_text("已从未答问题组", timeout=TIMEOUT)
    expect(editor.locator("#article-heading")).to_contain_text("mars-shipping")
    editor.fill("#f-tests", "\n".join(MARS_TESTS))
    editor.click("#save-tests")
    expect(editor.locator("#tests-message")).to_contain_text("答案测试已保存", timeout=TIMEOUT)


def test_a_gap_group_becomes_a_draft_and_is_handled_once_published(pages):
    editor = pages.log_in("lin")
    open_gap_list(editor)
    mars = editor.locator("#gaps tr.gap", has_text="火星")
    expect(mars.locator(".count")).to_have_text("3")

    mars.locator("button.gap-draft").click()
    # One click: the editor opens on the draft, questions and title filled in.
    expect(editor.locator("#article-heading")).to_contain_text("来自未答问题组", timeout=TIMEOUT)
    assert editor.locator("#f-questions-zh").input_value().split("\n") == list(MARS)
    assert editor.locator("#f-title-zh").input_value() == "寄到火星多少钱"
    assert editor.locator("#f-answer-zh-web").input_value() == ""
    write_the_rest_and_save(editor)

    open_gap_list(editor)
    drafted = editor.locator("#gaps tr.gap", has_text="火星")
    expect(drafted.locator(".drafted")).to_contain_text("mars-shipping")
    expect(drafted.locator("button.gap-draft")).to_have_count(0)

    reviewer = pages.log_in("zhou")
    reviewer.fill("#search", "mars-shipping")
    reviewer.locator('.article-item[data-article="mars-shipping"]').click(timeout=TIMEOUT)
    expect(reviewer.locator("#article-heading")).to_contain_text("mars-shipping", timeout=TIMEOUT)
    reviewer.click("#publish")
    expect(reviewer.locator("#gate-report")).to_contain_text("已发布", timeout=GATE_TIMEOUT)

    open_gap_list(reviewer)
    expect(reviewer.locator("#gaps tr.gap", has_text="火星")).to_have_count(0)
    handled = reviewer.locator("#handled-gaps tr.handled-gap", has_text="火星")
    expect(handled).to_contain_text("mars-shipping")
    expect(reviewer.locator("#no-handled-gaps")).to_be_hidden()
    # The link opens the article that now answers the group.
    handled.locator("button.link").click()
    expect(reviewer.locator("#article-heading")).to_contain_text("mars-shipping", timeout=TIMEOUT)
    expect(reviewer.locator("#article-state")).to_contain_text("已发布")
