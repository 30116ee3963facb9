"""GET /api/supervisor/today: the business day of the tests' fixed clock, from a seeded
case archive and a live queue on real Redis, over HTTP from the handoff service as a
process (tests/supervisor_today_seed.py)."""
import pytest
import requests

from services import password
from supervisor_today_seed import EXPECTED, start_today_service


@pytest.fixture(scope="module")
def service(redis_url, tmp_path_factory):
    running = start_today_service(tmp_path_factory.mktemp("supervisor-today"), redis_url)
    yield running
    running.stop()


def token(service, user: str) -> str:
    reply = requests.post(f"{service.url}/api/login", json={"user": user, "password": password(user)}, timeout=30)
    assert reply.status_code == 200, reply.text
    return reply.json()["token"]


def today(service, bearer: str = ""):
    headers = {"Authorization": f"Bearer {bearer}"} if bearer else {}
    return requests.get(f"{service.url}/api/supervisor/today", headers=headers, timeout=30)


def test_only_a_signed_in_supervisor_sees_today_s_figures(service):
    assert today(service).status_code == 401
    assert today(service, "not-a-token").status_code == 401
    reply = today(service, token(service, "ana"))
    assert reply.status_code == 403 and reply.json()["error"] == "forbidden"


def test_today_s_figures_add_up_the_archive_of_the_day_and_the_queue_now(service):
    reply = today(service, token(service, "chen"))
    assert reply.status_code == 200, reply.text
    figures = reply.json()
    assert {name: figures[name] for name in EXPECTED} == pytest.approx(EXPECTED)
    assert figures["service_level_seconds"] == 20
