"""Failed staff logins, counted per user name and client address and per address, so
a guesser locks out only themselves and is stopped before any password is hashed.

LoginThrottle counts in Redis, shared by every instance of a service; LocalLoginThrottle
keeps the same rule in the process, for a service running without Redis.
"""
import ipaddress
import math
import secrets
import time
from dataclasses import dataclass
from typing import Dict, Optional, Tuple

# Login throttling, per client address (see LoginThrottle): this many failed logins
# within the window, for one user name from one address or for any names from one
# address, lock that name there, or that address, for LOCKOUT_SECONDS.
MAX_FAILED_LOGINS = 5
MAX_FAILED_LOGINS_PER_ADDRESS = 20
FAILURE_WINDOW_SECONDS = 300
LOCKOUT_SECONDS = 300


@dataclass(frozen=True)
class LoginAttempt:
    """One login attempt as the throttle counted it."""

    user_id: str
    client: str  # the client's IP address
    mark: str  # tells this attempt apart in the counts, to take it back when it succeeds
    locked_for: int  # seconds until it may be tried again; 0: go ahead


def _counters(user_id: str, client: str) -> Tuple[Tuple[str, int], Tuple[str, int]]:
    """What an attempt counts against, each with its limit: this name from this
    address, and this address over all names. An address has no space in it, so the
    two never meet."""
    address = _address(client)
    return (f"{address} {user_id}", MAX_FAILED_LOGINS), (address, MAX_FAILED_LOGINS_PER_ADDRESS)


def _address(client: str) -> str:
    """An IPv6 client counts by its /64 network: one line usually gets a whole one, so
    its single addresses cost nothing to change."""
    try:
        ip = ipaddress.ip_address(client.strip("[]"))
    except ValueError:  # not an IP address (a proxy's odd header): as it is
        return client.replace(" ", "")
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    return str(ipaddress.ip_network(f"{ip}/64", strict=False))


class LoginThrottle:
    """Login attempts per user name from one client address and per address, in Redis
    so every service instance counts them.

    Whoever guesses passwords locks out only themselves: a user name is locked at the
    guesser's address, never where its owner works, and one address guessing many
    names is stopped too. Unknown names count like known ones, so the answers do not
    tell which names exist. An attempt counts from the moment it begins, before its
    password is hashed: a burst of parallel guesses cannot all reach the slow hash.
    A successful login takes its own attempt back and forgets the name's failures.

    Keys, a counter being "{address} {user}" or "{address}":
          {prefix}login:failures:{counter} ZSET of attempts by time,
          {prefix}login:locked:{counter}   STRING, set while the counter is locked out.
    """

    def __init__(self, client, prefix: str) -> None:
        self.redis = client
        self.prefix = prefix

    async def begin(self, user_id: str, client: str, now: Optional[float] = None) -> LoginAttempt:
        """Counts an attempt, unless the name at this address or the address is locked;
        the attempt's locked_for says whether it may go ahead."""
        now = time.time() if now is None else now
        counters = _counters(user_id, client)
        async with self.redis.pipeline(transaction=False) as pipe:
            for counter, _ in counters:
                pipe.ttl(self._key("locked", counter))
            locked = max(await pipe.execute())
        if locked > 0:
            return LoginAttempt(user_id, client, "", locked)
        mark = f"{now}:{secrets.token_hex(4)}"
        async with self.redis.pipeline(transaction=True) as pipe:
            for counter, _ in counters:
                attempts = self._key("failures", counter)
                pipe.zadd(attempts, {mark: now})
                pipe.zremrangebyscore(attempts, "-inf", now - FAILURE_WINDOW_SECONDS)
                pipe.zcard(attempts)
                pipe.expire(attempts, FAILURE_WINDOW_SECONDS)
            counts = (await pipe.execute())[2::4]
        over = [counter for (counter, limit), count in zip(counters, counts) if count > limit]
        for counter in over:
            await self.redis.set(self._key("locked", counter), 1, ex=LOCKOUT_SECONDS)
            await self.redis.delete(self._key("failures", counter))
        return LoginAttempt(user_id, client, mark, LOCKOUT_SECONDS if over else 0)

    async def succeeded(self, attempt: LoginAttempt) -> None:
        (name_here, _), (address, _) = _counters(attempt.user_id, attempt.client)
        async with self.redis.pipeline(transaction=True) as pipe:
            pipe.delete(self._key("failures", name_here))
            pipe.zrem(self._key("failures", address), attempt.mark)
            await pipe.execute()

    def _key(self, kind: str, counter: str) -> str:
        return f"{self.prefix}login:{kind}:{counter}"


class LocalLoginThrottle:
    """LoginThrottle's rules counted in this process, for when there is no Redis: a
    lost count at a restart is better than no limit at all."""

    def __init__(self) -> None:
        self._attempts: Dict[str, Dict[str, float]] = {}  # counter: {mark: time}
        self._locked_until: Dict[str, float] = {}

    async def begin(self, user_id: str, client: str, now: Optional[float] = None) -> LoginAttempt:
        now = time.time() if now is None else now
        self._forget(now)
        counters = _counters(user_id, client)
        locked = max(math.ceil(self._locked_until.get(counter, now) - now) for counter, _ in counters)
        if locked > 0:
            return LoginAttempt(user_id, client, "", locked)
        mark = secrets.token_hex(8)
        over = False
        for counter, limit in counters:
            attempts = self._attempts.setdefault(counter, {})
            attempts[mark] = now
            if len(attempts) > limit:
                del self._attempts[counter]
                self._locked_until[counter] = now + LOCKOUT_SECONDS
                over = True
        return LoginAttempt(user_id, client, mark, LOCKOUT_SECONDS if over else 0)

    async def succeeded(self, attempt: LoginAttempt) -> None:
        (name_here, _), (address, _) = _counters(attempt.user_id, attempt.client)
        self._attempts.pop(name_here, None)
        self._attempts.get(address, {}).pop(attempt.mark, None)

    def _forget(self, now: float) -> None:
        """Attempts older than the window and locks that ran out are dropped, so
        guessing many names fills nothing."""
        self._attempts = {
            counter: recent for counter, marks in self._attempts.items()
            if (recent := {mark: at for mark, at in marks.items() if at > now - FAILURE_WINDOW_SECONDS})
        }
        self._locked_until = {
            counter: until for counter, until in self._locked_until.items() if until > now
        }
