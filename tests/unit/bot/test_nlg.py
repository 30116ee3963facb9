import asyncio

from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SlotSet
from rasa.shared.core.trackers import DialogueStateTracker

from bot.nlg import LanguageMirroringNLG, to_traditional_response
from foundation.settings import ROOT


def test_titles_are_converted_and_payloads_kept():
    response = {
        "text": "请选择退货原因",
        "buttons": [{"title": "质量问题", "payload": "/inform{\"reason\": \"质量问题\"}"}],
    }
    converted = to_traditional_response(response)
    assert converted["text"] == "請選擇退貨原因"
    assert converted["buttons"][0]["title"] == "質量問題"
    assert converted["buttons"][0]["payload"] == response["buttons"][0]["payload"]


def reply(language):
    domain = Domain.load(str(ROOT / "domain"))
    nlg = LanguageMirroringNLG(domain=domain)
    tracker = DialogueStateTracker.from_events("c", [SlotSet("language", language)], domain.slots)
    return asyncio.run(nlg.generate("utter_ask_tracking_number", tracker, "rest"))["text"]


def test_reply_follows_the_language_slot():
    assert "运单号" in reply("zh-Hans")
    assert "運單號" in reply("zh-Hant")
    assert "tracking number" in reply("en")
