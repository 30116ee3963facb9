"""The environment the launcher hands to every process (foundation/settings.py)."""
import stat

import pytest

from foundation.secrets import secrets_dir
from foundation.settings import SHARED_SECRETS, Settings
from foundation.staff.auth import TokenSigner, User

REDIS_URL = "redis://:redis-pw@127.0.0.1:6390/2"


@pytest.fixture(autouse=True)
def no_secrets_in_the_environment(monkeypatch):
    for name in SHARED_SECRETS:
        monkeypatch.delenv(name, raising=False)


def test_a_restart_keeps_every_shared_secret(tmp_path):
    before = Settings(redis_url=REDIS_URL, var_dir=tmp_path).process_environment()
    after = Settings(redis_url=REDIS_URL, var_dir=tmp_path).process_environment()
    assert {n: before[n] for n in SHARED_SECRETS} == {n: after[n] for n in SHARED_SECRETS}
    assert len({before[n] for n in SHARED_SECRETS}) == len(SHARED_SECRETS)
    for name in SHARED_SECRETS:
        assert stat.S_IMODE((secrets_dir(tmp_path) / name).stat().st_mode) == 0o600


def test_a_console_login_survives_a_restart_and_works_on_a_second_instance(tmp_path):
    ana = User("ana", "Ana Li", "agent", "unused")
    first = Settings(redis_url=REDIS_URL, var_dir=tmp_path).process_environment()
    token, _ = TokenSigner(first["HANDOFF_SECRET"]).issue(ana, now=1000.0)
    second = Settings(redis_url=REDIS_URL, var_dir=tmp_path).process_environment()
    assert TokenSigner(second["HANDOFF_SECRET"]).verify(token, now=1001.0).user_id == "ana"


def test_a_secret_set_in_the_environment_wins_and_is_not_written(tmp_path, monkeypatch):
    monkeypatch.setenv("REST_IVR_TOKEN", "from-the-operator")
    settings = Settings(redis_url=REDIS_URL, var_dir=tmp_path)
    assert settings.process_environment()["REST_IVR_TOKEN"] == "from-the-operator"
    assert not (secrets_dir(tmp_path) / "REST_IVR_TOKEN").exists()
    assert settings.secret_place("REST_IVR_TOKEN") == "$REST_IVR_TOKEN"
    assert settings.secret_place("REST_APP_TOKEN") == str(secrets_dir(tmp_path) / "REST_APP_TOKEN")


def test_the_redis_password_reaches_every_process(tmp_path):
    environment = Settings(redis_url=REDIS_URL, var_dir=tmp_path).process_environment()
    # The lock store, socket.io, the event stream, handoff, knowledge and actions.
    assert environment["REDIS_URL"] == REDIS_URL
