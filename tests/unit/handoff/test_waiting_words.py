"""What a waiting customer reads about their place in line (handoff/waiting_words.py):
once when the action queues them, then whenever the service sees their place change."""
import pytest

from handoff.waiting_words import back_in_front_text, left_queue_text, queue_position_text, says_leave_queue


@pytest.mark.parametrize(
    "position, wait_seconds, expected",
    [
        (1, 300, "You're next in line. An agent will reply to you right here."),
        (2, 300, "There is 1 customer ahead of you; the expected wait is about 5 minutes. "
                 "An agent will reply to you right here."),
        (4, 20, "There are 3 customers ahead of you; the expected wait is about 1 minute. "
                "An agent will reply to you right here."),
        # Nobody of the team online: the action has always said "next in line" then.
        (3, None, "You're next in line. An agent will reply to you right here."),
    ],
)
def test_the_first_notice_in_english(position, wait_seconds, expected):
    assert queue_position_text(position, wait_seconds, "en", at_queueing=True) == expected


@pytest.mark.parametrize(
    "position, wait_seconds, expected",
    [
        (1, 90, "You're next in line; an agent will be with you shortly."),
        (2, 90, "There is now 1 customer ahead of you; the expected wait is about 2 minutes."),
        (6, 1800, "There are now 5 customers ahead of you; the expected wait is about 30 minutes."),
        (3, None, "There are now 2 customers ahead of you. Please stay with us."),
    ],
)
def test_a_change_of_place_in_english(position, wait_seconds, expected):
    assert queue_position_text(position, wait_seconds, "en") == expected


def test_chinese_customers_read_it_in_their_own_script():
    assert queue_position_text(3, 600, "zh-Hans", at_queueing=True) == (
        "您前面还有 2 位客户，预计等待约 10 分钟。客服接入后会直接在这里回复您。"
    )
    assert queue_position_text(1, None, "zh-Hans", at_queueing=True) == "您是下一位，客服接入后会直接在这里回复您。"
    assert queue_position_text(3, 600, "zh-Hans") == "您前面还有 2 位客户，预计等待约 10 分钟。"
    assert queue_position_text(3, None, "zh-Hans") == "您前面还有 2 位客户，请稍候。"
    assert queue_position_text(1, 60, "zh-Hans") == "您是下一位，客服马上就来。"
    assert queue_position_text(1, 60, "zh-Hant") == "您是下一位，客服馬上就來。"


def test_the_wait_is_rounded_to_whole_minutes_and_never_below_one():
    assert "about 1 minute." in queue_position_text(2, 1, "en")
    assert "about 1 minute." in queue_position_text(2, 89, "en")
    assert "about 2 minutes." in queue_position_text(2, 91, "en")


def test_a_customer_whose_agent_was_lost_hears_they_are_back_in_front():
    assert back_in_front_text("en") == (
        "Sorry, your agent was disconnected. You are back at the front of the queue, and "
        "the next free agent will be with you shortly."
    )
    assert "服務的客服連接中斷" in back_in_front_text("zh-Hant")


@pytest.mark.parametrize(
    "text", ["不用了", "不用了，谢谢", "取消", "算了吧！", "我不等了", "不用了謝謝", "Cancel", "never mind, thanks", "No thanks."],
)
def test_a_waiting_customer_can_say_they_no_longer_want_a_person(text):
    assert says_leave_queue(text)


@pytest.mark.parametrize("text", ["我想取消订单", "取消退货怎么办", "cancel my order", "还要等多久", ""])
def test_a_question_with_such_a_word_in_it_is_not_a_goodbye(text):
    assert not says_leave_queue(text)


def test_a_customer_who_left_the_queue_is_told_the_bot_is_back_in_their_language():
    assert left_queue_text("zh-Hans") == "好的，已为您取消排队，机器人继续为您服务。还有什么可以帮您？"
    assert "取消排隊" in left_queue_text("zh-Hant")
    assert left_queue_text("en").startswith("All right, you have left the queue")
