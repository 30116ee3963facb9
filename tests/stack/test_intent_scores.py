"""The intent scores computed from the features directly (bot/intent_scores.py) are
Rasa's own: the same intents, ranking and confidences, on the trained model."""
import asyncio

import pytest
from rasa.core.agent import Agent
from rasa.nlu.classifiers.logistic_regression_classifier import LogisticRegressionClassifier

from bot import intent_scores

MESSAGES = [
    "你好", "我的快递到哪了", "KD202611230001", "三天了还没到，这什么速度？", "这件衣服还能退吗",
    "退款什么时候到账", "转人工", "運費怎麼算", "where is my parcle", "tell me a joke",
    "asdfgh 1234", "在吗在吗在吗", "13812345678", "订单号: 88812 金额: 59.00 下单时间: 2026-11-11 我要退货",
    "🙂", "can u send it to paris", "谢谢", "好的", "不用了",
]


@pytest.fixture(scope="module")
def agents(model_path):
    """Rasa's classifier, then (the graph binds a component's method when it loads) the
    direct scores, counting every message that falls back to Rasa's method."""
    rasa_agent = Agent.load(str(model_path))
    fallbacks = []
    rasa_process = intent_scores._rasa_process
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(LogisticRegressionClassifier, "process", intent_scores._process)
        patch.setattr(intent_scores, "_rasa_process",
                      lambda *args: fallbacks.append(args) or rasa_process(*args))
        yield rasa_agent, Agent.load(str(model_path)), fallbacks


def ranking(agent, text):
    parsed = asyncio.run(agent.parse_message(text))
    return parsed["intent"]["name"], [(row["name"], row["confidence"])
                                      for row in parsed["intent_ranking"]]


@pytest.mark.parametrize("text", MESSAGES)
def test_the_direct_scores_equal_rasas(agents, text):
    rasa_agent, direct_agent, fallbacks = agents
    want_intent, want = ranking(rasa_agent, text)
    intent, got = ranking(direct_agent, text)
    assert intent == want_intent
    assert [name for name, _ in got] == [name for name, _ in want]
    assert [confidence for _, confidence in got] == pytest.approx(
        [confidence for _, confidence in want], abs=1e-9)
    assert not fallbacks, "a message of a multinomial model takes the direct path"
