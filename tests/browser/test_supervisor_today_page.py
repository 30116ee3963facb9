"""The supervisor page's figures of today in a real browser: the seeded business day
of the tests' fixed clock (tests/supervisor_today_seed.py) shown Chinese first, and a
case archived while the page is open showing up without a reload."""
import re

import pytest
from playwright.sync_api import expect

from handoff.cases import ABANDONED, CaseArchive
from services import log_in, password
from supervisor_today_seed import case, shanghai, start_today_service

TIMEOUT = 30_000


@pytest.fixture(scope="module")
def service(redis_url, tmp_path_factory):
    running = start_today_service(tmp_path_factory.mktemp("supervisor-today-page"), redis_url)
    yield running
    running.stop()


@pytest.fixture()
def supervisor(service, browser, tmp_path):
    """The supervisor page, signed in as chen; its script errors fail the test."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{service.url}/supervisor")
    log_in(page, "chen", password("chen"))
    page.locator("#app").wait_for(state="visible", timeout=TIMEOUT)
    yield page
    page.screenshot(path=str(tmp_path / "supervisor-today.png"), full_page=True)
    context.close()
    assert errors == [], "script errors in the page"


def value(page, figure: str):
    return page.locator(f"#today-{figure} .value")


def test_the_supervisor_sees_today_s_figures_chinese_first(supervisor):
    expect(supervisor.locator("#today-panel h2")).to_contain_text("今日数据", timeout=TIMEOUT)
    expect(supervisor.locator("#today-day")).to_contain_text("2026-11-18", timeout=TIMEOUT)
    expect(value(supervisor, "handoffs")).to_have_text(re.compile(r"^6"), timeout=TIMEOUT)
    expect(value(supervisor, "answered")).to_have_text("3")
    expect(value(supervisor, "abandoned")).to_have_text("1")
    expect(value(supervisor, "waiting")).to_have_text("2")
    expect(value(supervisor, "service-level")).to_contain_text("50%")
    expect(value(supervisor, "wait")).to_have_text("0:12 / 0:45")
    expect(value(supervisor, "csat")).to_contain_text("4.50")
    expect(value(supervisor, "callbacks")).to_have_text("1")
    for figure, chinese in (("handoffs", "转人工"), ("service-level", "20 秒内接入"), ("csat", "平均满意度"),
                            ("callbacks", "待回电")):
        label = supervisor.locator(f"#today-{figure} .small.muted").first
        expect(label).to_contain_text(chinese)


def test_a_case_archived_meanwhile_shows_without_a_reload(supervisor, service):
    expect(value(supervisor, "abandoned")).to_have_text("1", timeout=TIMEOUT)
    archive = CaseArchive(service.database_url)
    try:
        archive.archive(case("left-later", shanghai(18, 9, 30), category=ABANDONED,
                             closed_at=shanghai(18, 9, 31)))
    finally:
        archive.close()
    # The page refreshes with the overview, every few seconds.
    expect(value(supervisor, "abandoned")).to_have_text("2", timeout=10_000)
    expect(value(supervisor, "handoffs")).to_have_text(re.compile(r"^7"))
    expect(value(supervisor, "service-level")).to_contain_text("40%")
