"""What a customer gets from the knowledge base through the running assistant."""
import re
import uuid

import pytest

from actions.faq import choice_in
from chat import say


def test_a_clear_question_gets_the_web_answer(stack):
    answer = "".join(say(stack, "寄到北京的运费怎么算"))
    assert "首重" in answer and "续重" in answer


def test_the_phone_line_gets_the_short_spoken_answer_without_markup(stack):
    answer = "".join(say(stack, "寄东西怎么收费啊", input_channel="ivr"))
    assert "首重" in answer
    assert not any(mark in answer for mark in ("**", "](", "\n- "))


def test_traditional_and_english_questions_get_answers_in_their_script(stack):
    assert "首重" in "".join(say(stack, "運費怎麼算"))
    assert "首重" not in "".join(say(stack, "how much does shipping cost"))
    assert "kg" in "".join(say(stack, "how much does shipping cost")).lower()


def test_an_unclear_question_offers_three_numbered_choices_as_buttons(stack):
    from chat import messages

    reply = messages(stack, "我想问问关于寄件的规定")
    buttons = reply[0]["buttons"]
    assert [b["payload"] for b in buttons] == ["1", "2", "3", "都不是"]
    assert "1. " in reply[0]["text"] and "3. " in reply[0]["text"]


def test_the_phone_line_hears_a_numbered_menu_and_answers_by_number(stack):
    sender = uuid.uuid4().hex
    menu = "".join(say(stack, "我想问问关于寄件的规定", sender, input_channel="ivr"))
    assert "第 1 个" in menu and "第 3 个" in menu and "请说序号" in menu
    # The customer says the number the menu gave the article on what cannot be sent.
    number = re.search(r"第 (\d) 个，[^。]*(?:禁|不能寄)", menu).group(1)
    answer = "".join(say(stack, f"第{'一二三'[int(number) - 1]}个", sender, input_channel="ivr"))
    assert "禁止" in answer or "不能寄" in answer


@pytest.mark.parametrize(
    "text, number",
    [("1", 1), ("２", 2), ("第三个", 3), ("第二條", 2), ("the second one", 2), ("three", 3),
     ("4", None), ("12", None), ("我选2号线路", None)],
)
def test_choices_are_read_from_short_answers_only(text, number):
    assert choice_in(text) == number


def test_a_published_change_is_answered_within_two_seconds_without_restart(stack, redis_url):
    import dataclasses
    import time

    import redis

    from knowledge.article import Answer
    from knowledge.publishing import publish
    from knowledge.store import KnowledgeStore

    question = "快递保价怎么收费"
    assert "首重" not in "".join(say(stack, question))  # the knowledge base is loaded
    store = KnowledgeStore(f"sqlite:///{stack.settings.var_dir / 'knowledge.db'}")
    live = store.get("insured-shipping")
    marker = f"保价费率本周调整为 0.3%（{uuid.uuid4().hex[:6]}）。"
    zh = live.article.answer["zh"]
    changed = dataclasses.replace(
        live.article, answer={**live.article.answer, "zh": Answer(marker + zh.web, zh.voice)})
    draft = store.save_draft(changed, "editor-test", base_version=live.article.version)
    publish(store, {"insured-shipping": draft.version}, "reviewer-test", redis.Redis.from_url(redis_url))
    published = time.monotonic()
    while marker not in "".join(say(stack, question)):
        assert time.monotonic() - published < 2.0, "the new answer was not served within 2 s"
        time.sleep(0.1)
    store.close()
