"""The trained model, loaded in-process, understands customers in all three scripts."""
import asyncio

import pytest


def parse(agent, text):
    return asyncio.run(agent.parse_message(text))


@pytest.mark.parametrize(
    "text, intent",
    [
        ("你好", "greet"),
        ("我的快递到哪了", "track_parcel"),
        ("我要退货", "request_return"),
        ("我的退款什么时候到账", "check_return_status"),
        ("转人工", "request_human"),
        ("快递被摔坏了，我要投诉", "complain"),
        ("运费怎么算", "ask_faq"),
        ("今天天气怎么样", "out_of_scope"),
        ("謝謝", "thank"),
        ("我的包裹還沒到，幫我查一下", "track_parcel"),
        ("我要退貨", "request_return"),
        ("轉人工客服", "request_human"),
        ("hello", "greet"),
        ("where is my package", "track_parcel"),
        ("I want to return this", "request_return"),
        ("talk to an agent", "request_human"),
        ("how much does shipping cost", "ask_faq"),
        ("tell me a joke", "out_of_scope"),
    ],
)
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
