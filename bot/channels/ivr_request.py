"""One turn of a call as an IVR front end sends it, checked field by field.

    {"call_id": "c-81", "turn_id": "3", "caller": "+8613800138000", "dialled": "95311",
     "locale": "zh-CN",
     "text": "我的快递到哪了", "confidence": 0.92}          # what the caller said, or
     "digits": "1#"                                        # the keys pressed, or
     "event": "start" | "no_input" | "no_match" | "hangup" | "transfer_result",
     "count": 2,                                           # no_input / no_match: how many in a row
     "status": "connected" | "failed" | "busy" | "no_answer"   # transfer_result

Exactly one of text, digits and event. Anything else gets a 400 naming the field.
"""
import json
import re
from dataclasses import dataclass
from typing import Any, Dict, Optional

from bot.channels.message_checks import MessageRejected, check_text

EVENTS = ("start", "no_input", "no_match", "hangup", "transfer_result")
TRANSFER_STATUSES = ("connected", "failed", "busy", "no_answer")
_ID = re.compile(r"[A-Za-z0-9._:@+=/-]{1,128}")
_PHONE = re.compile(r"\+?[0-9]{3,20}")
_LOCALE = re.compile(r"[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8}){0,3}")
_DIGITS = re.compile(r"[0-9*]{1,32}#?|#")


@dataclass(frozen=True)
class Turn:
    call_id: str
    turn_id: str
    caller: str  # "" when withheld
    dialled: str
    locale: str
    text: Optional[str] = None
    confidence: Optional[float] = None
    digits: Optional[str] = None
    event: Optional[str] = None
    count: Optional[int] = None
    status: Optional[str] = None

    def input(self) -> Dict[str, Any]:
        """What the caller did this turn, to tell a retry from a reused turn id."""
        return {"text": self.text, "confidence": self.confidence, "digits": self.digits,
                "event": self.event, "count": self.count, "status": self.status}


def _bad(field: str, what: str) -> MessageRejected:
    return MessageRejected(f"invalid_{field}", 400, f"The field '{field}' {what}.")


def parse_turn(raw: bytes, max_chars: int) -> Turn:
    try:
        body = json.loads(raw.decode("utf-8"))
    except UnicodeDecodeError:
        raise MessageRejected("invalid_encoding", 400, "The request body must be UTF-8 encoded JSON.")
    except (ValueError, RecursionError):
        raise MessageRejected("invalid_json", 400, "The request body is not valid JSON.")
    if not isinstance(body, dict):
        raise MessageRejected("invalid_json", 400, "The request body must be a JSON object, one turn of a call.")
    turn_id = body.get("turn_id")
    if isinstance(turn_id, int) and not isinstance(turn_id, bool) and 0 <= turn_id < 10 ** 12:
        turn_id = str(turn_id)
    inputs = [name for name in ("text", "digits", "event") if body.get(name) is not None]
    if len(inputs) != 1:
        raise MessageRejected("invalid_input", 400, "Send exactly one of 'text', 'digits' and 'event' per turn.")
    return Turn(
        call_id=_matching(body, "call_id", _ID, "must be 1–128 letters, digits or ._:@+=/-"),
        turn_id=_matching({"turn_id": turn_id}, "turn_id", _ID, "must be a number or 1–128 letters, digits or ._:@+=/-"),
        caller=_optional(body, "caller", _PHONE, "must be a phone number: digits, optionally after +"),
        dialled=_optional(body, "dialled", _PHONE, "must be a phone number: digits, optionally after +"),
        locale=_optional(body, "locale", _LOCALE, "must be a language tag such as zh-CN or en-US"),
        text=check_text(body["text"], max_chars) if inputs == ["text"] else None,
        confidence=_confidence(body.get("confidence")) if inputs == ["text"] else None,
        digits=_matching(body, "digits", _DIGITS, "must be the keys pressed: 0-9 and *, optionally ending in #")
        if inputs == ["digits"] else None,
        **(_event(body) if inputs == ["event"] else {}),
    )


def _matching(body: Dict[str, Any], field: str, pattern: re.Pattern, what: str) -> str:
    value = body.get(field)
    if not isinstance(value, str) or not pattern.fullmatch(value):
        raise _bad(field, what)
    return value


def _optional(body: Dict[str, Any], field: str, pattern: re.Pattern, what: str) -> str:
    if body.get(field) in (None, ""):
        return ""
    return _matching(body, field, pattern, what)


def _confidence(value: Any) -> Optional[float]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise _bad("confidence", "must be a number from 0 to 1")
    return float(value)


def _event(body: Dict[str, Any]) -> Dict[str, Any]:
    event = body.get("event")
    if event not in EVENTS:
        raise _bad("event", f"must be one of {', '.join(EVENTS)}")
    count = body.get("count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 100):
        raise _bad("count", "must be a whole number from 1 to 100")
    status = body.get("status")
    if event == "transfer_result" and status not in TRANSFER_STATUSES:
        raise _bad("status", f"must be one of {', '.join(TRANSFER_STATUSES)}")
    return {"event": event, "count": count, "status": status if event == "transfer_result" else None}
