"""Checks on what a channel receives, before anything reaches the assistant.

Every channel applies the same rules, so a customer gets the same clear answer for an
empty or oversized message whichever way they reach us.
"""
import json
import re
from dataclasses import dataclass, field
from typing import Any, Dict, Optional

DEFAULT_MAX_MESSAGE_CHARS = 2000
MAX_SENDER_ID_CHARS = 128

# Control characters other than tab and newline break logs and tokenisers alike.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")
# Half of a UTF-16 pair: JSON can carry it ("\\ud800"), but it is no character, and
# nothing downstream (tokeniser, Redis, OpenCC) can encode it.
_LONE_SURROGATE = re.compile(r"[\ud800-\udfff]")


@dataclass
class MessageRejected(Exception):
    """A message the assistant will not process, with a reason a person can act on."""

    code: str
    status: int
    reason: str
    # What the HTTP answer carries besides the reason (Retry-After, WWW-Authenticate).
    headers: Dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> Dict[str, Any]:
        return {"error": self.code, "message": self.reason}


def check_text(text: Any, max_chars: int = DEFAULT_MAX_MESSAGE_CHARS) -> str:
    """Returns the text to hand to the assistant, or raises `MessageRejected`."""
    if not isinstance(text, str):
        raise MessageRejected(
            "message_not_text",
            400,
            "The field 'message' must be a string of text. / 'message' 字段必须是文字。",
        )
    if _LONE_SURROGATE.search(text):
        raise MessageRejected(
            "invalid_text",
            400,
            "消息里有无法识别的字符，请重新输入。 / The message holds characters that are not "
            "valid Unicode; please type it again.",
        )
    text = _CONTROL.sub("", text).strip()
    if not text:
        raise MessageRejected(
            "empty_message",
            400,
            "消息是空的，请输入您的问题，例如“我的快递到哪了”。 / "
            "The message is empty. Please type your question, e.g. 'where is my parcel'.",
        )
    if len(text) > max_chars:
        raise MessageRejected(
            "message_too_long",
            413,
            f"消息太长了（{len(text)} 字），请控制在 {max_chars} 字以内，分几条发送。 / "
            f"The message is too long ({len(text)} characters); please keep it under "
            f"{max_chars} characters or send it in parts.",
        )
    return text


def check_sender_id(sender_id: Any) -> str:
    if not isinstance(sender_id, str) or not sender_id.strip():
        raise MessageRejected(
            "missing_sender",
            400,
            "The field 'sender' must be a non-empty string that identifies the "
            "conversation.",
        )
    if len(sender_id) > MAX_SENDER_ID_CHARS or _CONTROL.search(sender_id) or _LONE_SURROGATE.search(sender_id):
        raise MessageRejected(
            "invalid_sender",
            400,
            f"The field 'sender' must be printable and at most {MAX_SENDER_ID_CHARS} "
            "characters long.",
        )
    return sender_id


def check_metadata(metadata: Any) -> Optional[Dict[str, Any]]:
    if metadata is not None and not isinstance(metadata, dict):
        raise MessageRejected(
            "invalid_metadata", 400, "The field 'metadata' must be a JSON object."
        )
    if metadata and _LONE_SURROGATE.search(json.dumps(metadata, ensure_ascii=False)):
        raise MessageRejected(
            "invalid_metadata", 400, "The field 'metadata' holds text that is not valid Unicode."
        )
    return metadata
