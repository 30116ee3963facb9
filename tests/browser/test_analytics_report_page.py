"""The report of the generated month (tests/analytics_month.py) opened in chromium: it
loads in under 5 s with every chart, and the charts show something. The screenshot is
the README's (docs/screenshots/analytics-report.png)."""
import io
import time

import pytest
from PIL import Image, ImageStat

from analytics_month import generated_month
from foundation.settings import ROOT

pytestmark = pytest.mark.timeout(1800)  # the month is played here when run alone

SCREENSHOT = ROOT / "docs" / "screenshots" / "analytics-report.png"


@pytest.fixture(scope="module")
def month(model_path, tmp_path_factory):
    # Before the browser: playing the month calls asyncio.run(), which Playwright's
    # event loop in this thread would refuse.
    return generated_month(model_path, tmp_path_factory.mktemp("analytics-month"))


@pytest.fixture(scope="module")
def report_page(month, browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    page = context.new_page()
    started = time.monotonic()
    page.goto((month.reports[0] / "index.html").as_uri(), wait_until="load")
    loaded_in = time.monotonic() - started
    yield page, loaded_in
    context.close()


def test_the_report_loads_in_under_five_seconds_with_its_charts(report_page):
    page, loaded_in = report_page
    assert loaded_in < 5, f"{loaded_in:.1f} s"
    images = page.evaluate(
        "Array.from(document.images).map(i => [i.getAttribute('src'), i.complete, i.naturalWidth])")
    assert len(images) >= 4, images
    assert [src for src, complete, width in images if not complete or width == 0] == []
    assert page.locator("h1").first.inner_text().strip()


def test_every_chart_shows_something(report_page):
    page, _ = report_page
    charts = page.locator("img")
    for index in range(charts.count()):
        chart = charts.nth(index)
        chart.scroll_into_view_if_needed()
        shot = Image.open(io.BytesIO(chart.screenshot())).convert("L")
        spread = ImageStat.Stat(shot).stddev[0]
        assert spread > 5, f"{chart.get_attribute('src')} looks blank (stddev {spread:.1f})"


def test_the_screenshot_is_not_blank(report_page):
    page, _ = report_page
    SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(SCREENSHOT), full_page=True)
    shot = Image.open(SCREENSHOT).convert("L")
    assert ImageStat.Stat(shot).stddev[0] > 10
    assert shot.size[1] > 900  # the whole page, not only the first screen
