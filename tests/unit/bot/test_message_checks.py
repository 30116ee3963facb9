import pytest

from bot.channels.message_checks import (
    MessageRejected,
    check_metadata,
    check_sender_id,
    check_text,
)


def test_text_is_trimmed_and_control_characters_removed():
    assert check_text("  我的快递\x00到哪了 \n") == "我的快递到哪了"


@pytest.mark.parametrize(
    "text, code, status",
    [
        ("", "empty_message", 400),
        ("   \n\t ", "empty_message", 400),
        (None, "message_not_text", 400),
        (123, "message_not_text", 400),
        ("长" * 2001, "message_too_long", 413),
    ],
)
def test_unusable_text_is_rejected_with_a_reason(text, code, status):
    with pytest.raises(MessageRejected) as rejected:
        check_text(text, max_chars=2000)
    assert rejected.value.code == code
    assert rejected.value.status == status
    assert rejected.value.reason


def test_the_longest_allowed_message_passes():
    assert len(check_text("长" * 2000, max_chars=2000)) == 2000


@pytest.mark.parametrize("sender", [None, "", "  ", 5, "x" * 129, "a\x00b"])
def test_bad_sender_ids_are_rejected(sender):
    with pytest.raises(MessageRejected):
        check_sender_id(sender)


def test_metadata_must_be_an_object():
    assert check_metadata({"language": "en"}) == {"language": "en"}
    assert check_metadata(None) is None
    with pytest.raises(MessageRejected):
        check_metadata(["en"])
