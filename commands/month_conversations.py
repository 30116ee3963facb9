"""The kinds of conversation of the generated month (commands/generate_month.py): each
plays one customer through the running assistant, every message and agent action at
its moment on the simulated clock, and writes down what the report should count
(commands/month_figures.py)."""
import random
import time
from datetime import datetime, timezone
from typing import Callable, Dict, List, Optional

from commands.month_figures import Conversation


WAITS = (4, 9, 15, 28, 45, 75, 140)  # seconds until the agent takes the conversation
REPLIES = (8, 15, 30, 50, 90)  # seconds from taking it to the agent's first message
HANDLE_TIMES = (95, 150, 240, 330, 480)
LEAVES_AFTER = (12, 35, 70)  # seconds in the queue before saying "不用了"
RATINGS = (5, 5, 4, 4, 3, 5, 2, 1, None)  # None: the customer never rates
TURN_GAP = 20  # simulated seconds between a customer's messages


class Customer:
    """One conversation: each message at its simulated moment, and what was said."""

    def __init__(self, assistant, sender: str, start: float, front_end: str = "app") -> None:
        self.assistant = assistant
        self.sender = sender
        self.front_end = front_end
        self.at = start
        # The REST channel files a front end's sender under "<front end>:<sender>".
        self.record = Conversation(f"{front_end}:{sender}", front_end, start)

    def say(self, text: str, intent: Optional[str], after: float = TURN_GAP) -> str:
        """Sends `text` `after` seconds later; the bot should read it as `intent`. None:
        not predicted, for what a form reads (a category, a code, a slot number), which
        the classifier may put under any intent (nlu_fallback, request_return ...), and
        for the messages of kinds a form also produces. The intents predicted are only
        those of the customers' own requests, which no form input falls under."""
        if self.record.intents or after != TURN_GAP:
            self.at += after
        self.assistant.clock.set(self.at)
        self.record.intents.append(intent)
        return "\n".join(self.assistant.say(self.sender, text, self.front_end))

    def wait(self, seconds: float) -> None:
        self.at += seconds
        self.assistant.clock.set(self.at)


# The conversations. Each plays one kind and fills in what the report should count.

def tracking(customer: Customer, parcels: Dict[str, List[str]]) -> None:
    answer = customer.say("我的快递到哪了", "track_parcel")
    answer += customer.say(parcels["in_transit"][0], "track_parcel")
    _expect(parcels["in_transit"][0] in answer, customer, "no tracking answer")
    customer.say("谢谢", "thank")


def knowledge(customer: Customer, _parcels) -> None:
    _ask_knowledge(customer, "运费怎么算")
    customer.say("好的谢谢", "thank")


def reask(customer: Customer, _parcels) -> None:
    _ask_knowledge(customer, "运费怎么算")
    customer.record.reasked += 1
    _ask_knowledge(customer, "运费到底怎么算")
    customer.say("谢谢", "thank")


def misunderstood(customer: Customer, _parcels) -> None:
    customer.say("你好", "greet")
    # A lone emoji: nothing the classifier learnt, so it falls back. (A vague phrase
    # such as "那个东西" reads as out of scope since gibberish is trained as such.)
    reply = customer.say("🤔", None)
    _expect("没太明白" in reply, customer, f"no fallback for a lone emoji: {reply!r}")
    customer.record.fallbacks += 1
    customer.record.outcome = "bot_abandoned"


def unanswered(customer: Customer, _parcels) -> None:
    question = "我想问问关于寄件的规定"  # too vague: three articles offered, none chosen
    asked = customer.say(question, "ask_faq")
    _expect("都不是" in asked or "1." in asked, customer, f"answered {question}: {asked!r}")
    customer.record.outcome, customer.record.unanswered = "bot_abandoned", question


def handoff(customer: Customer, parcels: Dict[str, List[str]], rng: random.Random) -> None:
    customer.say(f"{parcels['in_transit'][1]} 到哪了", "track_parcel")
    _hand_off(customer, "我要转人工", "tracking", rng)


def knowledge_to_person(customer: Customer, _parcels, rng: random.Random) -> None:
    _ask_knowledge(customer, "运费怎么算")
    customer.record.to_person += 1
    _hand_off(customer, "转人工", "general", rng)


def left_queue(customer: Customer, _parcels, rng: random.Random) -> None:
    _queue(customer, "人工客服", "general")
    waited = rng.choice(LEAVES_AFTER)
    customer.wait(waited)
    customer.assistant.say(customer.sender, "不用了", customer.front_end)  # read by the handoff service, not the bot
    _until_told(customer, "已为您取消排队")
    customer.record.left_queue_after = waited


def return_request(customer: Customer, parcels: Dict[str, List[str]], rng: random.Random) -> None:
    parcel = parcels["returnable"].pop()
    if rng.random() < 0.5:
        steps = [("我要退货", None), (parcel, "track_parcel"), ("衣服", None),
                 ("尺码不合适", None), ("是", None), ("没有", None)]
        expected = ("apparel", "no_reason")
    else:
        steps = [(f"我要退货 {parcel}", None), ("鞋子", None), ("发错货了", None)]
        expected = ("shoes", "wrong_item")
    for text, intent in steps:
        customer.say(text, intent)
    customer.say(customer.assistant.code_sent_to(parcel), None)
    customer.say("是", None)
    customer.say("1", None)
    done = customer.say("确认提交", None)
    _expect("退货单号" in done, customer, f"no return booked: {done!r}")
    customer.record.return_request = (*expected, "requested")  # booked, not yet picked up


def _ask_knowledge(customer: Customer, question: str) -> None:
    answer = customer.say(question, "ask_faq")
    _expect("没找到" not in answer, customer, f"no knowledge answer to {question}: {answer!r}")
    customer.record.knowledge_answers += 1


def _queue(customer: Customer, text: str, team: str) -> None:
    customer.say(text, "request_human")
    record = customer.record
    record.outcome, record.reason, record.team = "handoff", "customer_request", team


def _hand_off(customer: Customer, text: str, team: str, rng: random.Random) -> None:
    """Queued, taken after a wait, answered, closed; then maybe rated."""
    record, assistant = customer.record, customer.assistant
    _queue(customer, text, team)
    record.wait = rng.choice(WAITS)
    customer.wait(record.wait)
    claimed = assistant.act("POST", "/api/claim").json()["conversation"]
    _expect(claimed["conversation_id"] == record.sender and claimed["skill"] == team, customer,
            f"claimed {claimed['conversation_id']} of team {claimed['skill']}")
    record.reply = rng.choice(REPLIES)
    customer.wait(record.reply)
    assistant.act("POST", f"/api/conversations/{record.sender}/messages", {"text": "您好，我来帮您查一下。"})
    record.handle = max(rng.choice(HANDLE_TIMES), record.reply + 30)
    customer.wait(record.handle - record.reply)
    assistant.act("POST", f"/api/conversations/{record.sender}/close",
              {"category": "resolved", "department": "customer_service"})
    record.rating = rng.choice(RATINGS)
    if record.rating is not None:
        thanked = customer.say(str(record.rating), None)
        _expect("感谢您的评价" in thanked, customer, f"rating not taken: {thanked!r}")


def _until_told(customer: Customer, words: str, timeout: float = 30) -> None:
    """Until the handoff service, which reads the customer's message from the event
    stream, has answered it with `words`."""
    deadline = time.monotonic() + timeout
    while not any(words in text for text in customer.assistant.bot_texts(customer.record.sender)):
        _expect(time.monotonic() < deadline, customer, f"not told {words!r}")
        time.sleep(0.2)


def _expect(condition: bool, customer: Customer, problem: str) -> None:
    if not condition:
        moment = datetime.fromtimestamp(customer.at, timezone.utc).isoformat(timespec="seconds")
        raise RuntimeError(f"{customer.record.sender} at {moment}: {problem}")


PLAYS: Dict[str, Callable] = {
    "tracking": tracking, "knowledge": knowledge, "reask": reask, "misunderstood": misunderstood,
    "unanswered": unanswered, "handoff": handoff, "knowledge_to_person": knowledge_to_person,
    "left_queue": left_queue, "return": return_request,
}
NEEDS_RNG = {"handoff", "knowledge_to_person", "left_queue", "return"}
