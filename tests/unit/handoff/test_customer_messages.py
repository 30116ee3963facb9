"""What a customer is shown when an agent joins, writes and leaves
(handoff/service/customer_messages.py), with Rasa and the socket.io bus stood in for."""
import asyncio
from typing import Any, Dict, List

import pytest

from handoff.service.customer_messages import CustomerMessenger
from handoff.service.rasa_client import RasaUnavailable


class Rasa:
    def __init__(self, down: bool = False) -> None:
        self.down = down
        self.events: List[Dict[str, Any]] = []

    async def append_events(self, conversation_id: str, events: List[Dict[str, Any]]) -> None:
        if self.down:
            raise RasaUnavailable("Rasa answered 503.")
        self.events.extend(events)


class Sockets:
    def __init__(self) -> None:
        self.emitted: List[Dict[str, Any]] = []

    async def emit(self, event: str, data: Dict[str, Any], room: str, namespace: str) -> None:
        self.emitted.append({"event": event, "room": room, **data})


def messenger(rasa: Rasa = None):
    return CustomerMessenger(rasa or Rasa(), Sockets())


@pytest.mark.parametrize("language, joined, left", [
    ("zh-Hans", "客服 小王 已接入", "客服已结束会话，机器人继续为您服务"),
    ("zh-Hant", "客服 小王 已接入", "客服已結束會話，機器人繼續爲您服務"),
    ("en", "Agent 小王 has joined the chat",
     "The agent has left the chat; the assistant is here for you again"),
])
def test_the_customer_is_told_in_their_script_when_an_agent_joins_and_leaves(language, joined, left):
    sent = messenger()
    asyncio.run(sent.agent_joined("web:c1", "小王", language))
    asyncio.run(sent.agent_left("web:c1", language))
    assert [(event["text"], event["metadata"]["handoff"]) for event in sent.rasa.events] == [
        (joined, "agent_joined"), (left, "agent_left"),
    ]
    assert sent.rasa.events[0]["metadata"]["agent_name"] == "小王"
    # The web chat shows them as written (markdown escapes only).
    assert [(e["event"], e["room"], e["text"].replace("\\", "")) for e in sent.sockets.emitted] == [
        ("bot_uttered", "web:c1", joined), ("bot_uttered", "web:c1", left),
    ]


def test_an_agents_message_shows_under_their_name_in_the_web_chat_only():
    sent = messenger()
    asyncio.run(sent.send_from_agent("web:c1", "运单 1. 已签收\n电话 138****5678", "agent1", "小王", "zh-Hans"))
    assert sent.rasa.events[0]["text"] == "运单 1. 已签收\n电话 138****5678"
    assert sent.rasa.events[0]["metadata"] == {"agent": "agent1", "agent_name": "小王"}
    assert sent.sockets.emitted[0]["text"] == "**客服 小王**  \n运单 1\\. 已签收  \n电话 138\\*\\*\\*\\*5678"


def test_a_joined_notice_rasa_cannot_record_does_not_fail_the_claim_but_a_left_one_fails_the_close():
    sent = messenger(Rasa(down=True))
    asyncio.run(sent.agent_joined("web:c1", "小王", "zh-Hans"))
    assert sent.sockets.emitted == []
    with pytest.raises(RasaUnavailable):
        asyncio.run(sent.agent_left("web:c1", "zh-Hans"))
