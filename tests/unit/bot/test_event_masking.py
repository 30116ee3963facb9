"""Events as the event stream keeps them: masked like a log."""
import json

from bot.event_masking import masked_event

PHONE = "13812345678"


def test_customer_text_parse_and_metadata_are_masked():
    event = {
        "event": "user", "sender_id": "app:1", "timestamp": 1.5, "message_id": "m1",
        "text": f"我的电话是{PHONE}",
        "parse_data": {"text": f"我的电话是{PHONE}", "intent": {"name": "inform", "confidence": 0.9},
                       "entities": [{"entity": "phone_number", "value": PHONE, "start": 5, "end": 16}]},
        "metadata": {"customer_phone": PHONE, "trusted": {"front_end": "app", "vip": False}},
    }
    masked = masked_event(event)
    assert PHONE not in json.dumps(masked)
    assert masked["text"] == "我的电话是138****5678"
    assert masked["parse_data"]["entities"][0]["value"] == "138****5678"
    assert masked["parse_data"]["intent"] == event["parse_data"]["intent"]
    assert (masked["sender_id"], masked["timestamp"], masked["message_id"]) == ("app:1", 1.5, "m1")
    assert masked["metadata"]["trusted"] == {"front_end": "app", "vip": False}


def test_bot_text_and_buttons_are_masked():
    event = {"event": "bot", "text": f"验证码已发送到 {PHONE}",
             "data": {"buttons": [{"title": PHONE, "payload": "/affirm"}]}}
    assert PHONE not in json.dumps(masked_event(event))


def test_personal_slots_are_masked():
    assert masked_event({"event": "slot", "name": "phone_number", "value": PHONE})["value"] == "138****5678"
    assert masked_event({"event": "slot", "name": "verified_phone", "value": PHONE})["value"] == "138****5678"
    assert masked_event({"event": "slot", "name": "verification_code", "value": "493817"})["value"] == "******"
    address = masked_event({"event": "slot", "name": "return_address", "value": "浙江省杭州市西湖区文三路100号"})
    assert address["value"] == "浙江省杭州市西湖区****"
    callback = masked_event({"event": "slot", "name": "callback_message", "value": f"请回电 {PHONE}"})
    assert callback["value"] == "请回电 138****5678"


def test_other_slots_and_events_are_kept_as_they_are():
    for event in ({"event": "slot", "name": "tracking_number", "value": ["KD202611180005"]},
                  {"event": "slot", "name": "handoff", "value": {"reason": "vip", "priority": 0}},
                  {"event": "slot", "name": "rating", "value": 4.0},
                  {"event": "action", "name": "action_hand_off", "policy": "RulePolicy"}):
        assert masked_event(event) == event
