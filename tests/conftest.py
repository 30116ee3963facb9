"""Shared fixtures: the trained model, a real Redis and the running assistant."""
import os
import uuid
from pathlib import Path

import pytest

from bot.launcher import Stack
from bot.processes import free_port
from bot.redis_server import start_embedded_redis
from bot.settings import Settings
from bot.training import ensure_model
from demo_data import DemoData
from handoff.demo_users import HANDOFF_TEAM, KNOWLEDGE_TEAM, ensure_demo_users

# The courier's clock stands still on a fixed working day for the whole run, here and
# in the servers started below: seeded parcels, their numbers, return windows and pickup
# slots are the same on any date the tests run.
os.environ["COURIER_CLOCK"] = "2026-11-18T10:00:00+08:00"


@pytest.fixture(scope="session")
def model_path() -> Path:
    return ensure_model()


@pytest.fixture(scope="session")
def agent(model_path):
    from rasa.core.agent import Agent

    return Agent.load(str(model_path))


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """REDIS_URL when set (CI, production-like), else an embedded real Redis."""
    if os.environ.get("REDIS_URL"):
        yield os.environ["REDIS_URL"]
        return
    server = start_embedded_redis(tmp_path_factory.mktemp("redis"))
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def stack(model_path, redis_url, tmp_path_factory):
    """The real Rasa server and action server, as processes, on free ports."""
    var_dir = tmp_path_factory.mktemp("var")
    # The handoff queue of this test run only, open around the clock; with nobody
    # online unless a test registers an agent.
    os.environ["HANDOFF_KEY_PREFIX"] = f"test-{uuid.uuid4().hex[:8]}:handoff:"
    os.environ["HANDOFF_HOURS"] = "00:00-24:00"
    settings = Settings(
        rasa_port=free_port(),
        actions_port=free_port(),
        handoff_port=free_port(),
        knowledge_port=free_port(),
        redis_url=redis_url,
        database_url=f"sqlite:///{var_dir / 'rasa.db'}",
        var_dir=var_dir,
    )
    ensure_demo_users(settings.users_file, HANDOFF_TEAM)
    ensure_demo_users(settings.editors_file, KNOWLEDGE_TEAM)
    running = Stack(settings, model_path)
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="session")
def team(stack):
    """{user: password} of the handoff service's demo agents and supervisor."""
    return ensure_demo_users(stack.settings.users_file)


@pytest.fixture(scope="session")
def demo_data(stack):
    """The demo carrier of the running action server."""
    data = DemoData(stack.settings.var_dir / "carrier.db")
    yield data
    data.close()
