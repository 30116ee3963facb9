"""The context package an agent sees the moment they open a handed-off conversation.

`build_context` reads the conversation's Rasa tracker as JSON (what
`GET /conversations/{id}/tracker` returns, or `tracker.current_state()` in an action)
so the agent need not ask again what the customer already told the bot: a one-line
summary in Chinese, the agents' language (`summary`), and in English (`summary_en`),
the parcels and returns mentioned, the slots, every classified message, the
transcript, and what came before (earlier cases of the customer, earlier sessions of
this conversation). The reason and the slots come with human names in both languages
(`reason_name`, `slot_names`); the words are in context_words.py.

Everything but `earlier` is about the current session, the events after the last
`session_started`. Times are epoch seconds, as in the handoff queue.

Personal data: until the customer has verified their phone by SMS code (the
`verified_phone` slot), phone numbers are masked wherever they show, also in what the
customer typed, since an unverified number may be anyone's.
"""
from collections import Counter
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional

from foundation.privacy import mask_phone, mask_text
from handoff.context_words import (
    BOT_ATTEMPTS, EN, LIST_SEPARATOR, ITEM_SEPARATOR, PART_SEPARATOR, PHRASES, QUOTE,
    REASONS, SLOTS, TAIL, TOPICS, ZH, name, names,
)
from handoff.customer_keys import phone_key
from handoff.routing import Route

SUMMARY_LENGTH = 200
QUOTE_LENGTH = 24
# Slots that steer the dialogue and say nothing to an agent, and the SMS code, a secret.
HIDDEN_SLOTS = frozenset(
    {"requested_slot", "session_started_metadata", "handoff", "verification_code",
     "return_slot_options"}
)

# Topics whose own words matter to the agent: the latest such message is quoted.
QUOTED_TOPICS = frozenset({"complain", "ask_faq"})
# Topics whose repetition tells of a customer getting frustrated: they are counted.
COUNTED_TOPICS = frozenset({"complain", "request_human", "nlu_fallback"})


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
    shown_slots = {
        name: mask_phone(value) if name == "phone_number" and not verified else value
        for name, value in slots.items()
        if name not in HIDDEN_SLOTS and value not in (None, "", [], {})
    }
    facts = _SummaryFacts(
        session=current, messages=messages, parcels=parcels, returns=returns,
        phone=phone, verified=verified, reason=route.reason, shown=shown,
    )
    return {
        "conversation_id": tracker.get("sender_id"),
        "channel": tracker.get("latest_input_channel"),
        "language": slots.get("language"),
        "reason": route.reason,
        "reason_name": names(REASONS, route.reason),
        "priority": route.priority,
        "skill": route.skill,
        "built_at": now,
        "customer": {
            "key": customer_key(tracker),
            "verified": verified,
            "phone": phone if verified or not phone else mask_phone(phone),
        },
        "summary": _summary(facts, ZH),
        "summary_en": _summary(facts, EN),
        "parcels": parcels,
        "returns": returns,
        "slots": shown_slots,
        "slot_names": {name: names(SLOTS, name) for name in shown_slots},
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


@dataclass(frozen=True)
class _SummaryFacts:
    """What the summary tells, the same in either language."""

    session: List[dict]
    messages: List[dict]
    parcels: List[str]
    returns: List[str]
    phone: Optional[str]
    verified: bool
    reason: str
    shown: Callable[[str], str]  # masks what the customer typed until verified


def _summary(facts: _SummaryFacts, lang: int) -> str:
    """One line in the language `lang` (ZH or EN): what the customer wants, which
    parcels, who they are, what the bot tried, and why it hands off. Cut in the middle
    if long, so the reason always shows."""
    parts = [_topics(facts.messages, facts.shown, lang)]
    if facts.parcels:
        parts.append(_numbers("parcel", facts.parcels, lang))
    if facts.returns:
        parts.append(_numbers("return", facts.returns, lang))
    if facts.phone:
        state = "verified" if facts.verified else "unverified"
        parts.append(PHRASES[state][lang].format(mask_phone(facts.phone)))
    failed = _failed_tracking_tries(facts.session)
    if failed:
        parts.append(PHRASES["failed_tries" if failed > 1 else "failed_try"][lang].format(failed))
    parts.append(_bot_attempts(facts.session, lang))
    head = PART_SEPARATOR[lang].join(parts)
    tail = TAIL[lang].format(name(REASONS, facts.reason, lang))
    room = SUMMARY_LENGTH - len(tail)
    if len(head) > room:
        head = head[: room - 1] + "…"
    return head[0].upper() + head[1:] + tail


def _topics(messages: List[dict], shown: Callable[[str], str], lang: int) -> str:
    intents = [_intent(message) for message in messages]
    counts = Counter(intents)
    phrases = []
    for intent in dict.fromkeys(i for i in intents if i in TOPICS):
        phrase = TOPICS[intent][lang]
        if intent in COUNTED_TOPICS and counts[intent] > 1:
            phrase += f" ×{counts[intent]}"
        if intent in QUOTED_TOPICS:
            latest = next(m for m in reversed(messages) if _intent(m) == intent)
            phrase += QUOTE[lang].format(_shortened(shown(latest.get("text") or "")))
        phrases.append(phrase)
    return LIST_SEPARATOR[lang].join(phrases) or PHRASES["no_request"][lang]


def _numbers(kind: str, numbers: List[str], lang: int) -> str:
    listed = ITEM_SEPARATOR[lang].join(numbers[:2])
    more = f" +{len(numbers) - 2}" if len(numbers) > 2 else ""
    return PHRASES[kind + ("s" if len(numbers) > 1 else "")][lang].format(listed + more)


def _bot_attempts(session: List[dict], lang: int) -> str:
    actions = Counter(event.get("name") for event in session if event.get("event") == "action")
    attempts = [
        words[lang] + (f" ×{actions[name]}" if actions[name] > 1 else "")
        for name, words in BOT_ATTEMPTS.items()
        if actions[name]
    ]
    if not attempts:
        return PHRASES["bot_nothing"][lang]
    return PHRASES["bot"][lang].format(ITEM_SEPARATOR[lang].join(attempts))


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
