"""The context package an agent sees the moment they open a handed-off conversation.

`build_context` reads the conversation's Rasa tracker as JSON (what
`GET /conversations/{id}/tracker` returns, or `tracker.current_state()` in an action)
so the agent need not ask again what the customer already told the bot: one English
summary line, the parcels and returns mentioned, the slots, every classified message,
the transcript, and what came before (earlier cases of the customer, earlier sessions
of this conversation).

Everything but `earlier` is about the current session, the events after the last
`session_started`. Times are epoch seconds, as in the handoff queue.

Personal data: until the customer has verified their phone by SMS code (the
`verified_phone` slot), phone numbers are masked wherever they show, also in what the
customer typed, since an unverified number may be anyone's.
"""
from collections import Counter
from typing import Any, Callable, Dict, List, Optional

from foundation.privacy import mask_phone, mask_text
from handoff.customer_keys import phone_key
from handoff.routing import Route

SUMMARY_LENGTH = 200
QUOTE_LENGTH = 24
# Slots that steer the dialogue and say nothing to an agent, and the SMS code, a secret.
HIDDEN_SLOTS = frozenset(
    {"requested_slot", "session_started_metadata", "handoff", "verification_code",
     "return_slot_options"}
)

# What the customer came for, in the order first asked; contract intents and the
# fallback. Greetings, thanks and yes/no say nothing of the request.
TOPICS = {
    "track_parcel": "tracking",
    "request_return": "return request",
    "check_return_status": "return status",
    "complain": "complaint",
    "ask_faq": "question",
    "request_human": "asked for a person",
    "out_of_scope": "off-topic",
    "nlu_fallback": "not understood",
}
# Topics whose own words matter to the agent: the latest such message is quoted.
QUOTED_TOPICS = frozenset({"complain", "ask_faq"})
# Topics whose repetition tells of a customer getting frustrated: they are counted.
COUNTED_TOPICS = frozenset({"complain", "request_human", "nlu_fallback"})

# What the bot already tried, by the action or response that did it.
BOT_ATTEMPTS = {
    "action_answer_tracking": "answered tracking",
    "action_handle_complaint": "apologised",
    "action_finish_return": "answered the return request",
    "action_answer_return_status": "answered return status",
    "utter_faq_topics": "listed FAQ topics",
    "utter_default": "asked to rephrase",
    "utter_out_of_scope": "declined off-topic",
    "action_offer_human": "offered an agent",
}


def build_context(tracker: Dict[str, Any], route: Route, history: List[dict], now: float) -> dict:
    """The context package of a handoff, JSON-serialisable.

    `route` is where the handoff goes; `history` the customer's earlier cases, newest
    first (CaseArchive.history), passed through; `now` is when the package was built.
    """
    slots = tracker.get("slots") or {}
    verified = bool(slots.get("verified_phone"))
    sessions = _sessions(tracker.get("events") or [])
    current = sessions[-1]
    messages = [event for event in current if event.get("event") == "user"]

    def shown(text: str) -> str:
        return text if verified else mask_text(text)

    parcels = _entity_values(messages, "tracking_number")
    if slots.get("tracked_parcel") and slots["tracked_parcel"] not in parcels:
        parcels.append(slots["tracked_parcel"])
    returns = _entity_values(messages, "return_number")
    phone = slots.get("verified_phone") or slots.get("phone_number")
    return {
        "conversation_id": tracker.get("sender_id"),
        "channel": tracker.get("latest_input_channel"),
        "language": slots.get("language"),
        "reason": route.reason,
        "priority": route.priority,
        "skill": route.skill,
        "built_at": now,
        "customer": {
            "key": customer_key(tracker),
            "verified": verified,
            "phone": phone if verified or not phone else mask_phone(phone),
        },
        "summary": _summary(
            current, messages, parcels, returns, phone, verified, route.reason, shown
        ),
        "parcels": parcels,
        "returns": returns,
        "slots": {
            name: mask_phone(value) if name == "phone_number" and not verified else value
            for name, value in slots.items()
            if name not in HIDDEN_SLOTS and value not in (None, "", [], {})
        },
        "intents": [
            {
                "text": shown(message.get("text") or ""),
                "intent": _intent(message),
                "confidence": round(_confidence(message), 2),
                "time": message.get("timestamp"),
            }
            for message in messages
        ],
        "transcript": [
            {"time": event.get("timestamp"), "sender": _sender(event), "text": shown(event["text"])}
            for event in current
            if event.get("event") in ("user", "bot") and event.get("text")
        ],
        "earlier": {
            "cases": list(history),
            "sessions": _earlier_sessions(sessions[:-1]),
        },
    }


def customer_key(tracker: Dict[str, Any]) -> str:
    """Whom the 360° history is kept for: a verified phone spans conversations and
    channels (keyed without the number, see customer_keys.py); without one, the
    conversation is all we know of the customer."""
    verified_phone = (tracker.get("slots") or {}).get("verified_phone")
    if verified_phone:
        return phone_key(verified_phone)
    return f"conversation:{tracker.get('sender_id')}"


def _sessions(events: List[dict]) -> List[List[dict]]:
    """The events cut at each `session_started`; the last list is the current session."""
    sessions: List[List[dict]] = [[]]
    for event in events:
        if event.get("event") == "session_started":
            sessions.append([])
        sessions[-1].append(event)
    return sessions


def _earlier_sessions(sessions: List[List[dict]]) -> List[dict]:
    """Newest first, each as when it started and what was asked; sessions in which
    the customer said nothing are left out."""
    earlier = []
    for session in reversed(sessions):
        intents = [_intent(event) for event in session if event.get("event") == "user"]
        if intents:
            earlier.append({"started": session[0].get("timestamp"), "intents": intents})
    return earlier


def _summary(
    session: List[dict],
    messages: List[dict],
    parcels: List[str],
    returns: List[str],
    phone: Optional[str],
    verified: bool,
    reason: str,
    shown: Callable[[str], str],
) -> str:
    """One line: what the customer wants, which parcels, who they are, what the bot
    tried, and why it hands off. Cut in the middle if long, so the reason always shows."""
    parts = [_topics(messages, shown)]
    if parcels:
        parts.append(_numbers("parcel", parcels))
    if returns:
        parts.append(_numbers("return", returns))
    if phone:
        parts.append(f"phone {mask_phone(phone)} {'verified' if verified else 'unverified'}")
    failed = _failed_tracking_tries(session)
    if failed:
        parts.append(f"{failed} failed tr{'ies' if failed > 1 else 'y'} at number/code")
    parts.append(_bot_attempts(session))
    head, tail = "; ".join(parts), f" → {reason}."
    room = SUMMARY_LENGTH - len(tail)
    if len(head) > room:
        head = head[: room - 1] + "…"
    return head[0].upper() + head[1:] + tail


def _topics(messages: List[dict], shown: Callable[[str], str]) -> str:
    intents = [_intent(message) for message in messages]
    counts = Counter(intents)
    phrases = []
    for intent in dict.fromkeys(i for i in intents if i in TOPICS):
        phrase = TOPICS[intent]
        if intent in COUNTED_TOPICS and counts[intent] > 1:
            phrase += f" ×{counts[intent]}"
        if intent in QUOTED_TOPICS:
            latest = next(m for m in reversed(messages) if _intent(m) == intent)
            phrase += f' "{_shortened(shown(latest.get("text") or ""))}"'
        phrases.append(phrase)
    return ", ".join(phrases) or "no clear request"


def _numbers(kind: str, numbers: List[str]) -> str:
    listed = ", ".join(numbers[:2])
    more = f" +{len(numbers) - 2}" if len(numbers) > 2 else ""
    return f"{kind}{'s' if len(numbers) > 1 else ''} {listed}{more}"


def _bot_attempts(session: List[dict]) -> str:
    actions = Counter(event.get("name") for event in session if event.get("event") == "action")
    attempts = [
        phrase + (f" ×{actions[name]}" if actions[name] > 1 else "")
        for name, phrase in BOT_ATTEMPTS.items()
        if actions[name]
    ]
    return "bot " + ", ".join(attempts) if attempts else "bot tried nothing"


def _failed_tracking_tries(session: List[dict]) -> int:
    """Each failed answer in the tracking form raises `tracking_attempts` by one; the
    value carried over when the session starts comes before any message and is no try."""
    tries, customer_spoke = 0, False
    for event in session:
        if event.get("event") == "user":
            customer_spoke = True
        elif event.get("event") == "slot" and event.get("name") == "tracking_attempts":
            if customer_spoke and event.get("value"):
                tries += 1
    return tries


def _shortened(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= QUOTE_LENGTH else text[: QUOTE_LENGTH - 1] + "…"


def _entity_values(messages: List[dict], entity: str) -> List[str]:
    values = (
        found["value"]
        for message in messages
        for found in (message.get("parse_data") or {}).get("entities") or []
        if found.get("entity") == entity and found.get("value")
    )
    return list(dict.fromkeys(values))  # de-duplicated, in order


def _intent(message: dict) -> Optional[str]:
    return ((message.get("parse_data") or {}).get("intent") or {}).get("name")


def _confidence(message: dict) -> float:
    return ((message.get("parse_data") or {}).get("intent") or {}).get("confidence") or 0.0


def _sender(event: dict) -> str:
    if event["event"] == "user":
        return "customer"
    return "agent" if "agent" in (event.get("metadata") or {}) else "bot"
