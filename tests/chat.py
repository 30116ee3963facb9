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


def say_as(stack, text: str, intent: str, sender: str) -> List[str]:
    """Sends `text` as if the classifier had read it as `intent`, and lets the assistant
    act on it: Rasa's HTTP API logs the message with that parse, then the predicted
    actions run one by one on the real servers until the assistant listens again.
    For the near-miss stories, which must end well whichever intent is picked. Returns
    the texts the assistant answered with."""
    api, token = stack.settings.rasa_url, {"token": stack.settings.auth_token}
    parse = requests.post(f"{api}/model/parse", params=token, json={"text": text}, timeout=30)
    parse.raise_for_status()
    parsed = parse.json()
    chosen = {"name": intent, "confidence": 1.0}
    parsed["intent"] = chosen
    parsed["intent_ranking"] = [chosen] + [r for r in parsed.get("intent_ranking", []) if r["name"] != intent]
    logged = requests.post(f"{api}/conversations/{sender}/messages", params=token, timeout=30,
                           json={"text": text, "sender": "user", "parse_data": parsed})
    logged.raise_for_status()
    texts: List[str] = []
    for _ in range(10):
        predicted = requests.post(f"{api}/conversations/{sender}/predict", params=token, timeout=30)
        predicted.raise_for_status()
        action = predicted.json()["scores"][0]["action"]
        if action == "action_listen":
            break
        executed = requests.post(f"{api}/conversations/{sender}/execute", params=token, timeout=60,
                                 json={"name": action})
        executed.raise_for_status()
        texts += [message.get("text", "") for message in executed.json().get("messages") or []]
    requests.post(f"{api}/conversations/{sender}/execute", params=token, timeout=30,
                  json={"name": "action_listen"}).raise_for_status()
    return texts
