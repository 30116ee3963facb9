"""The Rasa server's sequential graph runner (bot/graph_runner.py) understands and
decides exactly as Rasa's own dask runner does, on the trained model."""
import asyncio

import pytest
from rasa.core.agent import Agent
from rasa.core.channels.channel import UserMessage

from bot import graph_runner

MESSAGES = [
    "你好", "我的快递到哪了", "KD202611230001", "三天了还没到，这什么速度？", "这件衣服还能退吗",
    "退款什么时候到账", "转人工", "運費怎麼算", "where is my parcle", "tell me a joke",
    "asdfgh 1234",
]


@pytest.fixture(scope="module")
def agents(model_path, monkeypatch_module):
    dask_agent = Agent.load(str(model_path))
    monkeypatch_module.setattr("rasa.core.processor.DaskGraphRunner",
                               graph_runner.SequentialGraphRunner)
    sequential_agent = Agent.load(str(model_path))
    assert isinstance(sequential_agent.processor.graph_runner, graph_runner.SequentialGraphRunner)
    return dask_agent, sequential_agent


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as patch:
        yield patch


async def understand_and_decide(agent, text):
    parsed = await agent.parse_message(text)
    sender = f"runner-{text}"
    tracker = await agent.processor.log_message(UserMessage(text, sender_id=sender))
    prediction = agent.processor._predict_next_with_tracker(tracker)
    ranking = [(row["name"], round(row["confidence"], 6)) for row in parsed["intent_ranking"]]
    return (parsed["intent"]["name"], ranking, parsed["entities"],
            prediction.policy_name, max(prediction.probabilities))


@pytest.mark.parametrize("text", MESSAGES)
def test_sequential_runner_gives_what_dask_gives(agents, text):
    dask_agent, sequential_agent = agents
    expected = asyncio.run(understand_and_decide(dask_agent, text))
    assert asyncio.run(understand_and_decide(sequential_agent, text)) == expected


def test_a_missing_input_is_reported_as_rasa_reports_it(agents):
    from rasa.engine.exceptions import GraphRunError

    _, sequential_agent = agents
    with pytest.raises(GraphRunError):
        sequential_agent.processor.graph_runner.run(inputs={}, targets=["run_RegexMessageHandler"])
