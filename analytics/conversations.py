"""Conversations and their outcome, worked out from one customer's conversation events.

A conversation is one Rasa session (sessions split on `session_started`) in which the
customer wrote at least one message. Messages the customer wrote while an agent had
the conversation (between `pause` and `resume`) and intents the handoff service
triggered (text "EXTERNAL: ...") are not turns of the bot and are not counted.

What the events of actions/ record, and what is read from them:
  handoff      `action_hand_off` setting the slot `handoff` ({reason, priority,
               skill}), pausing the bot or starting `callback_form`: the conversation
               went to the agents' queue (or, when nobody was there, to a callback
               message). Rasa records a slot event only when the value changes, so a
               handoff routed as the one before has no slot event of its own and
               takes the slot's current value. The slot carried over into the next
               session by action_session_start is not a new handoff.
  fallback     the bot answered a message with `action_handle_fallback` or
               `action_default_fallback` ("sorry, I did not understand")
  knowledge    `action_answer_faq` or `action_answer_faq_choice` without a miss, a
  answer       handoff or a form after it: an article was served
  knowledge    `action_answer_faq` setting `faq_misses` to 1 or more (not sure: choices
  miss         offered), or handing off with `faq_no_answer`
Outcome, exactly one per conversation: `handoff` if handed off; else `bot_abandoned`
if the customer's last message got a fallback or a knowledge miss; else `contained`.
"""
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Dict, List, Optional, Tuple

from foundation.language import fold_full_width, to_simplified

FALLBACK_ACTIONS = frozenset({"action_handle_fallback", "action_default_fallback"})
EXTERNAL_PREFIX = "EXTERNAL: "  # Rasa's text of an intent triggered from outside
PERSON_INTENT = "request_human"
HAND_OFF = "action_hand_off"
CALLBACK_FORM = "callback_form"  # nobody online: the customer leaves a message
# Forms action_answer_faq hands a question to instead of answering it (actions/faq.py).
SENT_ON_TO = frozenset({"faq_choice_form", "return_form", "return_status_form"})
# Two questions are "the same question again" when this share of their character
# pairs is shared (Dice coefficient); rewordings of one question share most pairs.
SAME_QUESTION = 0.5


@dataclass
class Turn:
    stream_id: str
    at: datetime
    channel: Optional[str]
    intent: Optional[str]
    text: str
    counted: bool  # the bot answered it (not an agent's conversation, not a trigger)
    actions: List[Tuple[str, Dict[str, Any]]] = field(default_factory=list)

    handoff: Optional[Dict[str, Any]] = None  # {reason, priority, skill} when handed off

    @property
    def fallback(self) -> bool:
        return any(name in FALLBACK_ACTIONS for name, _ in self.actions)

    @property
    def knowledge_answer(self) -> bool:
        """Rasa records a slot event only when the value changes, so an answer is the
        absence of what every other outcome leaves: a miss, a handoff, or a form the
        question was sent on to."""
        for index, (name, slots) in enumerate(self.actions):
            if name not in ("action_answer_faq", "action_answer_faq_choice"):
                continue
            following = self.actions[index + 1][0] if index + 1 < len(self.actions) else None
            return not (self.knowledge_miss or slots.get("handoff_reason") is not None
                        or following in SENT_ON_TO)
        return False

    @property
    def knowledge_miss(self) -> bool:
        for index, (name, slots) in enumerate(self.actions):
            following = self.actions[index + 1][0] if index + 1 < len(self.actions) else None
            if name in ("action_answer_faq", "action_answer_faq_choice") and (
                _number(slots.get("faq_misses")) >= 1 or following == "faq_choice_form"
                or slots.get("handoff_reason") == "faq_no_answer"
            ):
                return True
        return False

    def last_action(self) -> Optional[str]:
        return self.actions[-1][0] if self.actions else None


@dataclass
class Session:
    session_id: str
    sender_id: str
    turns: List[Turn] = field(default_factory=list)
    ended_at: Optional[datetime] = None


def sessions_of(sender_id: str, events: List[Dict[str, Any]]) -> List[Session]:
    """The sessions in one sender's events (rows of conversation_events, stream order)."""
    sessions: List[Session] = []
    current: Optional[Session] = None
    paused = False
    route: Dict[str, Any] = {}  # the `handoff` slot's value as of now
    for event in events:
        kind = event["kind"]
        if kind == "session_started" or current is None:
            current = Session(f"{sender_id}:{event['stream_id']}", sender_id)
            sessions.append(current)
            paused = False
        current.ended_at = event["at"]
        turn = current.turns[-1] if current.turns else None
        if kind == "pause":
            paused = True
            if turn is not None and turn.last_action() == HAND_OFF:
                turn.handoff = dict(route) if turn.handoff is None else turn.handoff
        elif kind == "resume":
            paused = False
        elif kind == "user":
            text = event["text"] or ""
            current.turns.append(Turn(
                stream_id=event["stream_id"], at=event["at"], channel=event["channel"],
                intent=event["name"], text=text,
                counted=not paused and not text.startswith(EXTERNAL_PREFIX),
            ))
        elif kind == "action" and turn is not None and event["name"] != "action_listen":
            if event["name"] == CALLBACK_FORM and turn.last_action() == HAND_OFF:
                turn.handoff = dict(route) if turn.handoff is None else turn.handoff
            turn.actions.append((event["name"], {}))
        elif kind == "slot":
            if event["name"] == "handoff" and isinstance(event["value"], dict):
                route = event["value"]
                if turn is not None and turn.last_action() == HAND_OFF:
                    turn.handoff = route
            if turn is not None and turn.actions:
                turn.actions[-1][1][event["name"]] = event["value"]
    return sessions


def rows_of(session: Session) -> Tuple[Optional[Dict[str, Any]], List[Dict[str, Any]]]:
    """The `conversations` row (None without a customer message) and the `turns` rows."""
    counted = [turn for turn in session.turns if turn.counted]
    if not counted:
        return None, []
    turn_rows = []
    question = ""  # the question the latest knowledge answer answered
    for index, turn in enumerate(counted):
        following = counted[index + 1] if index + 1 < len(counted) else None
        if any(name == "action_answer_faq" for name, _ in turn.actions):
            question = turn.text
        answered = turn.knowledge_answer
        turn_rows.append({
            "stream_id": turn.stream_id,
            "session_id": session.session_id,
            "sender_id": session.sender_id,
            "at": turn.at,
            "channel": turn.channel,
            "intent": turn.intent,
            "fallback": turn.fallback,
            "knowledge_answer": answered,
            "knowledge_miss": turn.knowledge_miss,
            "reasked": bool(answered and following and same_question(following.text, question)),
            "to_person": bool(answered and following and following.intent == PERSON_INTENT),
        })
    handoff_turn = next((turn for turn in session.turns if turn.handoff is not None), None)
    last = counted[-1]
    if handoff_turn is not None:
        outcome = "handoff"
    elif last.fallback or last.knowledge_miss:
        outcome = "bot_abandoned"
    else:
        outcome = "contained"
    handoff = handoff_turn.handoff if handoff_turn else {}
    conversation = {
        "session_id": session.session_id,
        "sender_id": session.sender_id,
        "channel": next((turn.channel for turn in counted if turn.channel), None),
        "started_at": counted[0].at,
        "ended_at": session.ended_at,
        "user_messages": len(counted),
        "outcome": outcome,
        "handoff_reason": handoff.get("reason"),
        "handoff_team": handoff.get("skill"),
        "handed_off_at": handoff_turn.at if handoff_turn else None,
    }
    return conversation, turn_rows


def same_question(text: str, question: str) -> bool:
    first, second = _pairs(text), _pairs(question)
    if not first or not second:
        return _folded(text) == _folded(question) != ""
    return 2 * len(first & second) / (len(first) + len(second)) >= SAME_QUESTION


def _folded(text: str) -> str:
    return "".join(ch for ch in to_simplified(fold_full_width(text)).lower() if ch.isalnum())


def _pairs(text: str) -> set:
    folded = _folded(text)
    return {folded[i : i + 2] for i in range(len(folded) - 1)}


def _number(value: Any) -> float:
    try:
        return float(value)
    except (TypeError, ValueError):
        return 0.0
