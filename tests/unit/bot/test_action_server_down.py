import asyncio
import json
import logging

import pytest
from rasa.core.actions.action import ActionExecutionRejection, RemoteAction
from rasa.core.actions.forms import FormAction
from rasa.core.actions.loops import LoopAction
from rasa.core.channels.channel import CollectingOutputChannel
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    ActiveLoop,
    BotUttered,
    FollowupAction,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from bot import action_server_down
from bot.nlg import LanguageMirroringNLG
from commands.processes import free_port
from foundation.settings import ROOT

DOMAIN = Domain.load(str(ROOT / "domain"))
CUSTOMER_TEXT = "尺码不合适"


class Endpoint(EndpointConfig):
    """An action server that answers with `answer()`."""

    def __init__(self, answer) -> None:
        super().__init__("http://127.0.0.1:9/webhook")
        self.answer = answer

    async def request(self, **_: object):
        return await self.answer()


async def _refused():  # a closed port: nothing listens
    return await EndpointConfig(f"http://127.0.0.1:{free_port()}/webhook").request(json={})


async def _unavailable():
    raise ClientResponseError(503, "Service Unavailable", b"")


async def _hung():
    await asyncio.sleep(3600)


async def _malformed():
    return {"events": "not a list"}


async def _rejected():
    body = json.dumps({"action_name": "validate_return_form", "error": "not an answer"})
    raise ClientResponseError(400, "Bad Request", body)


async def _answered():
    return {"events": [{"event": "slot", "name": "return_reason", "value": "no_reason"}],
            "responses": [{"text": "还有两个问题"}]}


@pytest.fixture
def installed(monkeypatch):
    monkeypatch.setenv(action_server_down.TIMEOUT_VARIABLE, "0.2")
    for patched in (RemoteAction, LoopAction):
        monkeypatch.setattr(patched, "run", patched.run)  # restored after the test
    monkeypatch.setattr(logging.getLogger("rasa.core.actions.action"), "filters", [])
    action_server_down.install()


def mid_form(language="zh-Hans"):
    """A return form waiting for the reason, and the customer's answer to it."""
    return DialogueStateTracker.from_events("app:customer-1", [
        ActionExecuted("action_listen"),
        UserUttered("我要退货", {"name": "request_return"}),
        SlotSet("language", language),
        ActionExecuted("return_form"),
        ActiveLoop("return_form"),
        SlotSet("return_parcel", "KD1234567890"),
        SlotSet("return_category", "apparel"),
        SlotSet("requested_slot", "return_reason"),
        ActionExecuted("action_listen"),
        UserUttered(CUSTOMER_TEXT, {"name": "inform"}),
    ], DOMAIN.slots)


def run(action, tracker):
    nlg = LanguageMirroringNLG(domain=DOMAIN)
    return asyncio.run(action.run(CollectingOutputChannel(), nlg, tracker, DOMAIN))


def assert_apology(events, text, button):
    apology, listen = events
    assert isinstance(apology, BotUttered) and apology.text == text
    assert apology.data["buttons"] == [{"title": button, "payload": "/request_human"}]
    assert listen == FollowupAction("action_listen")


APOLOGY_ZH = "抱歉，系统暂时出了点问题，这条消息没能处理。请稍等片刻再发一次；需要人工客服请说“转人工”。"


@pytest.mark.parametrize("answer, reason", [
    (_refused, "ClientConnectorError"), (_unavailable, "HTTP 503"),
    (_hung, "no answer within 0.2 s"), (_malformed, "an answer not in Rasa's format"),
])
def test_a_failed_custom_action_apologises_offers_a_person_and_listens(installed, caplog, answer, reason):
    with caplog.at_level(logging.INFO):
        events = run(RemoteAction("action_track_parcel", Endpoint(answer)), mid_form())
    assert_apology(events, APOLOGY_ZH, "转人工")
    [line] = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert "'action_track_parcel'" in line and "app:customer-1" in line and reason in line
    assert CUSTOMER_TEXT not in caplog.text


def test_the_apology_is_in_the_customers_language(installed):
    action = RemoteAction("action_track_parcel", Endpoint(_unavailable))
    assert_apology(run(action, mid_form("en")),
                   "Sorry, something went wrong on our side and I couldn't handle that message. "
                   "Please send it again in a moment, or say 'agent' to talk to a person.",
                   "Talk to an agent")
    assert_apology(run(action, mid_form("zh-Hant")),
                   "抱歉，系統暫時出了點問題，這條消息沒能處理。請稍等片刻再發一次；需要人工客服請說“轉人工”。",
                   "轉人工")


def test_a_form_whose_validation_fails_stays_as_it_was(installed):
    tracker = mid_form()
    events = run(FormAction("return_form", Endpoint(_refused)), tracker)
    # Only the apology: no slot, requested slot or loop change, so the form waits for
    # the reason as before and the next message runs it again.
    assert_apology(events, APOLOGY_ZH, "转人工")


def test_a_form_that_cannot_start_is_not_left_half_active(installed):
    tracker = DialogueStateTracker.from_events("app:customer-2", [
        ActionExecuted("action_listen"), UserUttered("我要退货", {"name": "request_return"}),
    ], DOMAIN.slots)
    assert_apology(run(FormAction("return_form", Endpoint(_unavailable)), tracker), APOLOGY_ZH, "转人工")


def test_a_rejection_still_reaches_rasa_as_before(installed):
    with pytest.raises(ActionExecutionRejection):
        run(FormAction("return_form", Endpoint(_rejected)), mid_form())


def test_an_answer_passes_unchanged(installed):
    events = run(RemoteAction("validate_return_form", Endpoint(_answered)), mid_form())
    assert [type(e) for e in events] == [BotUttered, SlotSet]
    assert events[0].text == "还有两个问题" and events[1] == SlotSet("return_reason", "no_reason")


def test_a_new_conversation_starts_without_the_action_server(installed):
    tracker = DialogueStateTracker.from_events("app:new", [SlotSet("language", "en")], DOMAIN.slots)
    events = run(RemoteAction("action_session_start", Endpoint(_refused)), tracker)
    assert isinstance(events[0], SessionStarted) and SlotSet("language", "en") in events
    assert events[-1] == ActionExecuted("action_listen")


@pytest.mark.parametrize("configured, seconds", [("", 10.0), ("2.5", 2.5), (" 30 ", 30.0)])
def test_the_call_timeout_comes_from_the_environment(monkeypatch, configured, seconds):
    monkeypatch.setenv(action_server_down.TIMEOUT_VARIABLE, configured)
    assert action_server_down.call_timeout() == seconds


@pytest.mark.parametrize("configured", ["soon", "0", "-1", "nan"])
def test_an_unusable_timeout_stops_the_start(monkeypatch, configured):
    monkeypatch.setenv(action_server_down.TIMEOUT_VARIABLE, configured)
    with pytest.raises(ValueError, match="ACTION_SERVER_TIMEOUT"):
        action_server_down.call_timeout()
