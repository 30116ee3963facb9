"""Talking to the running assistant over REST, as a front end does, or over socket.io,
as the web chat widget does, and reading its conversations through Rasa's HTTP API.

The REST channel files a message a front end sends for `sender` under the conversation
"<front end>:<sender>" (bot/channels/rest.py); these helpers take the sender and find
the conversation themselves.
"""
import asyncio
import uuid
from typing import Any, Dict, List, Optional, Union

import requests
import socketio

# The REST front ends of credentials.yml ("app", "ivr"), by the secret that is their token.
FRONT_END_TOKENS = {"app": "REST_APP_TOKEN", "ivr": "REST_IVR_TOKEN"}
DEFAULT_FRONT_END = "app"
# The front end each sender last spoke through, so tracker() and say_as() reach the same
# conversation as say().
_front_end_of: Dict[str, str] = {}


def webhook(stack) -> str:
    return f"{stack.settings.rasa_url}/webhooks/rest/webhook"


def front_end_headers(stack, front_end: str = DEFAULT_FRONT_END) -> Dict[str, str]:
    return {"Authorization": f"Bearer {stack.settings.secret(FRONT_END_TOKENS[front_end])}"}


def post(stack, body: Union[Dict[str, Any], bytes], front_end: str = DEFAULT_FRONT_END,
         timeout: float = 60) -> requests.Response:
    """Posts `body` (a dict as JSON, bytes as they are) to the REST channel as `front_end`."""
    headers = {**front_end_headers(stack, front_end), "Content-Type": "application/json"}
    if isinstance(body, bytes):
        return requests.post(webhook(stack), data=body, headers=headers, timeout=timeout)
    return requests.post(webhook(stack), json=body, headers=headers, timeout=timeout)


def conversation_id(sender: str) -> str:
    """The conversation a sender's REST messages are filed under."""
    return f"{_front_end_of.get(sender, DEFAULT_FRONT_END)}:{sender}"


def messages(stack, text: str, sender: Optional[str] = None,
             input_channel: str = DEFAULT_FRONT_END, **extra: Any) -> List[Dict[str, Any]]:
    """The messages (text, buttons) the assistant answers `text` with, sent by the front
    end of `input_channel` ("app" or "ivr")."""
    sender = sender or uuid.uuid4().hex
    _front_end_of[sender] = input_channel
    reply = post(stack, {"sender": sender, "message": text, **extra}, input_channel)
    assert reply.status_code == 200, reply.text
    return reply.json()


def say(stack, text: str, sender: Optional[str] = None, **extra: Any) -> List[str]:
    """The texts the assistant answers `text` with."""
    return [message.get("text", "") for message in messages(stack, text, sender, **extra)]


def tracker(stack, sender: str) -> Dict[str, Any]:
    """The tracker of the conversation of a sender's REST messages."""
    return conversation_tracker(stack, conversation_id(sender))


def conversation_tracker(stack, conversation: str) -> Dict[str, Any]:
    reply = requests.get(
        f"{stack.settings.rasa_url}/conversations/{conversation}/tracker",
        params={"token": stack.settings.auth_token},
        timeout=10,
    )
    reply.raise_for_status()
    return reply.json()


def say_as(stack, text: str, intent: str, sender: str) -> List[str]:
    """Sends `text` as if the classifier had read it as `intent`, and lets the assistant
    act on it: Rasa's HTTP API logs the message with that parse, then the predicted
    actions run one by one on the real servers until the assistant listens again.
    For the near-miss stories, which must end well whichever intent is picked. Returns
    the texts the assistant answered with."""
    api, token = stack.settings.rasa_url, {"token": stack.settings.auth_token}
    conversation = conversation_id(sender)
    parse = requests.post(f"{api}/model/parse", params=token, json={"text": text}, timeout=30)
    parse.raise_for_status()
    parsed = parse.json()
    chosen = {"name": intent, "confidence": 1.0}
    parsed["intent"] = chosen
    parsed["intent_ranking"] = [chosen] + [r for r in parsed.get("intent_ranking", []) if r["name"] != intent]
    logged = requests.post(f"{api}/conversations/{conversation}/messages", params=token, timeout=30,
                           json={"text": text, "sender": "user", "parse_data": parsed})
    logged.raise_for_status()
    texts: List[str] = []
    for _ in range(10):
        predicted = requests.post(f"{api}/conversations/{conversation}/predict", params=token, timeout=30)
        predicted.raise_for_status()
        action = predicted.json()["scores"][0]["action"]
        if action == "action_listen":
            break
        executed = requests.post(f"{api}/conversations/{conversation}/execute", params=token, timeout=60,
                                 json={"name": action})
        executed.raise_for_status()
        texts += [message.get("text", "") for message in executed.json().get("messages") or []]
    requests.post(f"{api}/conversations/{conversation}/execute", params=token, timeout=30,
                  json={"name": "action_listen"}).raise_for_status()
    return texts


class WebChat:
    """A web chat widget as rasa-webchat talks: session_request, then user_uttered."""

    def __init__(self, stack) -> None:
        self.url = stack.settings.rasa_url
        self.client = socketio.AsyncClient()
        self.replies: asyncio.Queue = asyncio.Queue()
        self.confirmed: asyncio.Queue = asyncio.Queue()
        self.client.on("bot_uttered", self.replies.put_nowait)
        self.client.on("session_confirm", self.confirmed.put_nowait)

    async def open(self, session_id: Optional[str] = None) -> str:
        """Connects and asks for `session_id`; returns the session token confirmed."""
        if not self.client.connected:
            await self.client.connect(self.url, socketio_path="/socket.io", transports=["websocket"])
        await self.client.emit("session_request", {"session_id": session_id})
        return await asyncio.wait_for(self.confirmed.get(), 10)

    async def send(self, text: str, **data: Any) -> None:
        await self.client.emit("user_uttered", {"message": text, **data})

    async def reply(self, timeout: float = 30) -> Dict[str, Any]:
        return await asyncio.wait_for(self.replies.get(), timeout)

    async def close(self) -> None:
        await self.client.disconnect()


def conversation_of(token: str) -> str:
    """The conversation a web chat session token names (bot/channels/chat_sessions.py)."""
    return token.split(".")[0]
