"""A customer opens the chat page in a real browser and talks to the bot."""
import shutil

import pytest

CHROMIUM = shutil.which("chromium")
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Debian's chromium is not installed (apt-get install chromium)"
)

LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


@pytest.fixture()
def page(stack, tmp_path):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        context = browser.new_context(locale="zh-CN")
        page = context.new_page()
        page.goto(f"{stack.settings.rasa_url}/chat")
        yield page
        page.screenshot(path=str(tmp_path / "chat.png"))
        browser.close()


def bot_messages(page):
    return page.locator(".rw-response")


def test_customer_is_greeted_and_gets_an_answer(page):
    bot_messages(page).first.wait_for(timeout=30_000)
    assert "快递客服助手" in bot_messages(page).first.inner_text()

    page.fill(".rw-new-message", "我的快遞到哪了")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "document.querySelectorAll('.rw-response').length >= 2", timeout=30_000
    )
    assert "運單號" in bot_messages(page).nth(1).inner_text()


def test_customer_text_is_shown_as_text_not_markup(page):
    bot_messages(page).first.wait_for(timeout=30_000)
    page.fill(".rw-new-message", "<img src=x onerror=window.hacked=1>我要退货")
    page.keyboard.press("Enter")
    page.wait_for_function(
        "document.querySelectorAll('.rw-response').length >= 2", timeout=30_000
    )
    assert page.evaluate("window.hacked") is None
    assert "<img" in page.locator(".rw-client").last.inner_text()
