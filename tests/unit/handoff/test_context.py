"""What an agent sees on opening a handed-off conversation (handoff/context.py)."""
import json

import pytest

from foundation.privacy import mask_text
from handoff.context import build_context, customer_key
from handoff.customer_keys import SECRET_VARIABLE
from handoff.routing import Route, Routing

START = 1795400000.0  # a session an hour before the handoff
HANDOFF = START + 3600
PARCEL = "KD202611180005"
PHONE = "13812345678"
HISTORY = [
    {
        "case_id": "b" * 32,
        "closed_at": "2026-11-10T08:00:00+00:00",
        "reason": "complaint",
        "category": "complaint_recorded",
        "disposition": "Courier left the parcel at the door; branch warned.",
        "summary": 'Complaint "快递员态度差"; bot apologised → complaint.',
        "rating": 2,
    }
]


class Conversation:
    """Builds a tracker as Rasa's HTTP API returns it, one event a second."""

    def __init__(self, start: float) -> None:
        self.time = start
        self.events = []

    def _add(self, event: str, **fields) -> None:
        self.events.append({"event": event, "timestamp": self.time, **fields})
        self.time += 1

    def session(self, **carried_slots) -> None:
        self.action("action_session_start")
        self._add("session_started")
        for name, value in carried_slots.items():
            self.slot(name, value)
        self.action("action_listen")

    def user(self, text, intent, confidence, **entities) -> None:
        parse_data = {
            "text": text,
            "intent": {"name": intent, "confidence": confidence},
            "entities": [{"entity": e, "value": v} for e, v in entities.items()],
        }
        self._add("user", text=text, parse_data=parse_data, input_channel="socketio", metadata={})

    def bot(self, text, agent=None) -> None:
        self._add("bot", text=text, data={}, metadata={"agent": agent} if agent else {})

    def action(self, name) -> None:
        self._add("action", name=name, policy="RulePolicy", confidence=1.0)

    def slot(self, name, value) -> None:
        self._add("slot", name=name, value=value)

    def tracker(self, **slots) -> dict:
        values = {
            "language": "zh-Hans",
            "tracking_number": None,
            "phone_number": PHONE,
            "verified_phone": None,
            "verification_code": None,
            "tracking_attempts": 0.0,
            "tracked_parcel": PARCEL,
            "requested_slot": None,
            "session_started_metadata": {"language": "zh-CN"},
            "handoff": {"reason": "parcel_exception", "priority": 1, "skill": "tracking"},
            "handoff_reason": None,
            **slots,
        }
        latest = next(e for e in reversed(self.events) if e["event"] == "user")
        return {
            "sender_id": "web-4711",
            "slots": values,
            "latest_message": latest["parse_data"],
            "latest_input_channel": "socketio",
            "active_loop": {},
            "events": self.events,
        }


def not_received_conversation() -> Conversation:
    """Asked about fees an hour ago; now tracks a parcel, fails the SMS code once, gets
    the answer "delivered", says it never arrived and takes the offered agent."""
    chat = Conversation(START)
    chat.session()
    chat.user("运费怎么算", "ask_faq", 0.88)
    chat.action("utter_faq_topics")
    chat.bot("我可以回答运费、时效、保价等问题。")
    chat.action("action_listen")
    chat.user("再见", "goodbye", 0.99)
    chat.action("utter_goodbye")
    chat.bot("再见！")
    chat.action("action_listen")

    chat.time = HANDOFF - 60
    chat.session(language="zh-Hans")
    chat.user("你好", "greet", 0.974)
    chat.action("utter_greet")
    chat.bot("您好，请问有什么可以帮您？")
    chat.action("action_listen")
    chat.user("我的快递到哪了", "track_parcel", 0.9549)
    chat.action("tracking_form")
    chat.slot("tracking_attempts", 0)
    chat.slot("requested_slot", "tracking_number")
    chat.bot("请告诉我运单号。")
    chat.action("action_listen")
    chat.user(f"手机号{PHONE}", "track_parcel", 0.61, phone_number=PHONE)
    chat.action("tracking_form")
    chat.slot("phone_number", PHONE)
    chat.slot("tracking_attempts", 0)
    chat.slot("requested_slot", "verification_code")
    chat.bot("为了保护您的隐私，我已向手机 138****5678 发送了 6 位短信验证码。")
    chat.action("action_listen")
    chat.user("654321", "track_parcel", 0.552)
    chat.action("tracking_form")
    chat.slot("tracking_attempts", 1)
    chat.slot("requested_slot", "verification_code")
    chat.bot("验证码不正确，请核对短信后再告诉我。")
    chat.action("action_listen")
    chat.user(f"算了，单号是{PARCEL}", "track_parcel", 0.93, tracking_number=PARCEL)
    chat.action("tracking_form")
    chat.slot("tracking_number", [PARCEL])
    chat.slot("requested_slot", None)
    chat._add("active_loop", name=None)
    chat.action("action_answer_tracking")
    chat.bot(f"包裹 {PARCEL}：已签收。由他人代签收。")
    chat.slot("tracking_number", None)
    chat.slot("tracking_attempts", 0)
    chat.slot("tracked_parcel", PARCEL)
    chat.action("action_listen")
    chat.user("显示签收了但我没收到", "complain", 0.9137)
    chat.action("action_handle_complaint")
    chat.bot(f"非常抱歉给您带来麻烦。包裹 {PARCEL} 目前的状态是：已签收。")
    chat.slot("handoff_reason", "parcel_exception")
    chat.action("action_offer_human")
    chat.bot("需要现在为您转人工客服吗？")
    chat.action("action_listen")
    chat.user("好的", "affirm", 0.99)
    chat.action("action_hand_off")
    chat.bot("我来为您转接人工客服，请稍候。")
    chat.slot("handoff", {"reason": "parcel_exception", "priority": 1, "skill": "tracking"})
    chat.slot("handoff_reason", None)
    chat.action("action_listen")
    chat.bot("您好，我是客服小王，正在为您核实包裹去向。", agent="agent-7")
    return chat


@pytest.fixture(autouse=True)
def customer_key_secret(monkeypatch):
    monkeypatch.setenv(SECRET_VARIABLE, "test-customer-key-secret")


@pytest.fixture(scope="module")
def route():
    return Routing.load().route("parcel_exception", ["affirm", "complain", "track_parcel"])


@pytest.fixture
def context(route):
    return build_context(not_received_conversation().tracker(), route, HISTORY, now=HANDOFF)


@pytest.fixture
def verified_context(route):
    tracker = not_received_conversation().tracker(verified_phone=PHONE)
    return build_context(tracker, route, HISTORY, now=HANDOFF)


def test_header_says_where_the_conversation_comes_from_and_where_it_goes(context, route):
    assert context["conversation_id"] == "web-4711"
    assert context["channel"] == "socketio"
    assert context["language"] == "zh-Hans"
    assert (context["reason"], context["priority"], context["skill"]) == (
        "parcel_exception", route.priority, route.skill,
    )
    json.dumps(context, ensure_ascii=False)  # goes to the console as JSON


def test_summary_is_one_chinese_line_for_the_agents_with_the_customer_words_as_typed(context):
    assert context["summary"] == (
        "查件，投诉“显示签收了但我没收到”；运单 KD202611180005；手机 138****5678 未验证；"
        "查单号/验证码失败 1 次；机器人已答查件、已致歉、已提议转人工 → 包裹异常。"
    )
    # The earlier session's fee question is not what this handoff is about.
    assert "咨询" not in context["summary"]


def test_summary_has_an_english_twin_with_parcel_attempts_and_reason(context):
    assert context["summary_en"] == (
        'Tracking, complaint "显示签收了但我没收到"; parcel KD202611180005; '
        "phone 138****5678 unverified; 1 failed try at number/code; "
        "bot answered tracking, apologised, offered an agent → parcel exception."
    )


def test_reason_and_slots_have_human_names_in_both_languages(context):
    assert context["reason_name"] == {"zh": "包裹异常", "en": "parcel exception"}
    assert set(context["slot_names"]) == set(context["slots"])
    assert context["slot_names"]["tracking_attempts"] == {"zh": "查件失败次数", "en": "failed tracking tries"}
    assert context["slot_names"]["phone_number"] == {"zh": "手机号", "en": "phone number"}


def test_a_reason_or_slot_without_a_name_shows_its_code_name():
    tracker = not_received_conversation().tracker(loyalty_tier="gold")  # a slot added later
    context = build_context(tracker, Route("new_reason", 3, "general"), [], HANDOFF)
    assert context["reason_name"] == {"zh": "new_reason", "en": "new_reason"}
    assert context["slot_names"]["loyalty_tier"] == {"zh": "loyalty_tier", "en": "loyalty_tier"}
    assert context["summary"].endswith("→ new_reason。")
    assert context["summary_en"].endswith("→ new_reason.")


def test_summary_is_cut_before_the_reason_when_the_customer_says_a_lot(route):
    chat = Conversation(HANDOFF)
    chat.session()
    asked = [
        ("退货要怎么办理", "request_return", "action_finish_return"),
        ("退款到哪一步了", "check_return_status", "action_answer_return_status"),
        ("能寄电池吗，锂电池那种，还有充电宝", "ask_faq", "utter_faq_topics"),
        ("今天天气怎么样", "out_of_scope", "utter_out_of_scope"),
        ("啊啊啊", "nlu_fallback", "utter_default"),
    ]
    for number in range(12):
        waybill = f"KD2026111800{number:02d}"
        text, intent, action = asked[number % len(asked)]
        chat.user(f"{waybill} {text}", intent, 0.9, tracking_number=waybill)
        chat.action(action)
        chat.user(f"{waybill} 到底在哪里？已经等了很多天了，" * 3, "complain", 0.9)
        chat.action("action_handle_complaint")
        chat.action("action_offer_human")
    context = build_context(chat.tracker(), route, [], HANDOFF)
    summary = context["summary_en"]
    assert len(summary) == 200
    assert summary.startswith('Return request, complaint ×12 "KD202611180011 到底在哪里？已经…", ')
    assert "not understood ×2; parcels KD202611180000, KD202611180001" in summary
    assert summary.endswith("… → parcel exception.")
    summary = context["summary"]
    assert len(summary) == 200
    assert summary.startswith("申请退货，投诉 ×12“KD202611180011 到底在哪里？已经…”，")
    assert "未能理解 ×2；运单 KD202611180000、KD202611180001 +10；" in summary
    assert summary.endswith("… → 包裹异常。")


def test_every_customer_message_is_listed_with_its_intent_and_confidence(context):
    assert [(i["intent"], i["confidence"]) for i in context["intents"]] == [
        ("greet", 0.97),
        ("track_parcel", 0.95),
        ("track_parcel", 0.61),
        ("track_parcel", 0.55),
        ("track_parcel", 0.93),
        ("complain", 0.91),
        ("affirm", 0.99),
    ]
    assert context["intents"][5]["text"] == "显示签收了但我没收到"
    times = [i["time"] for i in context["intents"]]
    assert times == sorted(times) and times[0] >= HANDOFF - 60


def test_transcript_keeps_the_order_and_tells_customer_bot_and_agent_apart(context):
    transcript = context["transcript"]
    assert [line["sender"] for line in transcript][:4] == ["customer", "bot", "customer", "bot"]
    assert transcript[0]["text"] == "你好"
    assert transcript[-1] == {
        "time": transcript[-1]["time"],
        "sender": "agent",
        "text": "您好，我是客服小王，正在为您核实包裹去向。",
    }
    assert transcript[-2]["sender"] == "bot"
    assert [line["time"] for line in transcript] == sorted(line["time"] for line in transcript)
    assert all("运费" not in line["text"] for line in transcript)  # the earlier session


def test_an_unverified_customer_phone_is_masked_everywhere(context):
    assert context["customer"] == {
        "key": "conversation:web-4711",
        "verified": False,
        "phone": "138****5678",
    }
    assert "手机 138****5678 未验证" in context["summary"]
    assert "phone 138****5678 unverified" in context["summary_en"]
    assert context["slots"]["phone_number"] == "138****5678"
    assert PHONE not in json.dumps(context)


def test_a_verified_customer_phone_is_shown_to_the_agent_but_not_in_the_summary(verified_context):
    assert verified_context["customer"] == {
        "key": customer_key({"slots": {"verified_phone": PHONE}}),
        "verified": True,
        "phone": PHONE,
    }
    assert "手机 138****5678 已验证" in verified_context["summary"]
    assert "phone 138****5678 verified" in verified_context["summary_en"]
    assert PHONE not in verified_context["summary"] + verified_context["summary_en"]
    assert verified_context["transcript"][4]["text"] == f"手机号{PHONE}"


def test_customer_key_follows_the_verified_phone():
    tracker = {"sender_id": "ivr-1", "slots": {"phone_number": PHONE, "verified_phone": None}}
    assert customer_key(tracker) == "conversation:ivr-1"
    tracker["slots"]["verified_phone"] = PHONE
    on_the_phone = customer_key(tracker)
    assert on_the_phone.startswith("phone:")
    # The same customer in another conversation and channel: the same key.
    assert customer_key({"sender_id": "web-9", "slots": {"verified_phone": PHONE}}) == on_the_phone
    assert customer_key({"sender_id": "web-9", "slots": {"verified_phone": "13987654321"}}) != on_the_phone


def test_the_customer_key_gives_no_phone_number_away(monkeypatch):
    key = customer_key({"sender_id": "ivr-1", "slots": {"verified_phone": PHONE}})
    assert PHONE not in key and PHONE[-4:] not in key
    # Keyed with a secret: whoever has the archive but not the secret cannot hash
    # every mobile number and look them up.
    monkeypatch.setenv(SECRET_VARIABLE, "another-secret")
    assert customer_key({"sender_id": "ivr-1", "slots": {"verified_phone": PHONE}}) != key


def test_parcels_and_returns_mentioned_are_listed():
    chat = Conversation(HANDOFF)
    chat.session()
    chat.user("RT20261118001 退款到哪一步了", "check_return_status", 0.9,
              return_number="RT20261118001")
    chat.user("还有 KD202611180099", "track_parcel", 0.9, tracking_number="KD202611180099")
    route = Routing.load().route("customer_request")
    context = build_context(chat.tracker(), route, [], HANDOFF)
    assert context["parcels"] == ["KD202611180099", PARCEL]  # tracked_parcel last
    assert context["returns"] == ["RT20261118001"]
    assert "退货单 RT20261118001" in context["summary"]
    assert "return RT20261118001" in context["summary_en"]


def test_only_slots_an_agent_can_use_are_shown(context):
    assert context["slots"] == {
        "language": "zh-Hans",
        "phone_number": "138****5678",
        "tracking_attempts": 0.0,
        "tracked_parcel": PARCEL,
    }


def test_earlier_sessions_are_summarised_and_history_passed_through(context):
    assert context["earlier"] == {
        "cases": HISTORY,
        "sessions": [{"started": START + 1, "intents": ["ask_faq", "goodbye"]}],
    }


def test_earlier_sessions_come_newest_first_without_silent_ones(route):
    chat = Conversation(START)
    chat.session()
    chat.user("我要退货", "request_return", 0.9)
    chat.session()  # opened the chat window, said nothing
    chat.time = START + 600
    chat.session()
    chat.user("转人工", "request_human", 0.98)
    chat.time = HANDOFF
    chat.session()
    chat.user("我的快递呢", "track_parcel", 0.9)
    sessions = build_context(chat.tracker(), route, [], HANDOFF)["earlier"]["sessions"]
    assert sessions == [
        {"started": START + 601, "intents": ["request_human"]},
        {"started": START + 1, "intents": ["request_return"]},
    ]


@pytest.mark.parametrize(
    "text, masked",
    [
        (f"我的电话是{PHONE}，请回电", "我的电话是138****5678，请回电"),
        ("打+86 138 1234 5678找我", "打+86 138****5678找我"),
        ("号码１３８１２３４５６７８", "号码138****5678"),
        (f"{PHONE}或13987654321都行", "138****5678或139****4321都行"),
        (f"单号{PARCEL}，座机021-12345678", f"单号{PARCEL}，座机021-12345678"),
    ],
)
def test_mask_text_masks_mobile_numbers_in_free_text(text, masked):
    assert mask_text(text) == masked


def test_failed_tries_carried_over_from_an_earlier_session_are_not_counted():
    chat = Conversation(HANDOFF)
    chat.session(tracking_attempts=2)  # the last session ended in the middle of the form
    chat.user("转人工", "request_human", 0.98)
    chat.action("action_hand_off")
    route = Routing.load().route("customer_request", ["request_human"])
    context = build_context(chat.tracker(), route, [], HANDOFF)
    assert context["summary"] == (
        "要求转人工；运单 KD202611180005；手机 138****5678 未验证；机器人未作处理 → 客户要求转人工。"
    )
    assert context["summary_en"] == (
        "Asked for a person; parcel KD202611180005; phone 138****5678 unverified; "
        "bot tried nothing → customer asked for a person."
    )
