"""A small, hand-counted set of sources for the analytics tests, written by the project's
own writers: conversation events through the real Redis stream broker
(bot/event_broker.py), cases through the case archive (handoff/cases.py), gaps into the
knowledge tables (knowledge/tables.py), returns into the demo carrier's tables.

Ten conversations on 3–4 November 2026 (UTC):
  contained (6)   S1 web-a tracking 09:00 (web-a writes again at 15:00: not durable)
                  S2 web-a greet/goodbye 15:00; S3 app-b a knowledge answer, the same
                  question again, a second answer; S4 app-c a return (with its pickup address); S5 web-d greet;
                  S10 web-e next day, its session carrying the old `handoff` slot over
  handed off (3)  S6 web-e knowledge answer then 转人工 (customer_request, general):
                  waited 10 s, first agent message 15 s after queueing, handled 200 s,
                  rated 5; S7 web-f complaint, routed to general, transferred to
                  complaints: waited 30 s, agent replied 70 s after taking it (SLA
                  breach), handled 300 s, rated 3; S8 ivr-g parcel_exception (tracking):
                  left the queue after 150 s (SLA breach)
  abandoned (1)   S9 web-h: not understood, then gone
"""
import asyncio
import json
from datetime import datetime, timedelta, timezone
from typing import Any, Dict, List

from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    ConversationPaused,
    ConversationResumed,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from sqlalchemy import create_engine

from actions.carrier.demo_schema import metadata as carrier_metadata, return_events_table, returns_table
from bot.event_broker import RedisStreamEventBroker
from handoff.cases import CaseArchive, ClosedCase
from knowledge.tables import Database, gaps_table

DAY = datetime(2026, 11, 3, tzinfo=timezone.utc)
PHONE = "13812345678"


def at(hour: float, day: int = 0) -> float:
    return (DAY + timedelta(days=day, hours=hour)).timestamp()


class Conversation:
    """Events of one session, a second apart from `start`."""

    def __init__(self, sender_id: str, start: float, channel: str = "rest") -> None:
        self.sender_id, self.clock, self.channel = sender_id, start, channel
        self.events: List[Dict[str, Any]] = []
        self._add(ActionExecuted("action_session_start"))
        self._add(SessionStarted())
        self._add(ActionExecuted("action_listen"))

    def _add(self, event) -> "Conversation":
        event.timestamp = self.clock
        self.clock += 1
        self.events.append({"sender_id": self.sender_id, **event.as_dict()})
        return self

    def user(self, text: str, intent: str) -> "Conversation":
        parse = {"text": text, "intent": {"name": intent, "confidence": 0.9}, "entities": []}
        return self._add(UserUttered(text, intent=parse["intent"], parse_data=parse, input_channel=self.channel))

    def action(self, name: str, **slots: Any) -> "Conversation":
        self._add(ActionExecuted(name))
        for slot, value in slots.items():
            self._add(SlotSet(slot, value))
        return self

    def bot(self, text: str, agent: bool = False) -> "Conversation":
        return self._add(BotUttered(text, metadata={"agent": "agent1"} if agent else {}))

    def listen(self) -> "Conversation":
        return self.action("action_listen")

    def carried_slot(self, name: str, value: Any) -> "Conversation":
        return self._add(SlotSet(name, value))

    def hand_off(self, reason: str, skill: str) -> "Conversation":
        self.action("action_hand_off", handoff={"reason": reason, "priority": 1, "skill": skill},
                    handoff_reason=None)
        return self._add(ConversationPaused())

    def back_to_bot(self) -> "Conversation":
        self._add(ConversationResumed())
        self.listen()
        return self._add(UserUttered("EXTERNAL: handoff_closed", intent={"name": "handoff_closed"},
                                     parse_data={"intent": {"name": "handoff_closed"}}))

    def faq_answer(self, question: str) -> "Conversation":
        self.user(question, "ask_faq")
        self.action("action_answer_faq", faq_misses=0, faq_choices=None)
        return self.bot("首重 10 元").listen()


def conversations() -> List[Conversation]:
    s1 = Conversation("web-a", at(9), "socketio").user(f"我的快递到哪了 {PHONE}", "track_parcel") \
        .action("tracking_form").bot("在路上").listen()
    s2 = Conversation("web-a", at(15), "socketio").user("你好", "greet").action("utter_greet").listen() \
        .user("再见", "goodbye").action("utter_goodbye").listen()
    s3 = Conversation("app-b", at(10), "app").faq_answer("运费怎么算").faq_answer("运费怎么算？")
    s4 = Conversation("app-c", at(11), "app").user("我要退货", "request_return").action("return_form").listen() \
        .user("KD202611010001", "track_parcel").action("return_form").listen() \
        .user("浙江省杭州市西湖区文三路 100 号", "inform").action("return_form").listen()
    s5 = Conversation("web-d", at(12), "socketio").user("在吗", "greet").action("utter_greet").listen()
    s6 = Conversation("web-e", at(13), "socketio").faq_answer("保价怎么收费") \
        .user("转人工", "request_human").hand_off("customer_request", "general") \
        .user("还在吗", "nlu_fallback").bot("您好，我是客服", agent=True).back_to_bot() \
        .action("rating_form").listen().user("5", "inform").action("rating_form").action("action_store_rating").listen()
    s7 = Conversation("web-f", at(14), "socketio").user("快递被摔坏了", "complain") \
        .action("action_complain", handoff_reason="complaint").hand_off("complaint", "general")
    s8 = Conversation("ivr-g", at(16), "ivr").user("包裹一直没动", "track_parcel") \
        .action("tracking_form").hand_off("parcel_exception", "tracking")
    s9 = Conversation("web-h", at(17), "socketio").user("asdfgh", "nlu_fallback") \
        .action("action_handle_fallback").bot("抱歉没听懂").listen()
    s10 = Conversation("web-e", at(10, day=1), "socketio")
    # action_session_start carries the old session's slots over (actions/session_start.py).
    s10.events.insert(2, {"sender_id": "web-e", **SlotSet("handoff", {"reason": "customer_request",
                                                                      "skill": "general"}).as_dict()})
    s10.user("谢谢", "thank").action("utter_thank").listen()
    return [s1, s2, s3, s4, s5, s6, s7, s8, s9, s10]


def publish(redis_url: str, stream: str, talks: List[Conversation]) -> None:
    """Through the real broker, one conversation after another."""
    async def run():
        broker = RedisStreamEventBroker(redis_url, stream=stream)
        for talk in talks:
            for event in talk.events:
                broker.publish(event)
        await broker.close()
    asyncio.run(run())


def write_cases(url: str) -> None:
    archive = CaseArchive(url)
    for number, (sender, reason, skill, queued, waited, handled, first_agent, rating, category) in enumerate([
        ("web-e", "customer_request", "general", at(13) + 10, 10, 200, 15, 5, "resolved"),
        ("web-f", "complaint", "complaints", at(14) + 8, 30, 300, 100, 3, "complaint_recorded"),
        ("ivr-g", "parcel_exception", "tracking", at(16) + 8, 150, None, None, None, "abandoned"),
    ]):
        assigned = None if handled is None else queued + waited
        transcript = [{"time": queued - 2, "sender": "customer", "text": f"打 {PHONE} 找我"}]
        if first_agent is not None:
            transcript.append({"time": queued + first_agent, "sender": "agent", "text": "您好"})
        archive.archive(ClosedCase(
            conversation_id=sender, customer_key=f"conversation:{sender}", reason=reason, skill=skill,
            priority=1, category=category, department="customer_service",
            enqueued_at=queued, assigned_at=assigned, agent_id=None if assigned is None else "agent1",
            closed_at=queued + waited + (handled or 0), transcript=transcript, case_id=f"case-{number}",
        ))
        if rating:
            archive.set_rating(sender, rating, now=queued + 400)
    archive.close()


GAP_QUESTIONS = [
    ("能寄猫吗", 9), ("能寄猫吗", 10), ("可以寄猫吗", 11),
    (f"<script>alert(1)</script> 电池能寄到香港吗 {PHONE}", 12),
    ("发票抬头写错了怎么改", 13),
]


def write_gaps(url: str) -> None:
    database = Database(url)
    database.close()
    engine = create_engine(url)
    with engine.begin() as connection:
        for question, hour in GAP_QUESTIONS:
            connection.execute(gaps_table.insert().values(
                at=datetime.fromtimestamp(at(hour), timezone.utc).replace(tzinfo=None),
                question=question, question_key=question, language="zh-Hans", channel="socketio"))
    engine.dispose()


RETURNS = [  # category, reason, status
    ("apparel", "no_reason", "pickup_scheduled"),
    ("apparel", "quality", "refunded"),
    ("electronics", "damaged_in_transit", "rejected"),
]


def write_returns(url: str) -> None:
    engine = create_engine(url)
    carrier_metadata.create_all(engine)
    with engine.begin() as connection:
        for number, (category, reason, status) in enumerate(RETURNS, start=1):
            made = datetime.fromtimestamp(at(9 + number), timezone.utc).astimezone(timezone(timedelta(hours=8)))
            connection.execute(returns_table.insert().values(
                id=number, return_number=f"RT000000000{number}", idempotency_key=f"k{number}",
                tracking_number=f"KD2026110100{number:02d}", category=category, reason=reason,
                answers=json.dumps({}), status=status, refund_state="none",
                pickup_start=made.isoformat(), pickup_end=made.isoformat(),
                pickup_address=f"浙江省杭州市西湖区文三路 {number} 号 张伟 {PHONE}",
                pickup_city="浙江省杭州市", created_at=made.isoformat()))
            connection.execute(return_events_table.insert().values(
                return_id=number, time=made.isoformat(), status=status))
    engine.dispose()


def change_return_status(url: str, return_id: int, status: str) -> None:
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.execute(returns_table.update().where(returns_table.c.id == return_id).values(status=status))
        connection.execute(return_events_table.insert().values(
            return_id=return_id, time="2026-11-05T10:00:00.000000+08:00", status=status))
    engine.dispose()
