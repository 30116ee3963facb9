"""How one customer's events become conversations with one outcome each
(analytics/conversations.py), on event rows as the load stores them."""
from datetime import datetime, timedelta

from analytics.conversations import rows_of, same_question, sessions_of

START = datetime(2026, 11, 3, 9)


def rows(*events):
    """(kind, name, value/text) triples, a second apart, in stream order."""
    stored = []
    for number, (kind, name, extra) in enumerate(events):
        stored.append({
            "stream_id": f"{number:015d}-000000", "at": START + timedelta(seconds=number),
            "kind": kind, "name": name, "channel": "app",
            "value": extra if kind == "slot" else None, "text": extra if kind == "user" else None,
        })
    return stored


def outcomes(events):
    return [rows_of(session)[0]["outcome"] for session in sessions_of("app:1", events)
            if rows_of(session)[0]]


def test_a_session_ending_on_a_knowledge_miss_is_abandoned_in_the_bot():
    events = rows(("session_started", None, None),
                  ("user", "ask_faq", "能寄猫吗"), ("action", "action_answer_faq", None),
                  ("slot", "faq_misses", 1), ("slot", "faq_choices", ["pets", "coverage"]))
    assert outcomes(events) == ["bot_abandoned"]


def test_a_question_sent_on_to_the_return_form_is_no_knowledge_answer():
    events = rows(("session_started", None, None),
                  ("user", "ask_faq", "这个还能退吗"), ("action", "action_answer_faq", None),
                  ("action", "return_form", None))
    conversation, turns = rows_of(sessions_of("app:1", events)[0])
    assert conversation["outcome"] == "contained"
    assert turns[0]["knowledge_answer"] is False and turns[0]["knowledge_miss"] is False


def test_a_fallback_the_customer_got_past_is_contained_and_each_session_counts_once():
    events = rows(("session_started", None, None),
                  ("user", "nlu_fallback", "asdf"), ("action", "action_handle_fallback", None),
                  ("user", "track_parcel", "我的快递"), ("action", "tracking_form", None),
                  ("action", "action_session_start", None), ("session_started", None, None),
                  ("slot", "handoff", {"reason": "complaint", "skill": "general"}),
                  ("user", "request_human", "转人工"), ("action", "action_hand_off", None),
                  ("slot", "handoff", {"reason": "customer_request", "skill": "general"}),
                  ("pause", None, None))
    assert outcomes(events) == ["contained", "handoff"]
    second = rows_of(sessions_of("app:1", events)[1])[0]
    assert second["handoff_reason"] == "customer_request"  # not the slot carried over


def test_the_same_question_reworded_slightly_is_asked_again_another_is_not():
    assert same_question("运费怎么算？", "运费怎么算")
    assert same_question("運費怎麼算", "运费怎么算")
    assert not same_question("转人工", "运费怎么算")


def test_a_second_handoff_routed_like_the_first_has_no_slot_event_and_still_counts():
    route = {"reason": "customer_request", "priority": 3, "skill": "general"}
    events = rows(("session_started", None, None),
                  ("user", "request_human", "转人工"), ("action", "action_hand_off", None),
                  ("slot", "handoff", route), ("pause", None, None), ("resume", None, None),
                  ("action", "action_session_start", None), ("session_started", None, None),
                  ("slot", "handoff", route),  # carried over
                  ("user", "request_human", "转人工"), ("action", "action_hand_off", None),
                  ("pause", None, None),  # Rasa records no SlotSet for an unchanged value
                  ("action", "action_session_start", None), ("session_started", None, None),
                  ("user", "request_human", "转人工"), ("action", "action_hand_off", None),
                  ("action", "callback_form", None))  # nobody online: a callback message
    found = [rows_of(session)[0] for session in sessions_of("app:1", events)]
    assert [conversation["outcome"] for conversation in found] == ["handoff"] * 3
    assert [conversation["handoff_team"] for conversation in found] == ["general"] * 3


def test_choices_offered_for_an_unsure_question_are_a_miss_not_an_answer():
    events = rows(("session_started", None, None),
                  ("user", "ask_faq", "寄件的规定"), ("action", "action_answer_faq", None),
                  ("action", "faq_choice_form", None))
    conversation, turns = rows_of(sessions_of("app:1", events)[0])
    assert (turns[0]["knowledge_answer"], turns[0]["knowledge_miss"]) == (False, True)
    assert conversation["outcome"] == "bot_abandoned"
