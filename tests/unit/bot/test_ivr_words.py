"""What the IVR plays: plain sentences, menus of keys, re-prompts shorter each time."""
import pytest

from bot.channels.ivr_prompts import language_of_locale, menu, plain_sentences
from bot.channels.ivr_replies import HANGUP, TRANSFER, Reply, again, from_bot, uui


def test_markdown_links_and_emoji_are_not_read_out():
    text = "**您的包裹** 正在派送 🚚！详情见 [物流页面](https://example.com/t)。\n- 预计今天送达"
    assert plain_sentences(text) == ["您的包裹 正在派送！", "详情见 物流页面。", "预计今天送达"]
    assert plain_sentences("See https://example.com for more. Thanks!") == ["See for more.", "Thanks!"]


def test_buttons_become_keys_and_each_key_maps_back_to_its_payload():
    buttons = [{"title": "5 非常满意", "payload": "5"}, {"title": "**查快递**", "payload": "我要查快递"}]
    sentence, choices = menu(buttons, "zh-Hans")
    assert sentence == "5 非常满意请按1，查快递请按2。"
    assert choices == {"1": "5", "2": "我要查快递"}
    sentence, _ = menu([{"title": "Track a parcel", "payload": "track"}], "en")
    assert sentence == "For Track a parcel press 1."


@pytest.mark.parametrize("locale, language", [("zh-CN", "zh-Hans"), ("zh-TW", "zh-Hant"),
                                              ("zh_HK", "zh-Hant"), ("en-US", "en"), ("", "zh-Hans")])
def test_the_callers_locale_picks_the_language(locale, language):
    assert language_of_locale(locale) == language


def test_a_transfer_from_the_actions_names_the_team_case_and_sip_field():
    reply = from_bot([{"text": "我来为您转接人工客服，请稍候。"},
                      {"custom": {"transfer": {"team": "tracking", "case_id": "ivr~ab"}}}], "zh-Hans")
    assert reply.action == TRANSFER and reply.menu == {}
    assert reply.transfer == {"team": "tracking", "case_id": "ivr~ab", "uui": uui("ivr~ab", "tracking")}
    assert bytes.fromhex(reply.transfer["uui"]) == b"case_id=ivr~ab;team=tracking"
    answer = reply.as_json()
    assert answer["barge_in"] is False and "expect" not in answer


def test_a_hangup_from_the_actions_ends_the_call():
    reply = from_bot([{"text": "再见。"}, {"custom": {"hangup": True}}], "zh-Hans")
    assert reply.action == HANGUP and reply.prompts == ["再见。"]


def test_re_prompts_get_shorter_and_keep_the_menu():
    first = Reply(["您好。", "欢迎致电。", "查快递请按1。"], "zh-Hans", menu={"1": "查快递"}, question="查快递请按1。")
    state = first.state()
    once, twice = again(state, 1, "抱歉，我没有听清。"), again(state, 2, "抱歉，我没有听清。")
    assert once.prompts == ["抱歉，我没有听清。", "查快递请按1。"] and twice.prompts == ["查快递请按1。"]
    assert once.menu == twice.menu == {"1": "查快递"}
    assert once.as_json()["expect"]["digits"]["max"] == 1
