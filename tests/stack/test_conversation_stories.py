"""Plays the test stories in tests/stories/ against the running assistant.

`rasa test` checks a story against the dialogue policy alone, replaying the story's
own slot events; the actions' logic (the number checks, the SMS codes, the follow-up
offers and handoffs) never runs. Here every user text goes over REST to the real Rasa
and action servers, and the tracker afterwards must show the story's actions, intent,
slots and form state for that turn. A step with `force_intent` is read as that intent
whatever the classifier says (the near-miss stories: both readings must end well).
"""
import uuid
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest
import yaml

from chat import say, say_as, tracker
from demo_data import DemoData

STORIES = sorted((Path(__file__).parent / "stories").glob("*.yml"))
UNSET = object()
# A slot value a story cannot know (a return number the carrier hands out): any but None.
ANY_VALUE = "<set>"


def load_stories() -> List[Dict[str, Any]]:
    stories = []
    for path in STORIES:
        stories += yaml.safe_load(path.read_text(encoding="utf-8"))["stories"]
    return stories


def turns_of(story: Dict[str, Any]) -> List[Dict[str, Any]]:
    """The story cut into turns: a user text and what must follow it."""
    turns: List[Dict[str, Any]] = []
    for step in story["steps"]:
        if "user" in step:
            turns.append({"user": step["user"], "intent": step.get("intent"),
                          "force_intent": step.get("force_intent"),
                          "actions": [], "slots": {}, "active_loop": UNSET})
        elif "action" in step:
            turns[-1]["actions"].append(step["action"])
        elif "slot_was_set" in step:
            for slot in step["slot_was_set"]:
                turns[-1]["slots"].update(slot)
        elif "active_loop" in step:
            turns[-1]["active_loop"] = step["active_loop"]
    return turns


def play(stack, sender: str, text: str, force_intent: Optional[str] = None) -> Dict[str, Any]:
    if force_intent:
        say_as(stack, text, force_intent, sender)
    else:
        say(stack, text, sender)
    return tracker(stack, sender)


def since_last_user_message(events: List[Dict[str, Any]]) -> List[Dict[str, Any]]:
    last_user = max(i for i, event in enumerate(events) if event["event"] == "user")
    return events[last_user:]


def filled(value: Any, data: DemoData) -> Any:
    if isinstance(value, str):
        return data.fill(value)
    if isinstance(value, dict):
        return {key: filled(item, data) for key, item in value.items()}
    return value


@pytest.mark.parametrize("story", load_stories(), ids=lambda story: story["story"])
def test_story(stack, demo_data, story):
    sender = uuid.uuid4().hex
    for number, turn in enumerate(turns_of(story), start=1):
        text = demo_data.fill(turn["user"])
        tracker = play(stack, sender, text, turn["force_intent"])
        events = since_last_user_message(tracker["events"])
        where = f"turn {number} ({text!r})"
        intent = events[0]["parse_data"]["intent"]["name"]
        if turn["intent"]:
            assert intent == turn["intent"], f"{where}: intent {intent}"
        ran = [e["name"] for e in events if e["event"] == "action" and e["name"] != "action_listen"]
        assert ran == turn["actions"], f"{where}: actions {ran}"
        for slot, expected in turn["slots"].items():
            actual = tracker["slots"].get(slot)
            if expected == ANY_VALUE:
                assert actual is not None, f"{where}: slot {slot} is not set"
                continue
            if isinstance(expected, float) or isinstance(actual, float):
                actual, expected = actual or 0, expected or 0
            assert actual == filled(expected, demo_data), f"{where}: slot {slot} is {actual!r}"
        if turn["active_loop"] is not UNSET:
            active = (tracker.get("active_loop") or {}).get("name")
            assert active == turn["active_loop"], f"{where}: active form {active}"
