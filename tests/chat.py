"""Talking to the running assistant over REST, as a front-end does."""
import uuid
from typing import Any, Dict, List, Optional

import requests


def webhook(stack) -> str:
    return f"{stack.settings.rasa_url}/webhooks/rest/webhook"


def messages(stack, text: str, sender: Optional[str] = None, **extra: Any) -> List[Dict[str, Any]]:
    """The messages (text, buttons) the assistant answers `text` with."""
    body = {"sender": sender or uuid.uuid4().hex, "message": text, **extra}
    reply = requests.post(webhook(stack), json=body, timeout=60)
    assert reply.status_code == 200, reply.text
    return reply.json()


def say(stack, text: str, sender: Optional[str] = None, **extra: Any) -> List[str]:
    """The texts the assistant answers `text` with."""
    return [message.get("text", "") for message in messages(stack, text, sender, **extra)]


def tracker(stack, sender: str) -> Dict[str, Any]:
    reply = requests.get(
        f"{stack.settings.rasa_url}/conversations/{sender}/tracker",
        params={"token": stack.settings.auth_token},
        timeout=10,
    )
    reply.raise_for_status()
    return reply.json()
