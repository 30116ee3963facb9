"""What `make run` tells a newcomer (commands/first_run.py): the demo numbers it prints
exist and answer as printed, and whether agents answer now."""
import uuid
from datetime import datetime

from commands.first_run import example_parcels, guide
from chat import say


def test_the_printed_numbers_track_and_the_delivered_one_can_be_returned(stack):
    numbers = example_parcels(stack.settings.var_dir / "carrier.db")
    assert "运输中" in "\n".join(say(stack, numbers["in_transit"]))
    assert "已签收" in "\n".join(say(stack, numbers["delivered"]))
    assert "派送失败" in "\n".join(say(stack, numbers["exception"]))
    sender = uuid.uuid4().hex
    say(stack, "我要退货", sender)
    assert say(stack, numbers["delivered"], sender) == ["请问要退的是哪一类商品？"]


def test_the_guide_lists_the_numbers_and_says_agents_answer_around_the_clock(stack):
    # The session's stack runs with HANDOFF_HOURS=00:00-24:00.
    printed = "\n".join(guide(stack.settings))
    for number in example_parcels(stack.settings.var_dir / "carrier.db").values():
        assert number in printed
    assert "Agents answer now (00:00–24:00 Asia/Shanghai)" in printed
    assert f"{stack.settings.handoff_url}/console" in printed


def test_outside_the_hours_the_guide_says_why_and_how_to_open_them(stack, monkeypatch):
    monkeypatch.setenv("HANDOFF_HOURS", "08:00-22:00")
    night = datetime.fromisoformat("2026-11-18T23:30:00+08:00")
    printed = "\n".join(guide(stack.settings, now=night))
    assert "Agents do not answer now (08:00–22:00 Asia/Shanghai)" in printed
    assert "make demo" in printed
