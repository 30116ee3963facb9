"""The asyncio Redis client every process uses, made to carry on by itself after Redis
restarts.

redis-py's asyncio pool hands out an idle connection without noticing that the server
closed it (a restart, a failover), so after a restart the first command on each idle
connection failed with "Connection closed by server": the first customer to ask for a
person was told the agents cannot be reached, the first conversation event after it
never reached the agents' live view. Here a connection idle for longer than
HEALTH_CHECK_SECONDS is PINGed before use and, when the PING fails, reconnected once.
The command itself is never sent twice: a Lua step run twice (a claim, a lock ticket)
is not harmless, so a command that fails is the caller's to report.
"""
from typing import Optional

import redis.asyncio as redis
from redis.asyncio.retry import Retry
from redis.backoff import NoBackoff

HEALTH_CHECK_SECONDS = 1.0


def connect(url: str, decode_responses: bool = True, timeout: Optional[float] = None) -> redis.Redis:
    """A client of `url`; `timeout` bounds each connect and reply (none by default)."""
    # With retry_on_error left empty, the one retry applies to the health check's PING
    # only (redis.asyncio.client.Redis._disconnect_raise), not to commands.
    return redis.Redis.from_url(
        url,
        decode_responses=decode_responses,
        health_check_interval=HEALTH_CHECK_SECONDS,
        retry=Retry(NoBackoff(), 1),
        socket_timeout=timeout,
        socket_connect_timeout=timeout,
    )
