"""The trained model, loaded in-process, understands customers in all three scripts."""
import asyncio

import pytest


def parse(agent, text):
    return asyncio.run(agent.parse_message(text))


# The examples of the conversation contract, then Traditional and English variants.
CONTRACT_EXAMPLES = [
    ("你好", "greet"), ("在吗", "greet"), ("hello", "greet"),
    ("再见", "goodbye"), ("没事了", "goodbye"), ("bye", "goodbye"),
    ("谢谢", "thank"), ("多谢了", "thank"), ("thanks", "thank"),
    ("是的", "affirm"), ("对", "affirm"), ("好的", "affirm"), ("yes", "affirm"),
    ("不是", "deny"), ("不用了", "deny"), ("no", "deny"),
    ("我的快递到哪了", "track_parcel"), ("几时能送到", "track_parcel"),
    ("帮我催一下件", "track_parcel"), ("where is my package", "track_parcel"),
    ("我要退货", "request_return"), ("衣服不合适想换", "request_return"),
    ("怎么申请退货", "request_return"), ("I want to return this", "request_return"),
    ("我的退货到哪一步了", "check_return_status"), ("退款什么时候到账", "check_return_status"),
    ("where is my refund", "check_return_status"),
    ("转人工", "request_human"), ("人工客服", "request_human"),
    ("我要找真人", "request_human"), ("talk to an agent", "request_human"),
    ("快递被摔坏了", "complain"), ("显示签收了但我没收到", "complain"),
    ("快递员态度太差我要投诉", "complain"),
    ("运费怎么算", "ask_faq"), ("能寄电池吗", "ask_faq"), ("保价怎么收费", "ask_faq"),
    ("how much does shipping cost", "ask_faq"),
    ("今天天气怎么样", "out_of_scope"), ("给我讲个笑话", "out_of_scope"),
    ("帮我订机票", "out_of_scope"),
]
VARIANTS = [
    ("謝謝", "thank"),
    ("我的包裹還沒到，幫我查一下", "track_parcel"),
    ("我要退貨", "request_return"),
    ("轉人工客服", "request_human"),
    ("運費怎麼算", "ask_faq"),
    ("tell me a joke", "out_of_scope"),
]


@pytest.mark.parametrize("text, intent", CONTRACT_EXAMPLES + VARIANTS)
def test_intent(agent, text, intent):
    assert parse(agent, text)["intent"]["name"] == intent


@pytest.mark.parametrize(
    "text, language",
    [("我的快递到哪了", "zh-Hans"), ("我的快遞到哪了", "zh-Hant"), ("where is my parcel", "en")],
)
def test_language_entity_is_tagged(agent, text, language):
    entities = parse(agent, text)["entities"]
    assert {"entity": "language", "value": language} in [
        {"entity": e["entity"], "value": e["value"]} for e in entities
    ]


def test_full_width_input_is_understood(agent):
    assert parse(agent, "ＳＦ１２３４５６７８９０１２到哪了")["intent"]["name"] == "track_parcel"


@pytest.mark.parametrize(
    "text, entity, value",
    [
        ("sf 1234-5678 9012到哪了", "tracking_number", "SF123456789012"),
        ("我的快递 ＫＤ２０２６１１２３０００１ 怎么还没到", "tracking_number", "KD202611230001"),
        ("where is YT1234567890123", "tracking_number", "YT1234567890123"),
        ("单号是七三零幺二三四五六七八九两三", "tracking_number", "73012345678923"),
        ("我的手机号是 138 1234 5678", "phone_number", "13812345678"),
        # A word starting with a digit word after a typed number is no part of it.
        ("单号 SF1234 5678 9012 三天没动了", "tracking_number", "SF123456789012"),
        ("13812345678 one more thing, where is my parcel", "phone_number", "13812345678"),
        ("退货单 rt 0000000042 到哪一步了", "return_number", "RT0000000042"),
        ("return R T zero zero zero zero zero zero zero zero four two", "return_number",
         "RT0000000042"),
    ],
)
def test_numbers_are_extracted_normalised(agent, text, entity, value):
    entities = parse(agent, text)["entities"]
    assert {"entity": entity, "value": value} in [
        {"entity": e["entity"], "value": e["value"]} for e in entities
    ]


@pytest.mark.parametrize("text, intent", [
    ("good morning, where is my parcel", "track_parcel"), ("亲，在吗？我要退货 麻烦了", "request_return"),
    ("hello? can I talk to a real person please", "request_human"), ("好的 谢谢", "thank"),
])
def test_greetings_and_thanks_around_a_request_do_not_change_it(agent, text, intent):
    parsed = parse(agent, text)
    assert parsed["intent"]["name"] == intent
    assert parsed["text"] == text.replace("，", ",").replace("？", "?")


@pytest.mark.parametrize("text, intent", [
    ("订单编号：2026112312345678\n下单时间：2026-11-23 14:05:33\n实付款：¥129.00\n运费怎么算", "ask_faq"),
    ("【订单号】88231234567 这个还能退吗", "request_return"),
    ("Order ID: 402-1234567-7654321\nOrder date: 23 Nov 2026\nTotal: $29.99\nhow much is the shipping charge",
     "ask_faq"),
])
def test_pasted_order_data_does_not_make_a_question_a_tracking_request(agent, text, intent):
    # Before, the order data read as tracking, and Deppon's ten digits in the order id
    # as a waybill number.
    parsed = parse(agent, text)
    assert parsed["intent"]["name"] == intent
    assert "tracking_number" not in [e["entity"] for e in parsed["entities"]]


@pytest.mark.parametrize("text, intent", [
    ("WHERE IS MY PARCEL", "track_parcel"), ("I WANT TO RETURN THIS", "request_return"),
    ("HOW MUCH DOES SHIPPING COST", "ask_faq"), ("LET ME TALK TO A HUMAN", "request_human"),
])
def test_capitals_mean_what_small_letters_do(agent, text, intent):
    assert parse(agent, text)["intent"]["name"] == intent


@pytest.mark.parametrize("text, intent", [
    ("我的快递到哪了😡😡", "track_parcel"), ("😭 I want to return this", "request_return"),
    ("👍", "affirm"), ("🙏", "thank"),
])
def test_emoji_beside_words_do_not_change_them_and_alone_are_read(agent, text, intent):
    assert parse(agent, text)["intent"]["name"] == intent


def test_the_parse_result_keeps_the_numbers_the_classifiers_saw_masked(agent):
    parsed = parse(agent, "单号 SF1234 5678 9012 三天没动了 怎么回事")
    assert parsed["text"] == "单号 SF1234 5678 9012 三天没动了 怎么回事"
    assert parsed["intent"]["name"] == "track_parcel"


@pytest.mark.parametrize("text", ["RT0000000042", "ＲＴ００００００００４２", "RT0000000042 到哪了"])
def test_a_return_number_on_its_own_asks_after_the_return(agent, text):
    parsed = parse(agent, text)
    assert parsed["intent"]["name"] == "check_return_status"
    assert [e["entity"] for e in parsed["entities"] if e["entity"] != "language"] == ["return_number"]


@pytest.mark.parametrize("text", ["手机号 13812345678", "电话 13912345678", "phone 13812345678",
                                  "单号 KD202611230001", "waybill KD202611230001"])
def test_a_number_with_its_name_is_a_tracking_request(agent, text):
    assert parse(agent, text)["intent"]["name"] == "track_parcel"


@pytest.mark.parametrize("text", ["KD202611230001 怎么样了", "帮我看看 KD202611230001 现在什么情况"])
def test_a_parcel_number_without_a_word_of_a_return_is_tracked(agent, text):
    assert parse(agent, text)["intent"]["name"] == "track_parcel"


@pytest.mark.parametrize("text", ["KD202611230001 退货到哪一步了", "KD202611230001 refund status"])
def test_a_parcel_number_with_a_return_word_may_ask_after_the_return(agent, text):
    assert parse(agent, text)["intent"]["name"] == "check_return_status"


def test_a_refund_question_is_never_read_as_tracking(agent):
    assert parse(agent, "when does my refund arrive after I returned it")["intent"]["name"] != "track_parcel"


# "能退吗" about a booking, a ticket or a membership is another business's refund; about
# something bought and delivered it is a return (data/nlu/out_of_scope_services.yml).
@pytest.mark.parametrize("text, intent", [
    ("酒店订了能取消吗", "out_of_scope"), ("机票能退吗", "out_of_scope"),
    ("演唱会门票可以退吗", "out_of_scope"), ("電影票可以退嗎", "out_of_scope"),
    ("can I cancel my hotel booking", "out_of_scope"), ("refund my flight ticket", "out_of_scope"),
    ("这件衣服还能退吗", "request_return"), ("买的鞋不合适能退吗", "request_return"),
    ("耳机用了一次能换吗", "request_return"),
])
def test_a_refund_for_a_service_is_not_a_parcel_return(agent, text, intent):
    assert parse(agent, text)["intent"]["name"] == intent
