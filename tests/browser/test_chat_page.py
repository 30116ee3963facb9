"""A customer opens the chat page in a real browser and talks to the bot."""

import pytest

from commands.first_run import example_parcels

@pytest.fixture()
def open_chat(browser, stack, tmp_path):
    """Opens the chat page in chromium with the given browser language."""
    contexts = []

    def open_page(locale="zh-CN"):
        context = browser.new_context(locale=locale)
        contexts.append(context)
        page = context.new_page()
        page.goto(f"{stack.settings.rasa_url}/chat")
        return page

    yield open_page
    for number, context in enumerate(contexts):
        context.pages[0].screenshot(path=str(tmp_path / f"chat-{number}.png"))
        context.close()


@pytest.fixture()
def page(open_chat):
    return open_chat("zh-CN")


def wait_for_bot(page, text):
    """Waits until a bot message containing `text` is shown (typing dots come first)."""
    page.locator(".rw-response", has_text=text).first.wait_for(timeout=30_000)


def send(page, text):
    page.fill(".rw-new-message", text)
    page.keyboard.press("Enter")


def test_customer_is_greeted_and_gets_an_answer(page):
    wait_for_bot(page, "快递客服助手")
    send(page, "我的快遞到哪了")
    wait_for_bot(page, "運單號")


def test_customer_text_is_shown_as_text_not_markup(page):
    wait_for_bot(page, "快递客服助手")
    send(page, "<img src=x onerror=window.hacked=1>我要退货")
    wait_for_bot(page, "我来帮您办理退货")
    assert page.evaluate("window.hacked") is None
    assert "<img" in page.locator(".rw-client").last.inner_text()


def test_english_browser_is_greeted_in_english(open_chat):
    page = open_chat("en-US")
    wait_for_bot(page, "I'm the courier's assistant")


def test_a_tracking_timeline_shows_line_by_line(page, stack):
    number = example_parcels(stack.settings.var_dir / "carrier.db")["in_transit"]
    wait_for_bot(page, "快递客服助手")
    send(page, number)
    wait_for_bot(page, "物流记录")
    answer = page.locator(".rw-response", has_text="物流记录").first
    lines = [line for line in answer.inner_text().split("\n") if line.strip()]
    # The status, the promise, the heading and each scan of the timeline on lines of their own.
    assert len(lines) >= 4, lines
    assert any(line.startswith("物流记录") for line in lines)
    assert "\\" not in answer.inner_text()  # escapes are markdown's, never shown
