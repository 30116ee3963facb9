"""When the bot hands off by itself (handoff/triggers.yml), checked on the actions."""
import asyncio

import pytest
from rasa_sdk import Tracker

from actions import tracking
from actions.handoff import ActionHandleFallback, is_vip
from handoff.triggers import TRIGGERS


class Dispatcher:
    def __init__(self):
        self.messages = []

    def utter_message(self, **message):
        self.messages.append(message)


def conversation(intents, text="", channel="socketio", metadata=None, slots=None):
    events = [{"event": "user", "text": text, "input_channel": channel,
               "parse_data": {"intent": {"name": name}}} for name in intents]
    latest = {"intent": {"name": intents[-1]}, "entities": [], "text": text,
              "metadata": metadata or {}}
    return Tracker("c", slots or {}, latest, events, False, None, {}, "action_listen")


def followup(events):
    return next(e["name"] for e in events if e["event"] == "followup")


def reason(events):
    return next(e["value"] for e in events if e.get("name") == "handoff_reason")


def run(action, tracker):
    dispatcher = Dispatcher()
    return asyncio.run(action.run(dispatcher, tracker, {})), dispatcher


def test_one_fallback_asks_to_rephrase_the_second_in_a_row_hands_off():
    events, dispatcher = run(ActionHandleFallback(), conversation(["greet", "nlu_fallback"]))
    assert events == [] and dispatcher.messages == [{"response": "utter_default"}]
    events, _ = run(ActionHandleFallback(), conversation(["nlu_fallback", "nlu_fallback"]))
    assert followup(events) == "action_hand_off" and reason(events) == "nlu_fallback"


def test_fallbacks_with_something_understood_between_are_not_in_a_row():
    events, _ = run(ActionHandleFallback(), conversation(["nlu_fallback", "greet", "nlu_fallback"]))
    assert events == []


@pytest.mark.parametrize("text", ["气死我了", "氣死我了", "This is USELESS", "什么破快递"])
def test_clearly_angry_words_are_found_in_any_script(text):
    assert TRIGGERS.is_clearly_negative(text)


@pytest.mark.parametrize("text", ["我的快递到哪了", "滚筒洗衣机怎么寄", "thanks a lot"])
def test_ordinary_messages_are_not_angry(text):
    assert not TRIGGERS.is_clearly_negative(text)


def test_an_angry_message_not_understood_goes_to_a_person_at_once():
    events, _ = run(ActionHandleFallback(), conversation(["nlu_fallback"], text="垃圾，气死了"))
    assert reason(events) == "negative_sentiment"


def test_vip_is_believed_only_from_what_the_channel_vouches_for():
    vouched = {"trusted": {"front_end": "app", "vip": True}}
    assert is_vip(conversation(["request_human"], channel="app", metadata=vouched))
    # A client's own say-so, in any field, is not believed.
    assert not is_vip(conversation(["request_human"], channel="app", metadata={"vip": True}))
    assert not is_vip(conversation(["request_human"], channel="app",
                                   metadata={"trusted": {"front_end": "app", "vip": "yes"}}))
    assert not is_vip(conversation(["request_human"], channel="socketio", metadata={"vip": True}))


def test_an_unexpected_error_in_an_action_hands_off_with_action_error(monkeypatch):
    def broken():
        raise RuntimeError("the gateway exploded")

    monkeypatch.setattr(tracking, "shared_gateway", broken)
    tracker = conversation(["track_parcel"], text="KD202611230001",
                           slots={"tracking_number": ["KD202611230001"]})
    events, _ = run(tracking.ActionAnswerTracking(), tracker)
    assert followup(events) == "action_hand_off" and reason(events) == "action_error"
