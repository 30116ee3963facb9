"""The embedded Redis (commands/redis_server.py) lets in only the assistant's processes:
every other local user would otherwise write to the lock store, the socket.io bus and
the handoff queue that the services trust."""
import stat
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import redis

from commands.redis_server import start_embedded_redis, start_local_redis
from foundation.secrets import secrets_dir


@pytest.fixture
def server(tmp_path):
    started = start_local_redis(tmp_path)
    yield started
    started.stop()


def test_a_client_without_the_password_is_refused(server):
    address = urlsplit(server.url)
    stranger = redis.Redis(host=address.hostname, port=address.port)
    with pytest.raises(redis.AuthenticationError):
        stranger.set("courier:lock", "taken")
    with pytest.raises(redis.AuthenticationError):
        redis.Redis(host=address.hostname, port=address.port, password="guess").ping()
    # The URL every process of the assistant gets carries the password, and works.
    assert redis.Redis.from_url(server.url).ping()


def test_the_password_is_on_no_command_line(server):
    password = urlsplit(server.url).password
    command_line = Path(f"/proc/{server.process.pid}/cmdline").read_bytes()
    assert password.encode() not in command_line


def test_the_password_and_the_data_are_owner_only_and_reused_after_a_restart(tmp_path, server):
    kept = secrets_dir(tmp_path) / "REDIS_PASSWORD"
    assert stat.S_IMODE(kept.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "redis").stat().st_mode) == 0o700
    assert urlsplit(server.url).password == kept.read_text()
    server.stop()
    again = start_local_redis(tmp_path)
    try:
        assert urlsplit(again.url).password == kept.read_text()
        assert redis.Redis.from_url(again.url).ping()
    finally:
        again.stop()


def test_a_redis_started_without_a_kept_password_still_requires_one(tmp_path):
    server = start_embedded_redis(tmp_path / "redis")
    try:
        address = urlsplit(server.url)
        assert address.password
        with pytest.raises(redis.AuthenticationError):
            redis.Redis(host=address.hostname, port=address.port).ping()
    finally:
        server.stop()
