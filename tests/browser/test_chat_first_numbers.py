"""The demo waybill numbers `make run` prints (commands/first_run.py) track in the web
chat: a newcomer types each, as printed, into the chat page and gets its status, and
the timeline of the one in transit, line by line."""
import re
from typing import Dict

from playwright.sync_api import expect

from commands.first_run import guide
from tests.screenshots import readme_shot

TIMEOUT = 30_000
# "    KD2026...  in transit": a number line of the guide, and what it says it shows.
PRINTED_NUMBER = re.compile(r"^ {4}(\S+) {2}(.+)$")


def printed_numbers(stack) -> Dict[str, str]:
    """{what the guide says it shows: number}, read from the lines it prints."""
    numbers = {}
    for line in guide(stack.settings):
        match = PRINTED_NUMBER.match(line)
        if match:
            numbers[match.group(2)] = match.group(1)
    return numbers


def reply_lines(page, number: str):
    """The lines of the bot's reply about `number`, once it is shown."""
    reply = page.locator(".rw-response", has_text=number).last
    reply.wait_for(timeout=TIMEOUT)
    return [line.strip() for line in reply.inner_text().split("\n") if line.strip()]


def send(page, text: str) -> None:
    page.fill(".rw-new-message", text)
    page.keyboard.press("Enter")


def test_the_numbers_printed_at_start_up_track_in_the_web_chat(browser, stack, tmp_path):
    numbers = printed_numbers(stack)
    assert list(numbers) == ["in transit", "delivered, can be returned", "delivery failed"], numbers

    context = browser.new_context(locale="zh-CN", viewport={"width": 900, "height": 1000})
    page = context.new_page()
    try:
        page.goto(f"{stack.settings.rasa_url}/chat")
        page.locator(".rw-response", has_text="快递客服助手").first.wait_for(timeout=TIMEOUT)

        send(page, numbers["in transit"])
        lines = reply_lines(page, numbers["in transit"])
        # The status, the heading and each scan of the timeline on lines of their own.
        assert lines[0] == f"包裹 {numbers['in transit']}：运输中。", lines
        heading = lines.index("物流记录（最新在前）：")
        scans = lines[heading + 1:]
        assert scans and all(re.match(r"^\d\d-\d\d \d\d:\d\d ", scan) for scan in scans), lines

        send(page, numbers["delivered, can be returned"])
        lines = reply_lines(page, numbers["delivered, can be returned"])
        assert lines[0].startswith(f"包裹 {numbers['delivered, can be returned']}：已签收"), lines
        assert len(lines) >= 2, lines

        send(page, numbers["delivery failed"])
        lines = reply_lines(page, numbers["delivery failed"])
        assert lines[0] == f"包裹 {numbers['delivery failed']}：派送失败。", lines
        assert len(lines) >= 2, lines

        # None of the three is "not found", and no markdown escape shows.
        responses = page.locator(".rw-response")
        expect(responses.filter(has_text="没有查到")).to_have_count(0)
        assert "\\" not in "".join(responses.all_inner_texts())
        page.screenshot(path=readme_shot("chat-timeline.png"), full_page=True)
    finally:
        context.close()
