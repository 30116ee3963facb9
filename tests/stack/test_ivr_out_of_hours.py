"""A call outside the agents' hours (a private stack whose hours never open): the caller
is told the hours and confirms a callback to their own number with a key, even though
an agent is online."""
import uuid

import pytest

from handoff.queue_records import Presence
from services import queue_call, start_stack
from ivr_call import Call, conversation_of_call


@pytest.fixture(scope="module")
def closed_stack(model_path, redis_url, tmp_path_factory):
    with pytest.MonkeyPatch.context() as environment:
        # A window that closes as it opens: never open, whatever the time of day.
        environment.setenv("HANDOFF_HOURS", "00:00-00:00")
        environment.setenv("HANDOFF_KEY_PREFIX", f"test-closed-{uuid.uuid4().hex[:8]}:handoff:")
        running = start_stack(model_path, redis_url, tmp_path_factory.mktemp("closed"))
        prefix = running.settings.process_environment()["HANDOFF_KEY_PREFIX"]
    yield running, prefix
    running.stop()


def test_out_of_hours_the_caller_hears_the_hours_and_confirms_a_callback_by_key(closed_stack, redis_url,
                                                                                monkeypatch):
    stack, prefix = closed_stack
    monkeypatch.setenv("HANDOFF_KEY_PREFIX", prefix)  # queue_call reads the stack's queue
    agent = f"agent-{uuid.uuid4().hex[:6]}"
    queue_call(redis_url, "register_agent", agent, ["general", "tracking", "complaints", "returns"])
    try:
        call = Call(stack)
        call.start()
        call.say("我要转人工")
        assert "非工作时间" in call.spoken()
        assert "尾号 " + " ".join(call.caller[-4:]) in call.spoken()
        assert "确认回电请按1" in call.spoken()
        assert call.last["action"] == "continue"
        call.press("1")
        assert call.last["action"] == "hangup"
        [mine] = [c for c in queue_call(redis_url, "callbacks")
                  if c.ticket.conversation_id == conversation_of_call(stack, call)]
        assert mine.ticket.context["callback_phone"] == call.caller
        assert mine.ticket.channel == "ivr"
    finally:
        queue_call(redis_url, "set_presence", agent, Presence.OFFLINE)
