import pytest

from actions.session_start import language_from_locale


@pytest.mark.parametrize(
    "locale, language",
    [
        ("zh-CN", "zh-Hans"),
        ("zh", "zh-Hans"),
        ("zh-TW", "zh-Hant"),
        ("zh_HK", "zh-Hant"),
        ("zh-Hant-TW", "zh-Hant"),
        ("en-US", "en"),
        ("EN", "en"),
        ("fr-FR", None),
        (None, None),
        (42, None),
    ],
)
def test_front_end_locale_sets_the_first_reply_language(locale, language):
    assert language_from_locale(locale) == language
