import pytest

from foundation.numbers import (
    CARRIERS,
    find_phone_numbers,
    find_return_numbers,
    find_waybills,
    find_waybills_in_speech,
    identify_carrier,
    is_return_number,
    looks_like_waybill_attempt,
    mask_long_numbers,
    normalise_waybill,
    spoken_digits_to_digits,
)

VALID_WAYBILLS = [
    ("KD202611230001", "KD202611230001", "ours"),
    ("kd 2026-1123-0002", "KD202611230002", "ours"),
    ("ＫＤ２０２６１１２３０００３", "KD202611230003", "ours"),
    ("SF123456789012", "SF123456789012", "sf"),
    ("sf 1234 5678 9012 3", "SF1234567890123", "sf"),
    ("ＳＦ１２３４－５６７８－９０１２", "SF123456789012", "sf"),
    ("730123456789", "730123456789", "zto"),
    ("7512 3456 7890 12", "75123456789012", "zto"),
    ("７６１２３４５６７８９０", "761234567890", "zto"),
    ("YT1234567890123", "YT1234567890123", "yto"),
    ("yt 1234-5678-90123", "YT1234567890123", "yto"),
    ("7712345678901", "7712345678901", "sto"),
    ("8812 3456 7890 123", "881234567890123", "sto"),
    ("5512345678901", "5512345678901", "sto"),
    ("3123456789012", "3123456789012", "yunda"),
    ("4612-3456-7890-123", "461234567890123", "yunda"),
    ("1123456789012", "1123456789012", "ems"),
    ("ea 123 456 789 cn", "EA123456789CN", "ems"),
    ("ＥＡ１２３４５６７８９ＣＮ", "EA123456789CN", "ems"),
    ("JD1234567890123", "JD1234567890123", "jd"),
    ("jdva12345678901", "JDVA12345678901", "jd"),
    ("JDX 1234 5678 9012", "JDX123456789012", "jd"),
    ("JT1234567890123", "JT1234567890123", "jt"),
    ("jt-1234-5678-90123", "JT1234567890123", "jt"),
    ("DPK123456789012", "DPK123456789012", "deppon"),
    ("5012345678", "5012345678", "deppon"),
]


@pytest.mark.parametrize("text, number, carrier_code", VALID_WAYBILLS)
def test_every_carrier_format_is_found_and_named(text, number, carrier_code):
    waybills = find_waybills(text)
    assert [(waybill.number, waybill.carrier.code) for waybill in waybills] == [
        (number, carrier_code)
    ]
    assert (waybills[0].start, waybills[0].end) == (0, len(text))


def test_every_carrier_has_valid_numbers_in_the_table():
    tested = {carrier_code for _, _, carrier_code in VALID_WAYBILLS}
    assert tested == {carrier.code for carrier in CARRIERS}


def test_carrier_codes_are_unique():
    codes = [carrier.code for carrier in CARRIERS]
    assert len(codes) == len(set(codes))


@pytest.mark.parametrize(
    "raw, number",
    [
        ("sf 1234-5678 9012", "SF123456789012"),
        ("ＳＦ１２３４　５６７８", "SF12345678"),
        ("kd202611230001", "KD202611230001"),
        ("7301 – 2345", "73012345"),
    ],
)
def test_waybill_is_normalised(raw, number):
    assert normalise_waybill(raw) == number


@pytest.mark.parametrize(
    "raw, carrier_code",
    [
        ("SF123456789012", "sf"),
        ("sf 1234 5678 9012", "sf"),
        ("13812345678", None),
        ("SF12345", None),
        ("20261123", None),
    ],
)
def test_carrier_is_identified_from_the_number_alone(raw, carrier_code):
    carrier = identify_carrier(raw)
    assert (carrier.code if carrier else None) == carrier_code


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            "两个单号 SF1234567890123 和 YT1234567890123",
            [("SF1234567890123", "sf"), ("YT1234567890123", "yto")],
        ),
        (
            "sf1234567890123, jt1234567890123 and 7301-2345-6789",
            [("SF1234567890123", "sf"), ("JT1234567890123", "jt"), ("730123456789", "zto")],
        ),
        (
            "SF1234567890123 YT1234567890123",
            [("SF1234567890123", "sf"), ("YT1234567890123", "yto")],
        ),
        (
            "7301 2345 6789 7512 3456 7890",
            [("730123456789", "zto"), ("751234567890", "zto")],
        ),
        (
            "KD202611230001\nJD1234567890123",
            [("KD202611230001", "ours"), ("JD1234567890123", "jd")],
        ),
    ],
)
def test_several_numbers_in_one_message(text, expected):
    assert [(waybill.number, waybill.carrier.code) for waybill in find_waybills(text)] == expected


@pytest.mark.parametrize(
    "text, number, start, end",
    [
        ("单号SF1234567890123到哪了", "SF1234567890123", 2, 17),
        ("我的快递单号是 7301 2345 6789，到哪了？", "730123456789", 8, 22),
        ("请查一下ｋｄ２０２６１１２３０００１的物流", "KD202611230001", 4, 18),
        ("Hi, where is my parcel SF 1234-5678-9012? Thanks", "SF123456789012", 23, 40),
        ("my tracking number is yt1234567890123.", "YT1234567890123", 22, 37),
        ("单号：EA123456789CN，电话13812345678", "EA123456789CN", 3, 16),
    ],
)
def test_offsets_point_at_the_number_as_written(text, number, start, end):
    waybills = find_waybills(text)
    assert [(waybill.number, waybill.start, waybill.end) for waybill in waybills] == [
        (number, start, end)
    ]
    assert normalise_waybill(text[start:end]) == number


@pytest.mark.parametrize(
    "text",
    [
        "13812345678",
        "我的电话 138 1234 5678",
        "call me on +86 138-1234-5678",
        "0086 13812345678",
        "电话１３８１２３４５６７８",
        # A phone number followed by more digits is still a phone number, not EMS.
        "13812345678 12",
        "2026-11-23 10:30",
        "2026年11月23日下的单",
        "付了 ¥1,234,567.89",
        "订单金额 12345678 元",
    ],
)
def test_phone_numbers_dates_and_amounts_are_not_waybills(text):
    assert find_waybills(text) == []


@pytest.mark.parametrize(
    "text, phones",
    [
        ("我的电话13812345678", ["13812345678"]),
        ("138 1234 5678", ["13812345678"]),
        ("138-1234-5678", ["13812345678"]),
        ("+86 138 1234 5678", ["13812345678"]),
        ("+8613812345678", ["13812345678"]),
        ("0086-13812345678", ["13812345678"]),
        ("电话：１３８１２３４５６７８", ["13812345678"]),
        ("13812345678 or 19987654321", ["13812345678", "19987654321"]),
        ("12812345678", []),
        ("138123456789", []),
        ("SF1234567890123", []),
    ],
)
def test_phone_numbers_are_found_and_normalised(text, phones):
    assert [phone.number for phone in find_phone_numbers(text)] == phones


@pytest.mark.parametrize(
    "text, converted",
    [
        ("我的单号是幺三五零二四六八九七一二", "我的单号是135024689712"),
        ("七三 零一 2345 六七八九", "730123456789"),
        ("单号两〇两六一一二三", "单号20261123"),
        ("○○幺两", "0012"),
        ("等一下", "等一下"),
        ("两天就到", "两天就到"),
        ("三个包裹", "三个包裹"),
        ("一二三", "一二三"),
        ("一件两件", "一件两件"),
        ("7301 2345", "7301 2345"),
        # A typed number, then a word starting with a digit.
        ("SF1234 5678 9012 三天没动了", "SF1234 5678 9012 三天没动了"),
        ("13812345678 一下", "13812345678 一下"),
    ],
)
def test_chinese_spoken_digits(text, converted):
    assert spoken_digits_to_digits(text) == converted


@pytest.mark.parametrize(
    "text, converted",
    [
        ("five oh one two", "5012"),
        ("double four triple six", "44666"),
        ("ZERO One two THREE", "0123"),
        ("seven-three-zero-one, two three four five", "73012345"),
        ("one two three", "one two three"),
        ("Oh, one more thing", "Oh, one more thing"),
        ("someone gone for nine days", "someone gone for nine days"),
        ("SF one two three four five six seven eight nine zero one two", "SF123456789012"),
        (
            "my number is s f one two three double four five triple six seven eight nine",
            "my number is SF123445666789",
        ),
        ("it's a one two three four", "it's a 1234"),
        ("13812345678 one more thing", "13812345678 one more thing"),
        ("SF123456789012 two days late", "SF123456789012 two days late"),
    ],
)
def test_english_spoken_digits(text, converted):
    assert spoken_digits_to_digits(text) == converted


@pytest.mark.parametrize(
    "text, number, carrier_code",
    [
        ("我的单号是K D幺二三四五六七八九零一二", "KD123456789012", "ours"),
        ("中通 七三零一 二三四五 六七八九", "730123456789", "zto"),
        ("s f one two three four five six seven eight nine zero one two", "SF123456789012", "sf"),
        (
            "y t one two three four five six seven eight nine zero double one two",
            "YT1234567890112",
            "yto",
        ),
    ],
)
def test_waybill_is_found_in_speech(text, number, carrier_code):
    converted = spoken_digits_to_digits(text)
    waybills = find_waybills_in_speech(text)
    assert [(waybill.number, waybill.carrier.code) for waybill in waybills] == [
        (number, carrier_code)
    ]
    # Offsets refer to the converted text.
    assert normalise_waybill(converted[waybills[0].start : waybills[0].end]) == number


def test_spoken_digits_are_not_converted_by_find_waybills():
    assert find_waybills("我的单号是K D幺二三四五六七八九零一二") == []


@pytest.mark.parametrize(
    "text",
    [
        "SF12345",
        "我的单号是1234567",
        "XY1234567890123",
        "KD12345678901",
        "单号 7301 2345 678",
        "yt-123-456",
        "我的电话13812345678，单号SF123",
    ],
)
def test_invalid_attempts_are_recognised(text):
    assert find_waybills(text) == []
    assert looks_like_waybill_attempt(text)


@pytest.mark.parametrize(
    "text",
    [
        "我的快递到哪了",
        "我的电话是13812345678",
        "SF1234567890123",
        "2026-11-23 发的货",
        "明天下午3点",
        "where is my parcel",
    ],
)
def test_no_attempt_without_a_number_or_with_a_valid_one(text):
    assert not looks_like_waybill_attempt(text)


@pytest.mark.parametrize(
    "text, numbers",
    [
        ("RT0000000042", ["RT0000000042"]),
        ("退货单 rt-0000000042 怎么样了", ["RT0000000042"]),
        ("ＲＴ００００００００４２", ["RT0000000042"]),
        ("RT0000000001 和 RT0000000002", ["RT0000000001", "RT0000000002"]),
        ("RT000000004", []),  # nine digits
        ("RT00000000421", []),  # eleven
        ("SRT0000000042", []),
    ],
)
def test_return_numbers_are_found_normalised(text, numbers):
    assert [found.number for found in find_return_numbers(text)] == numbers


@pytest.mark.parametrize("text", ["RT 0000000042", "退货单号 RT0000000042", "RT-4000000042"])
def test_a_return_number_is_never_read_as_a_waybill(text):
    # The ten digits alone look like a Deppon number.
    assert find_waybills(text) == []
    assert not looks_like_waybill_attempt(text)


def test_only_the_plain_form_is_a_return_number():
    assert is_return_number("RT0000000042")
    assert not is_return_number("rt0000000042")
    assert not is_return_number("RT 0000000042")


@pytest.mark.parametrize(
    "text, masked",
    [
        ("单号 KD202611230001 三天没动了", "单号 KD000000000000 三天没动了"),
        ("手机号13812345678", "手机号00000000000"),
        ("138 1234 5678 的快递", "000 0000 0000 的快递"),
        ("退货单 RT0000000042 的退款呢", "退货单 RT0000000000 的退款呢"),
        ("订单号: 2026112312345678 金额: 129.00", "订单号: 0000000000000000 金额: 129.00"),
    ],
)
def test_long_numbers_are_masked_in_place(text, masked):
    assert mask_long_numbers(text) == masked
    assert len(mask_long_numbers(text)) == len(text)


@pytest.mark.parametrize(
    "text", ["2026-11-23 发的货", "明天下午3点", "保价 5000 元", "12345 到了吗", "where is my parcel"]
)
def test_dates_prices_and_short_numbers_are_not_masked(text):
    assert mask_long_numbers(text) == text


def test_two_numbers_of_a_kind_are_masked_alike():
    assert mask_long_numbers("SF123456789012") == mask_long_numbers("SF987654321098")
