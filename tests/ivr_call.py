"""A phone call as an IVR front end makes it, for the tests of the phone line
(bot/channels/ivr.py)."""
import hashlib
import hmac
import itertools
import uuid
from typing import Any, Dict, Optional

import requests

from chat import front_end_headers


class Call:
    """One phone call as an IVR front end makes it."""

    def __init__(self, stack, caller: Optional[str] = None, locale: str = "zh-CN") -> None:
        self.url = f"{stack.settings.rasa_url}/webhooks/ivr/turn"
        self.headers = front_end_headers(stack, "ivr")
        self.call_id = uuid.uuid4().hex
        self.caller = caller if caller is not None else "1390000" + uuid.uuid4().hex[:4].translate(
            str.maketrans("abcdef", "123456"))
        self.locale = locale
        self.turns = itertools.count(1)
        self.last: Dict[str, Any] = {}

    def post(self, turn_id: Optional[str] = None, **given: Any) -> requests.Response:
        body = {"call_id": self.call_id, "turn_id": turn_id or str(next(self.turns)),
                "caller": self.caller, "dialled": "95311", "locale": self.locale, **given}
        return requests.post(self.url, json=body, headers=self.headers, timeout=60)

    def turn(self, **given: Any) -> Dict[str, Any]:
        reply = self.post(**given)
        assert reply.status_code == 200, reply.text
        self.last = reply.json()
        return self.last

    def start(self) -> Dict[str, Any]:
        return self.turn(event="start")

    def say(self, text: str, confidence: float = 0.9) -> Dict[str, Any]:
        return self.turn(text=text, confidence=confidence)

    def press(self, digits: str) -> Dict[str, Any]:
        return self.turn(digits=digits)

    def spoken(self) -> str:
        return "".join(self.last["prompts"])


def conversation_of_call(stack, call: Call) -> str:
    """The conversation id the channel files the caller under (an HMAC of the number)."""
    secret = stack.settings.secret("IVR_CALLER_SECRET").encode()
    digest = hmac.new(secret, f"caller:{call.caller}".encode(), hashlib.sha256).hexdigest()
    return f"ivr~{digest[:32]}"
