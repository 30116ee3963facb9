"""Every shared fixture of the tests, and the markers that sort them.

Tests live by level, and their folder gives their marker:
  unit/<package>/  `unit`: no server, no trained model; runs in seconds (pytest -m unit)
  stack/           `stack`: a real Redis, SQL database, trained model or running stack
  browser/         `browser`: pages in Debian's chromium against the running services
A test that runs against PostgreSQL (the `postgresql` case of `database_url`) needs a
server, so it is a `stack` test wherever it lives.
"""
import os
import shutil
import uuid
from pathlib import Path

import pytest

from commands.redis_server import start_embedded_redis
from commands.training import ensure_model
from databases import postgres_schema, require_postgres, server_or_skip
from demo_data import DemoData
from services import start_stack
from handoff.demo_users import ensure_demo_users
from knowledge.store import KnowledgeStore

# The courier's clock stands still on a fixed working day for the whole run, here and
# in the servers started below: seeded parcels, their numbers, return windows and pickup
# slots are the same on any date the tests run.
os.environ["COURIER_CLOCK"] = "2026-11-18T10:00:00+08:00"

TESTS = Path(__file__).resolve().parent
LEVELS = ("unit", "stack", "browser")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
]


def pytest_configure(config):
    config.addinivalue_line("markers", "unit: no server and no trained model; runs in seconds")
    config.addinivalue_line("markers", "stack: needs a real Redis, SQL server, trained model or running stack")
    config.addinivalue_line("markers", "browser: drives a page in chromium")


def pytest_collection_modifyitems(config, items):
    levels = {}
    for item in items:
        level = Path(item.fspath).resolve().relative_to(TESTS).parts[0]
        if level not in LEVELS:
            raise pytest.UsageError(f"{item.nodeid}: tests live in tests/unit, tests/stack or tests/browser")
        levels[item] = LEVELS.index(level)
        if level == "unit" and getattr(item, "callspec", None) and "postgresql" in item.callspec.params.values():
            level = "stack"
        item.add_marker(level)
    # Fast feedback first: unit, then stack, then browser (the order is stable within a level).
    items.sort(key=levels.__getitem__)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """A fresh, empty database: a SQLite file, or a PostgreSQL schema of its own (so
    parallel runs and earlier runs never meet)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    require_postgres()
    with postgres_schema() as url:
        yield url


@pytest.fixture
def store(database_url):
    """An empty knowledge store."""
    opened = KnowledgeStore(database_url)
    yield opened
    opened.close()


@pytest.fixture
def seeded(store):
    """The knowledge store with the seed articles published."""
    store.ensure_seeded()
    return store


# Per module: Playwright's sync API runs an event loop in this thread while it is open,
# and tests after it that call asyncio.run() need the thread free again.
@pytest.fixture(scope="module")
def browser():
    server_or_skip(f"chromium ({CHROMIUM}; apt-get install chromium)", os.path.exists(CHROMIUM))
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


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
    running = start_stack(model_path, redis_url, var_dir)
    try:
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
