"""The wording of tracking answers, on the demo carrier's parcels and a few built here."""
import dataclasses
import re
from datetime import date, datetime
from typing import List, Optional

import pytest

from actions.carrier.demo_parcels import OTHER_SIGNERS, build_parcels
from actions.carrier.gateway import SHANGHAI, Parcel, ParcelStatus, Party, ScanEvent, current_status
from actions.tracking_reply import (
    describe_other_carrier,
    describe_parcel,
    describe_parcel_list,
    describe_unknown_number,
    explain_number_format,
)
from foundation.language import to_traditional
from foundation.privacy import mask_address, mask_name, mask_phone
from foundation.numbers import Carrier, Waybill, find_waybills

NOW = datetime(2026, 11, 23, 10, 0, tzinfo=SHANGHAI)
LANGUAGES = ("zh-Hans", "zh-Hant", "en")
TEXT_CHANNELS = ("socketio", "rest", "app")
ZH_TIMELINE_LINE = re.compile(r"^(\d\d-\d\d \d\d:\d\d) ", re.MULTILINE)
EN_TIMELINE_LINE = re.compile(r"^(\d{1,2} [A-Z][a-z]{2} \d\d:\d\d) ", re.MULTILINE)
MOBILE = re.compile(r"1[3-9]\d{9}")
# The recipient's street and house number: what follows the district (all demo
# districts end in 区) in the address.
STREET = re.compile(r"区(\D+?)(\d+号)")

# The demo parcels as the gateway hands them out: quiet moving parcels become STUCK.
PARCELS = [
    dataclasses.replace(parcel, status=current_status(parcel.status, parcel.last_scan.time, NOW))
    for parcel in build_parcels(NOW)
]


def demo_parcel(status: ParcelStatus, delivered_to: Optional[str] = None) -> Parcel:
    return next(
        parcel for parcel in PARCELS
        if parcel.status is status and (delivered_to is None or parcel.delivered_to == delivered_to)
    )


def demo_parcels(delivered_to: str) -> List[Parcel]:
    return [parcel for parcel in PARCELS if parcel.delivered_to == delivered_to]


def scan(month_day_hour_minute, status=ParcelStatus.IN_TRANSIT, place="上海浦东转运中心"):
    month, day, hour, minute = month_day_hour_minute
    return ScanEvent(datetime(2026, month, day, hour, minute, tzinfo=SHANGHAI), place, status,
                     "描述", "description")


HAND_MADE = Parcel(
    tracking_number="KD202611200042",
    status=ParcelStatus.IN_TRANSIT,
    events=[
        scan((11, 20, 9, 0), ParcelStatus.CREATED, "杭州西湖营业部"),
        scan((11, 22, 14, 5)),
    ],
    sender=Party("李娜", "13987654321", "上海市浦东新区张杨路88号2幢501室"),
    recipient=Party("张伟", "13812345678", "浙江省杭州市西湖区文三路123号4幢1203室"),
    promised_date=date(2026, 11, 24),
    estimated_date=date(2026, 11, 25),
    pickup_code=None,
    delivered_to=None,
    signed_by=None,
)


def simplified_only(text: str) -> set:
    return {char for char in text if to_traditional(char) != char}


# status, delivered_to of the demo parcel, (zh status word, zh next step), (en ...).
STATUS_CASES = [
    (ParcelStatus.CREATED, None, ("已下单，等待揽收", "快递员上门揽收后"),
     ("registered, waiting to be picked up", "once our courier has collected it")),
    (ParcelStatus.PICKED_UP, None, ("已揽收", "发往转运中心"),
     ("picked up", "transfer centre next")),
    (ParcelStatus.IN_TRANSIT, None, ("运输中", "到达派送网点后就会安排派送"),
     ("on its way", "Once it reaches your local branch")),
    (ParcelStatus.AT_BRANCH, None, ("已到达派送网点", "快递员很快会安排派送"),
     ("at your local branch", "take it out for delivery soon")),
    (ParcelStatus.OUT_FOR_DELIVERY, None, ("派送中", "请保持电话畅通"),
     ("out for delivery", "keep your phone at hand")),
    (ParcelStatus.DELIVERED, "person", ("已签收", "如果您没有收到"),
     ("delivered", "If you have not received it")),
    (ParcelStatus.DELIVERY_FAILED, None, ("派送失败", "可以预约再次派送"),
     ("delivery failed", "book a redelivery")),
    (ParcelStatus.HELD, None, ("应您要求暂存", "到期前可随时预约派送"),
     ("held at your request", "any time before the holding period ends")),
    (ParcelStatus.RETURNED_TO_SENDER, None, ("已退回寄件人", "请联系寄件人"),
     ("returned to the sender", "contact the sender")),
    (ParcelStatus.DAMAGED, None, ("包裹破损", "转人工客服优先处理"),
     ("damaged", "agent who will treat it as a priority")),
    (ParcelStatus.LOST, None, ("包裹丢失", "转人工客服优先处理"),
     ("lost", "agent who will treat it as a priority")),
    (ParcelStatus.STUCK, None, ("已超过 72 小时没有新的扫描记录", "转人工客服优先处理"),
     ("no new scan for over 72 hours", "agent who will treat it as a priority")),
]


def test_every_status_has_a_case():
    assert {case[0] for case in STATUS_CASES} == set(ParcelStatus)


@pytest.mark.parametrize("channel", ["socketio", "ivr"])
@pytest.mark.parametrize("status, delivered_to, zh, en", STATUS_CASES)
def test_status_and_next_step_in_each_language(status, delivered_to, zh, en, channel):
    parcel = demo_parcel(status, delivered_to)
    (zh_word, zh_next), (en_word, en_next) = zh, en

    simplified = describe_parcel(parcel, "zh-Hans", channel, False, NOW)
    assert f"：{zh_word}。" in simplified.splitlines()[0]
    assert zh_next in simplified

    english = describe_parcel(parcel, "en", channel, False, NOW)
    assert f": {en_word}." in english.splitlines()[0]
    assert en_next in english

    traditional = describe_parcel(parcel, "zh-Hant", channel, False, NOW)
    assert f"：{to_traditional(zh_word)}。" in traditional.splitlines()[0]
    assert to_traditional(zh_next) in traditional
    changed = simplified_only(zh_word + zh_next)
    assert changed, "the checked sentence should have characters that differ"
    assert not changed & set(traditional)


def test_expected_date_is_given_while_the_parcel_is_coming():
    assert "预计 11月25日 送达。" in describe_parcel(HAND_MADE, "zh-Hans", "socketio", False, NOW)
    assert "預計 11月25日 送達。" in describe_parcel(HAND_MADE, "zh-Hant", "socketio", False, NOW)
    assert "Expected on 25 Nov." in describe_parcel(HAND_MADE, "en", "socketio", False, NOW)


def test_promised_date_stands_in_for_a_missing_estimate():
    parcel = dataclasses.replace(HAND_MADE, estimated_date=None)
    assert "预计 11月24日 送达。" in describe_parcel(parcel, "zh-Hans", "socketio", False, NOW)


def test_voice_says_today_and_tomorrow():
    today = dataclasses.replace(HAND_MADE, estimated_date=date(2026, 11, 23))
    tomorrow = dataclasses.replace(HAND_MADE, estimated_date=date(2026, 11, 24))
    assert "预计 今天 送达。" in describe_parcel(today, "zh-Hans", "ivr", False, NOW)
    assert "Expected tomorrow." in describe_parcel(tomorrow, "en", "ivr", False, NOW)


def test_no_date_in_the_past():
    late = dataclasses.replace(HAND_MADE, estimated_date=None, promised_date=date(2026, 11, 22))
    assert "预计" not in describe_parcel(late, "zh-Hans", "socketio", False, NOW)


@pytest.mark.parametrize("status", [
    ParcelStatus.DELIVERED, ParcelStatus.RETURNED_TO_SENDER, ParcelStatus.LOST,
    ParcelStatus.DAMAGED, ParcelStatus.HELD, ParcelStatus.STUCK,
])
def test_no_date_once_the_journey_ended_or_stopped(status):
    # Even with dates on the parcel, these statuses promise nothing.
    parcel = dataclasses.replace(HAND_MADE, status=status)
    assert "预计" not in describe_parcel(parcel, "zh-Hans", "socketio", False, NOW)
    assert "Expected" not in describe_parcel(parcel, "en", "ivr", False, NOW)


@pytest.mark.parametrize("delivered_to", ["locker", "station"])
@pytest.mark.parametrize("language", LANGUAGES)
def test_pickup_code_and_pickup_point_only_after_verification(delivered_to, language):
    for parcel in demo_parcels(delivered_to):
        point = parcel.last_scan.place
        for channel in ("socketio", "ivr"):
            hidden = describe_parcel(parcel, language, channel, False, NOW)
            assert parcel.pickup_code not in hidden
            assert " ".join(parcel.pickup_code) not in hidden
            assert to_traditional(point) not in hidden and point not in hidden
        shown = describe_parcel(parcel, language, "socketio", True, NOW)
        assert parcel.pickup_code in shown


@pytest.mark.parametrize("language, after_verification", [
    ("zh-Hans", "验证身份后，我可以告诉您取件码"),
    ("zh-Hant", "驗證身份後，我可以告訴您取件碼"),
    ("en", "Once you have verified your identity, I can give you the pickup code"),
])
def test_unverified_customer_learns_the_code_comes_after_verification(language, after_verification):
    parcel = demo_parcel(ParcelStatus.DELIVERED, "locker")
    assert after_verification in describe_parcel(parcel, language, "socketio", False, NOW)
    assert after_verification not in describe_parcel(parcel, language, "socketio", True, NOW)


def test_verified_text_reply_names_the_locker():
    parcel = demo_parcel(ParcelStatus.DELIVERED, "locker")
    reply = describe_parcel(parcel, "zh-Hans", "app", True, NOW)
    assert f"包裹在{parcel.last_scan.place}等您取件。" in reply
    assert f"取件码 {parcel.pickup_code}。" in reply


@pytest.mark.parametrize("language", LANGUAGES)
def test_voice_reads_the_pickup_code_digit_by_digit(language):
    station = demo_parcel(ParcelStatus.DELIVERED, "station")
    parcel = dataclasses.replace(station, pickup_code="407518")
    reply = describe_parcel(parcel, language, "ivr", True, NOW)
    assert "4 0 7 5 1 8" in reply
    assert "407518" not in reply


@pytest.mark.parametrize("language", LANGUAGES)
def test_who_signed_instead_only_after_verification(language):
    for parcel in demo_parcels("other"):
        signer_zh, signer_en = parcel.signed_by, OTHER_SIGNERS[parcel.signed_by]
        for channel in ("socketio", "ivr"):
            hidden = describe_parcel(parcel, language, channel, False, NOW)
            assert to_traditional(signer_zh) not in hidden and signer_zh not in hidden
            assert signer_en not in hidden
        shown = describe_parcel(parcel, language, "socketio", True, NOW)
        expected = {"zh-Hans": signer_zh, "zh-Hant": to_traditional(signer_zh), "en": signer_en}
        assert expected[language] in shown


@pytest.mark.parametrize("language, someone_else", [
    ("zh-Hans", "由他人代签收"), ("zh-Hant", "由他人代簽收"), ("en", "signed for by someone else"),
])
def test_unverified_customer_hears_someone_else_signed(language, someone_else):
    parcel = demo_parcel(ParcelStatus.DELIVERED, "other")
    assert someone_else in describe_parcel(parcel, language, "ivr", False, NOW)
    assert someone_else not in describe_parcel(parcel, language, "ivr", True, NOW)


def test_a_person_who_signed_instead_is_masked_even_after_verification():
    parcel = dataclasses.replace(
        HAND_MADE, status=ParcelStatus.DELIVERED, delivered_to="other", signed_by="王芳",
        events=HAND_MADE.events + [scan((11, 23, 9, 0), ParcelStatus.DELIVERED, "杭州西湖营业部")],
    )
    reply = describe_parcel(parcel, "zh-Hans", "socketio", True, NOW)
    assert "由王*代签收。" in reply
    assert "王芳" not in reply


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("channel", ["socketio", "ivr"])
def test_unverified_replies_hold_no_personal_data(language, channel):
    for parcel in PARCELS:
        reply = describe_parcel(parcel, language, channel, False, NOW)
        for party in (parcel.recipient, parcel.sender):
            street, house = STREET.search(party.address).groups()
            assert party.phone not in reply and mask_phone(party.phone) not in reply
            assert party.name not in reply and to_traditional(party.name) not in reply
            assert street not in reply and to_traditional(street) not in reply
            assert house not in reply
        # Courier phones sit in the carrier's scan descriptions; none may slip through.
        assert not MOBILE.search(reply)


@pytest.mark.parametrize("language", LANGUAGES)
def test_verified_reply_shows_the_recipient_masked_only(language):
    for parcel in PARCELS[:60]:
        reply = describe_parcel(parcel, language, "socketio", True, NOW)
        recipient = parcel.recipient
        assert mask_phone(recipient.phone) in reply
        assert to_traditional(mask_address(recipient.address)) in reply \
            or mask_address(recipient.address) in reply
        assert recipient.phone not in reply
        assert recipient.name not in reply and to_traditional(recipient.name) not in reply
        assert STREET.search(recipient.address).group(2) not in reply


@pytest.mark.parametrize("phone, masked", [
    ("13812345678", "138****5678"),
    ("19939934183", "199****4183"),
    ("12345", "*****"),
])
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


@pytest.mark.parametrize("name, masked", [
    ("张伟", "张*"),
    ("欧阳娜娜", "欧***"),
    ("王", "王*"),
    ("John Smith", "J***"),
    ("Al", "A***"),
    ("", ""),
])
def test_mask_name(name, masked):
    assert mask_name(name) == masked


@pytest.mark.parametrize("address, masked", [
    ("浙江省杭州市西湖区文三路123号4幢1203室", "浙江省杭州市西湖区****"),
    ("上海市浦东新区张杨路88号2幢501室", "上海市浦东新区****"),
    ("广西壮族自治区南宁市青秀区民族大道100号", "广西壮族自治区南宁市青秀区****"),
    ("江苏省苏州市昆山市前进中路8号", "江苏省苏州市昆山市****"),
    ("上海市阳光小区5号楼", "上海市****"),
    ("北京市朝阳区", "北京市朝阳区"),
    ("12 Main Street, Springfield", "****"),
])
def test_mask_address(address, masked):
    assert mask_address(address) == masked


@pytest.mark.parametrize("channel", TEXT_CHANNELS)
@pytest.mark.parametrize(
    "language, line", [("zh-Hans", ZH_TIMELINE_LINE), ("en", EN_TIMELINE_LINE)]
)
def test_text_reply_has_a_compact_timeline_newest_first(channel, language, line):
    for parcel in PARCELS:
        reply = describe_parcel(parcel, language, channel, False, NOW)
        stamps = line.findall(reply)
        assert len(stamps) == min(5, len(parcel.events))
        newest_first = sorted(parcel.events, key=lambda event: event.time, reverse=True)
        if language == "en":
            expected = [f"{event.time.day} {event.time:%b %H:%M}" for event in newest_first[:5]]
        else:
            expected = [f"{event.time:%m-%d %H:%M}" for event in newest_first[:5]]
        assert stamps == expected


def test_timeline_line_shows_time_place_and_what_happened():
    reply = describe_parcel(HAND_MADE, "zh-Hans", "socketio", False, NOW)
    lines = ZH_TIMELINE_LINE.findall(reply)
    assert lines == ["11-22 14:05", "11-20 09:00"]
    assert "\n11-22 14:05 上海浦东转运中心 运输中\n11-20 09:00 杭州西湖营业部 已下单，等待揽收" in reply


@pytest.mark.parametrize("language", LANGUAGES)
def test_voice_reply_is_spoken_sentences_only(language):
    for parcel in PARCELS:
        for verified in (False, True):
            reply = describe_parcel(parcel, language, "ivr", verified, NOW)
            assert "\n" not in reply
            assert not re.search(r"\d\d-\d\d \d\d:\d\d|\d{1,2} [A-Z][a-z]{2} \d\d:\d\d", reply)
            assert not set(reply) & set("|-–—•·*()（）[]<>/\\#")
            assert parcel.tracking_number not in reply


@pytest.mark.parametrize("language, ending", [
    ("zh-Hans", "尾号 0 0 4 2"), ("zh-Hant", "尾號 0 0 4 2"), ("en", "ending in 0 0 4 2"),
])
def test_voice_names_the_parcel_by_its_last_digits(language, ending):
    assert ending in describe_parcel(HAND_MADE, language, "ivr", False, NOW)


@pytest.mark.parametrize("scanned, zh, en", [
    ((11, 23, 14, 5), "今天下午两点零五分", "today at 2:05 pm"),
    ((11, 22, 0, 30), "昨天凌晨零点三十分", "yesterday at 12:30 am"),
    ((11, 20, 12, 0), "11月20日中午十二点", "on 20 Nov at 12 pm"),
    ((11, 20, 21, 10), "11月20日晚上九点十分", "on 20 Nov at 9:10 pm"),
    ((11, 19, 8, 47), "11月19日上午八点四十七分", "on 19 Nov at 8:47 am"),
])
def test_voice_says_the_last_scan_time_naturally(scanned, zh, en):
    parcel = dataclasses.replace(HAND_MADE, events=[scan(scanned)])
    evening = datetime(2026, 11, 23, 18, 0, tzinfo=SHANGHAI)
    assert f"最新一次扫描是{zh}，地点是上海浦东转运中心。" in describe_parcel(
        parcel, "zh-Hans", "ivr", False, evening)
    assert f"The latest scan was {en}." in describe_parcel(parcel, "en", "ivr", False, evening)


def listed(count: int) -> List[Parcel]:
    return [
        dataclasses.replace(HAND_MADE, tracking_number=f"KD2026112000{index:02d}")
        for index in range(1, count + 1)
    ]


@pytest.mark.parametrize("channel", TEXT_CHANNELS)
def test_parcel_list_shows_five_numbers_in_full_and_counts_the_rest(channel):
    parcels = listed(7)
    reply = describe_parcel_list(parcels, "zh-Hans", channel)
    assert reply.startswith("找到 7 个包裹：\n")
    for index, parcel in enumerate(parcels[:5], start=1):
        assert f"\n{index}. {parcel.tracking_number}：运输中，最近扫描 11月22日。" in reply
    assert parcels[5].tracking_number not in reply
    assert "6. " not in reply
    assert "还有 2 个包裹没有列出。" in reply


def test_parcel_list_in_english_and_traditional():
    english = describe_parcel_list(listed(6), "en", "socketio")
    assert english.startswith("I found 6 parcels:")
    assert "1. KD202611200001: on its way, last scan on 22 Nov." in english
    assert "There is 1 more." in english
    traditional = describe_parcel_list(listed(2), "zh-Hant", "socketio")
    assert "1. KD202611200001：運輸中，最近掃描 11月22日。" in traditional
    assert "還有" not in traditional


def test_single_parcel_list_is_singular_without_more():
    reply = describe_parcel_list(listed(1), "en", "app")
    assert reply.startswith("I found 1 parcel:")
    assert "more" not in reply


def test_parcel_list_by_voice_is_spoken():
    reply = describe_parcel_list(listed(7), "zh-Hans", "ivr")
    assert "\n" not in reply
    assert "第 1 个，尾号 0 0 0 1：运输中" in reply
    assert "KD202611200001" not in reply
    assert "第 6 个" not in reply


@pytest.mark.parametrize("language, empty", [
    ("zh-Hans", "这个手机号下没有查到包裹"), ("zh-Hant", "這個手機號下沒有查到包裹"),
    ("en", "I found no parcels for this phone number"),
])
def test_empty_parcel_list(language, empty):
    assert empty in describe_parcel_list([], language, "socketio")


@pytest.mark.parametrize("language, name", [
    ("zh-Hans", "顺丰速运"), ("zh-Hant", "順豐速運"), ("en", "SF Express"),
])
def test_other_carrier_names_carrier_website_and_hotline(language, name):
    waybill = find_waybills("SF1234567890123")[0]
    reply = describe_other_carrier(waybill, language)
    assert name in reply
    assert "sf-express.com" in reply
    assert "95338" in reply
    assert "SF1234567890123" in reply


def test_other_carrier_in_simplified_reads_as_promised():
    waybill = find_waybills("SF1234567890123")[0]
    assert describe_other_carrier(waybill, "zh-Hans") == (
        "这个单号看起来是顺丰速运的（SF1234567890123），我们查不到其他快递公司的件。"
        "您可以在顺丰速运官网 sf-express.com 或拨打 95338 查询。"
    )


def test_other_carrier_without_a_website_gives_the_hotline_only():
    carrier = Carrier("x", "某某快递", "X Express", "95000", None, r"X\d{10}")
    reply = describe_other_carrier(Waybill("X1234567890", carrier, 0, 11), "en")
    assert "call 95000" in reply
    assert "None" not in reply and " on " not in reply


@pytest.mark.parametrize("language, causes", [
    ("zh-Hans", ("没有查到运单号 KD209912310001", "几个小时", "核对", "其他快递公司", "转人工客服")),
    ("zh-Hant", ("沒有查到運單號 KD209912310001", "幾個小時", "核對", "其他快遞公司", "轉人工客服")),
    ("en", ("couldn't find tracking number KD209912310001", "few hours", "typo",
            "another courier", "agent")),
])
def test_unknown_number_gives_the_causes_and_what_to_do(language, causes):
    reply = describe_unknown_number("KD209912310001", language)
    for cause in causes:
        assert cause in reply


def test_unknown_number_in_traditional_has_no_simplified_characters():
    reply = describe_unknown_number("KD209912310001", "zh-Hant")
    assert not simplified_only("没有查到运单号几个小时其他快递公司") & set(reply)


@pytest.mark.parametrize("language, format_words", [
    ("zh-Hans", ("运单号是 KD 加 12 位数字", "快递面单")),
    ("zh-Hant", ("運單號是 KD 加 12 位數字", "快遞面單")),
    ("en", ("KD followed by 12 digits", "shipping label")),
])
def test_number_format_in_text(language, format_words):
    reply = explain_number_format(language, "socketio")
    for words in format_words:
        assert words in reply
    assert "KD202611230001" in reply


@pytest.mark.parametrize("language, spelled", [
    ("zh-Hans", "字母 K D 加 12 位数字"), ("zh-Hant", "字母 K D 加 12 位數字"),
    ("en", "the letters K D followed by 12 digits"),
])
def test_number_format_by_voice_spells_the_letters_without_an_example(language, spelled):
    reply = explain_number_format(language, "ivr")
    assert spelled in reply
    assert "KD2026" not in reply
