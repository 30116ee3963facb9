"""Answers general questions from the knowledge base.

A confident match is answered (the web form of the article, or its spoken form on the
phone line). When the search is not sure, the three best articles are offered as
choices: buttons on the web, a numbered menu on the phone line, both answered by
number. A second miss in a row hands the conversation to a person (faq_no_answer).
Every miss is written to the editors' gap list. Two near misses go elsewhere: "can I
return this?" starts the return, and a refund question after a return gets its status.
"""
import logging
import re
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.conversation import channel_of, form_was_waiting, language_of, step_aside
from actions.handoff import hand_off, hands_off_on_error
from actions.knowledge_base import knowledge
from actions.reply_format import reply_text
from actions.returns.draft import offer_to_resume
from foundation.wording import Phrase, VOICE_CHANNELS, finish, join_sentences, say
from handoff.triggers import TRIGGERS
from foundation.cue_words import says
from foundation.language import fold_full_width
from knowledge.answers import answer_text, title_of
from knowledge.article import Article
from knowledge.search import ANSWER_THRESHOLD

logger = logging.getLogger(__name__)

CHOICES = 3
MAX_MISSES = TRIGGERS.faq_misses
CHOICE_FORM = "faq_choice_form"
RETURN_FORM = "return_form"
RETURN_STATUS_FORM = "return_status_form"
# "None of these" as customers write it (Traditional 都不是 is the same).
NONE_WORDS = ("都不是", "都不对", "都不對", "none of")

_NOT_SURE = Phrase("您想问的是下面哪个问题？", "Which of these did you mean?")
_SPOKEN_CHOICE = Phrase("第 {number} 个，{title}。", "{number}: {title}.")
_SAY_NUMBER = Phrase(
    "请说序号；都不是的话，请说“都不是”。",
    "Please say the number, or say 'none of these'.",
)
_TYPE_NUMBER = Phrase(
    "请点选或回复序号；都不是的话，请回复“都不是”。",
    "Tap one or reply with its number, or reply 'none of these'.",
)
_NONE_OF_THESE = Phrase("都不是", "None of these")
_ORDINALS = {"一": 1, "二": 2, "两": 2, "三": 3, "first": 1, "second": 2, "third": 3,
             "one": 1, "two": 2, "three": 3}
_CHOICE = re.compile(
    r"^\s*(?:第\s*)?([1-3一二两三])\s*(?:个|個|条|條|項|项|号|號)?\s*[。.!！]?\s*$"
    r"|^\s*(?:the\s+)?(first|second|third|one|two|three)(?:\s+one)?\s*[.!]?\s*$",
    re.IGNORECASE,
)


def choice_in(text: str) -> Optional[int]:
    """1–3 when the whole answer is a choice: "2", "第二个", "the second one"."""
    match = _CHOICE.match(fold_full_width(text))
    if not match:
        return None
    word = match.group(1) or match.group(2)
    return int(word) if word.isdigit() else _ORDINALS[word.lower()]


class ActionAnswerFaq(Action):
    def name(self) -> Text:
        return "action_answer_faq"

    @hands_off_on_error
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        question = tracker.latest_message.get("text") or ""
        language, channel = language_of(tracker), channel_of(tracker)
        if says("return_question", question):
            # "这个还能退吗" about the customer's own item: the return form gives the
            # policy for it and starts the return at once.
            return [FollowupAction(RETURN_FORM)]
        if says("refund", question) and tracker.get_slot("return_number"):
            # "退款什么时候到账" after a return: that return's status, not the general rule.
            return [FollowupAction(RETURN_STATUS_FORM)]
        base = await knowledge()
        hits = base.search(question, language)
        if hits and hits[0].score >= ANSWER_THRESHOLD:
            dispatcher.utter_message(text=answer_text(base.article(hits[0].article_id), language, channel))
            return [SlotSet("faq_misses", 0), SlotSet("faq_choices", None)] + offer_to_resume(tracker)
        base.log_gap(question, language, channel, hits[0] if hits else None, tracker.sender_id)
        misses = int(tracker.get_slot("faq_misses") or 0) + 1
        if misses >= MAX_MISSES or not hits:
            return [SlotSet("faq_misses", 0), SlotSet("faq_choices", None)] + hand_off("faq_no_answer")
        choices = [hit.article_id for hit in hits[:CHOICES]]
        self._offer(dispatcher, [base.article(a) for a in choices], language, channel)
        return [SlotSet("faq_misses", misses), SlotSet("faq_choices", choices),
                FollowupAction(CHOICE_FORM)]

    @staticmethod
    def _offer(dispatcher, articles: List[Article], language: str, channel: str) -> None:
        if channel in VOICE_CHANNELS:
            sentences = [say(_NOT_SURE, language)] + [
                say(_SPOKEN_CHOICE, language, number=i, title=title_of(a, language))
                for i, a in enumerate(articles, start=1)
            ] + [say(_SAY_NUMBER, language)]
            dispatcher.utter_message(text=finish(join_sentences(sentences, language), language))
            return
        lines = [say(_NOT_SURE, language)] + [
            f"{i}. {title_of(a, language)}" for i, a in enumerate(articles, start=1)
        ] + [say(_TYPE_NUMBER, language)]
        buttons = [{"title": finish(f"{i}. {title_of(a, language)}", language), "payload": str(i)}
                   for i, a in enumerate(articles, start=1)]
        none_of_these = reply_text(_NONE_OF_THESE, language)
        buttons.append({"title": none_of_these, "payload": none_of_these})
        dispatcher.utter_message(text=finish("\n".join(lines), language), buttons=buttons)


class ValidateFaqChoiceForm(Action):
    """Reads the customer's choice; another request ends the menu and is served."""

    def name(self) -> Text:
        return "validate_faq_choice_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if not form_was_waiting(tracker, CHOICE_FORM):
            return [SlotSet("requested_slot", "faq_choice")]
        text = tracker.latest_message.get("text") or ""
        choices = tracker.get_slot("faq_choices") or []
        number = choice_in(text)
        if number is not None and number <= len(choices):
            return [SlotSet("faq_choice", choices[number - 1]), SlotSet("requested_slot", None)]
        intent = tracker.latest_message.get("intent", {}).get("name")
        if intent in ("deny", "nlu_fallback") or any(w in text.lower() for w in NONE_WORDS):
            # "None of these": the second miss; action_answer_faq_choice hands off.
            return [SlotSet("faq_choice", None), SlotSet("requested_slot", None)]
        # A new question or another request: served by its own rule.
        return step_aside(CHOICE_FORM, SlotSet("faq_choices", None))


class ActionAnswerFaqChoice(Action):
    def name(self) -> Text:
        return "action_answer_faq_choice"

    @hands_off_on_error
    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        chosen = tracker.get_slot("faq_choice")
        reset = [SlotSet("faq_choice", None), SlotSet("faq_choices", None), SlotSet("faq_misses", 0)]
        if not chosen:
            return reset + hand_off("faq_no_answer")
        article = (await knowledge()).article(chosen)
        dispatcher.utter_message(text=answer_text(article, language_of(tracker), channel_of(tracker)))
        return reset + offer_to_resume(tracker)
