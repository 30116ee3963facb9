"""Offering a person, handing the conversation to the agents' queue, and taking it back.

Other actions call `offer_human(reason)` (the customer is asked; a yes hands off) or
`hand_off(reason)` (straight away). `action_hand_off` routes the conversation
(handoff/routing.yml), builds the context package an agent reads first, puts the
conversation into the Redis queue and pauses the bot; the handoff service relays
messages both ways from then on. Outside business hours, or with nobody of the team
online, the customer leaves a message instead, which becomes a callback ticket.
When the agent closes, the service resumes the bot with the intent `handoff_closed`
and the rating form asks for a 1–5 rating, stored with the archived case.
"""
import functools
import logging
import os
import re
import time
from typing import Any, Dict, List, Optional, Text

from rasa_sdk import Action, Tracker
from rasa_sdk.events import (
    ActionExecutionRejected,
    ActiveLoop,
    ConversationPaused,
    EventType,
    FollowupAction,
    SlotSet,
)
from rasa_sdk.executor import CollectingDispatcher

from actions import handoff_voice
from actions.conversation import form_was_waiting, language_of
from foundation.wording import Phrase, finish, join_sentences, say
from foundation.language import fold_full_width
from handoff.cases import CaseArchive
from handoff.context import build_context, customer_key
from handoff.hours import BusinessHours
from handoff.notifications import publish_notification
from handoff.queue import HandoffQueue, QueueSettings
from handoff.queue_records import Ticket
from handoff.routing import Route, Routing
from handoff.triggers import TRIGGERS
from handoff.waiting_words import queue_position_text

logger = logging.getLogger(__name__)

ROUTING = Routing.load()
DEFAULT_REASON = "customer_request"
# How the handoff is announced: the bot apologises for failing, or for the trouble.
FAILURES = frozenset({"form_failed", "nlu_fallback", "faq_no_answer", "action_error"})
TROUBLE = frozenset({"complaint", "negative_sentiment", "parcel_exception"})

_ALREADY_QUEUED = Phrase(
    "您已经在排队了，请稍候，客服会尽快接入。",
    "You're already in the queue. Please wait a moment; an agent will be with you soon.",
)
_CLOSED = Phrase(
    "现在是非工作时间，人工客服的服务时间是每天 {hours}。",
    "Our agents are available every day {hours}, and it is outside those hours now.",
)
_NOBODY_ONLINE = Phrase(
    "抱歉，现在暂时没有客服在线。",
    "Sorry, no agent is available at the moment.",
)
_LEAVE_MESSAGE = Phrase(
    "请留下您的问题和方便联系的电话，客服会尽快回电给您。",
    "Please leave your question and a phone number we can reach you on, and an agent "
    "will call you back as soon as possible.",
)
_CALLBACK_TAKEN = Phrase(
    "已收到您的留言，客服会尽快回电给您。",
    "Thank you, we've got your message. An agent will call you back as soon as possible.",
)
_HANDOFF_FAILED = Phrase(
    "抱歉，转接人工客服暂时出现问题，请稍后再试。",
    "Sorry, I can't reach our agents right now. Please try again in a few minutes.",
)
_OFFER_AGENT = Phrase("需要现在为您转人工客服吗？", "Shall I put you through to an agent now?")
_THANKS_FOR_RATING = Phrase("感谢您的评价！", "Thank you for your rating!")

_RATING_WORDS = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
                 "one": 1, "two": 2, "three": 3, "four": 4, "five": 5}
_RATING = re.compile(r"(?<!\d)([1-5])(?!\d)|(一|二|两|三|四|五)(?:分|星|颗星)|\b(one|two|three|four|five)\b",
                     re.IGNORECASE)
_STARS = re.compile(r"[★⭐]{1,5}")


def offer_human(reason: str) -> List[EventType]:
    """Asks whether the customer wants a person; a yes hands off for `reason`."""
    return [SlotSet("handoff_reason", reason), FollowupAction("action_offer_human")]


def hand_off(reason: str) -> List[EventType]:
    return [SlotSet("handoff_reason", reason), FollowupAction("action_hand_off")]


def hands_off_on_error(run):
    """For an action's `run`: an unexpected error goes to a person (action_error), who
    sees the whole conversation, instead of leaving the customer without an answer."""

    @functools.wraps(run)
    async def guarded(self, dispatcher, tracker, domain):
        try:
            return await run(self, dispatcher, tracker, domain)
        except Exception:
            logger.exception("%s failed in conversation %s.", self.name(), tracker.sender_id)
            return hand_off("action_error")

    return guarded


def is_vip(tracker: Tracker) -> bool:
    """VIP only when the channel vouches for it: the REST channel sets the trusted
    metadata from the front end's credential (bot/channels/trust.py) and drops what a
    client sent under that key; the web chat is never VIP."""
    metadata = tracker.latest_message.get("metadata") or {}
    trusted = metadata.get(TRIGGERS.vip_metadata_key)
    return (
        tracker.get_latest_input_channel() in TRIGGERS.vip_channels
        and isinstance(trusted, dict)
        and trusted.get("vip") is True
    )


# A message a form took as its answer is about the form's topic, whatever its words:
# a bare parcel number (classified as tracking) answering the return form is a return.
FORM_TOPICS = {
    "tracking_form": "track_parcel",
    "return_form": "request_return",
    "return_status_form": "check_return_status",
}


def recent_intents(tracker: Tracker) -> List[str]:
    """Intents of the conversation, newest first; a form's answer counts as its topic."""
    intents = []
    answered_by = None  # going back, the first action after the message comes last
    for event in reversed(tracker.events):
        if event.get("event") == "action" and event.get("name") != "action_listen":
            answered_by = event.get("name")
        elif event.get("event") == "user" and event.get("parse_data"):
            intents.append(FORM_TOPICS.get(answered_by, event["parse_data"]["intent"].get("name")))
            answered_by = None
    return intents



def rating_in(text: str) -> Optional[int]:
    """A 1–5 rating: "5", "五星", "4分", "five", "★★★★"."""
    text = fold_full_width(text)
    stars = _STARS.search(text)
    if stars:
        return len(stars.group())
    match = _RATING.search(text)
    if not match:
        return None
    word = match.group(1) or match.group(2) or match.group(3)
    return int(word) if word.isdigit() else _RATING_WORDS[word.lower()]


class Services:
    """The queue, archive and hours the handoff actions share, made on first use."""

    _queue: Optional[HandoffQueue] = None
    _archive: Optional[CaseArchive] = None

    @classmethod
    def queue(cls) -> HandoffQueue:
        if cls._queue is None:
            cls._queue = HandoffQueue.from_url(os.environ["REDIS_URL"], QueueSettings.from_environment())
        return cls._queue

    @classmethod
    def archive(cls) -> CaseArchive:
        if cls._archive is None:
            cls._archive = CaseArchive.from_environment()
        return cls._archive

    @staticmethod
    def hours() -> BusinessHours:
        return BusinessHours.from_environment()

    @classmethod
    async def notify(cls, message: Dict[str, Any]) -> None:
        """Tells the agents' consoles (through the handoff service) something changed;
        on the queue's own connection, not a new one per handoff."""
        await publish_notification(cls.queue().redis, message)


class ActionHandleFallback(Action):
    """Not understood: ask to rephrase; the second time in a row, or when the
    customer is clearly angry, a person takes over."""

    def name(self) -> Text:
        return "action_handle_fallback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if TRIGGERS.is_clearly_negative(tracker.latest_message.get("text") or ""):
            return hand_off("negative_sentiment")
        in_a_row = 0
        for intent in recent_intents(tracker):
            if intent != "nlu_fallback":
                break
            in_a_row += 1
        if in_a_row >= TRIGGERS.consecutive_fallbacks:
            return hand_off("nlu_fallback")
        dispatcher.utter_message(response="utter_default")
        return []


class ActionOfferHuman(Action):
    def name(self) -> Text:
        return "action_offer_human"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        language = language_of(tracker)
        dispatcher.utter_message(text=finish(say(_OFFER_AGENT, language), language))
        return []


class ActionHandOff(Action):
    """Puts the customer in the queue of the right team, or takes a callback message.

    Asking for a person is always `customer_request`; otherwise the reason is the one
    the offering or failing action left in `handoff_reason`.
    """

    def name(self) -> Text:
        return "action_hand_off"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        intent = tracker.latest_message.get("intent", {}).get("name")
        reason = tracker.get_slot("handoff_reason")
        if intent == "request_human" or not reason:
            reason = DEFAULT_REASON
        if is_vip(tracker):
            reason = "vip"  # first in the queue, whatever brought them
        route = ROUTING.route(reason, recent_intents(tracker))
        language = language_of(tracker)
        record = SlotSet("handoff", {"reason": route.reason, "priority": route.priority,
                                     "skill": route.skill})
        try:
            ticket = self._ticket(tracker, route)
            hours = Services.hours()
            if not hours.is_open() or not await Services.queue().anyone_online(route.skill):
                dispatcher.utter_message(**self._no_agent_message(tracker, hours, language))
                return [record, SlotSet("handoff_reason", reason),
                        FollowupAction("callback_form")]
            placement = await Services.queue().enqueue(ticket)
            await Services.notify({"type": "enqueued", "conversation_id": ticket.conversation_id,
                                   "skill": ticket.skill})
        except Exception:  # Redis, SQL or the context: the customer must hear something
            logger.exception("Handing conversation %s to the agents failed.", tracker.sender_id)
            dispatcher.utter_message(text=finish(say(_HANDOFF_FAILED, language), language))
            return [SlotSet("handoff_reason", None)]
        transfer = handoff_voice.transfer(placement.ticket.skill, ticket.conversation_id)
        if not placement.created:
            dispatcher.utter_message(text=finish(say(_ALREADY_QUEUED, language), language))
            if handoff_voice.on_the_phone(tracker):
                dispatcher.utter_message(**transfer)
            return [ConversationPaused()]
        dispatcher.utter_message(response=self._announcement(reason))
        if handoff_voice.on_the_phone(tracker):
            # The call is transferred; the phone queue, not the chat, tells the wait.
            dispatcher.utter_message(**transfer)
        else:
            dispatcher.utter_message(text=queue_position_text(
                placement.position, placement.estimated_wait_seconds, language, at_queueing=True
            ))
        return [record, SlotSet("handoff_reason", None), ConversationPaused()]

    @staticmethod
    def _announcement(reason: str) -> str:
        if reason in FAILURES:
            return "utter_handoff_after_failure"
        if reason in TROUBLE:
            return "utter_handoff_apology"
        return "utter_handoff_to_human"

    @staticmethod
    def _ticket(tracker: Tracker, route: Route) -> Ticket:
        state = tracker.current_state()
        history = Services.archive().history(customer_key(state))
        context = build_context(state, route, history, time.time())
        return Ticket(
            conversation_id=tracker.sender_id,
            skill=route.skill,
            priority=route.priority,
            reason=route.reason,
            channel=tracker.get_latest_input_channel() or "",
            language=language_of(tracker),
            context=context,
        )

    @staticmethod
    def _no_agent_message(tracker: Tracker, hours: BusinessHours, language: str) -> Dict[str, Any]:
        """Why nobody can take the chat, and what to leave: on the phone, a question or
        a key for a call back to the caller's number."""
        why = say(_CLOSED, language, hours=hours.describe()) if not hours.is_open() else say(_NOBODY_ONLINE, language)
        caller = handoff_voice.caller_number(tracker)
        if caller:
            return handoff_voice.callback_offer(why, caller, language)
        return {"text": finish(join_sentences([why, say(_LEAVE_MESSAGE, language)], language), language)}


class ActionLeaveCallback(Action):
    """Runs when the callback form has the customer's message: files the callback ticket."""

    def name(self) -> Text:
        return "action_leave_callback"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        language = language_of(tracker)
        reason = tracker.get_slot("handoff_reason") or DEFAULT_REASON
        route = ROUTING.route(reason, recent_intents(tracker))
        caller = handoff_voice.caller_number(tracker)
        try:
            ticket = ActionHandOff._ticket(tracker, route)
            if caller:
                ticket.context["callback_phone"] = caller
            callback_id = await Services.queue().leave_callback(ticket, tracker.get_slot("callback_message"))
            await Services.notify({"type": "callback", "conversation_id": ticket.conversation_id,
                                   "callback_id": callback_id})
        except Exception:
            logger.exception("Filing a callback for conversation %s failed.", tracker.sender_id)
            dispatcher.utter_message(text=finish(say(_HANDOFF_FAILED, language), language))
            return [SlotSet("callback_message", None), SlotSet("handoff_reason", None)]
        for message in (handoff_voice.callback_taken(caller, language) if caller
                        else [{"text": finish(say(_CALLBACK_TAKEN, language), language)}]):
            dispatcher.utter_message(**message)
        return [SlotSet("callback_message", None), SlotSet("handoff_reason", None)]


class ValidateRatingForm(Action):
    """Takes a 1–5 rating from the answer; anything else ends the form unrated."""

    def name(self) -> Text:
        return "validate_rating_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        if not form_was_waiting(tracker, "rating_form"):
            return [SlotSet("requested_slot", "rating")]
        rating = rating_in(tracker.latest_message.get("text") or "")
        if rating is None:
            # Not a rating but something new: serve it as if no form had asked.
            return [ActiveLoop(None), SlotSet("requested_slot", None),
                    ActionExecutionRejected("rating_form")]
        return [SlotSet("rating", rating), SlotSet("requested_slot", None)]


class ActionStoreRating(Action):
    def name(self) -> Text:
        return "action_store_rating"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: Dict[Text, Any]
    ) -> List[EventType]:
        language = language_of(tracker)
        rating = tracker.get_slot("rating")
        try:
            Services.archive().set_rating(tracker.sender_id, int(rating))
        except Exception:
            # The customer has done their part; the analyst loses one rating.
            logger.exception("Storing rating %s of conversation %s failed.", rating, tracker.sender_id)
        dispatcher.utter_message(text=finish(say(_THANKS_FOR_RATING, language), language))
        return [SlotSet("rating", None)]
