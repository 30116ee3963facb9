"""Staff logins (foundation/staff/auth.py and check_login in web.py): passwords,
tokens, and the login limits, here counted in the process as a service without Redis
does (the same rules on Redis: tests/stack/test_staff_security.py)."""
import asyncio
from types import SimpleNamespace

import pytest

from foundation.staff import web
from foundation.staff.auth import InvalidToken, TokenSigner, User, hash_password, verify_password
from foundation.staff.login_throttle import (
    FAILURE_WINDOW_SECONDS,
    LOCKOUT_SECONDS,
    LocalLoginThrottle,
    MAX_FAILED_LOGINS,
    MAX_FAILED_LOGINS_PER_ADDRESS,
)


def test_a_password_is_checked_against_its_hash_and_nothing_else():
    stored = hash_password("s3cret-pass", iterations=1000)
    assert "s3cret-pass" not in stored
    assert verify_password("s3cret-pass", stored)
    assert not verify_password("s3cret-pas", stored)
    assert not verify_password("s3cret-pass", "not a hash")


T0 = 1_800_000_000.0
HERE, THERE = "203.0.113.7", "198.51.100.20"


def test_five_bad_tries_lock_the_name_only_at_the_guessers_address():
    async def scenario():
        throttle = LocalLoginThrottle()
        for second in range(MAX_FAILED_LOGINS):
            assert (await throttle.begin("agent1", HERE, now=T0 + second)).locked_for == 0
        refused = await throttle.begin("agent1", HERE, now=T0 + 10)
        assert refused.locked_for == LOCKOUT_SECONDS
        assert (await throttle.begin("agent1", HERE, now=T0 + 11)).locked_for == LOCKOUT_SECONDS - 1
        # The agent, at their own desk, is not locked out; nor is another name here.
        assert (await throttle.begin("agent1", THERE, now=T0 + 12)).locked_for == 0
        assert (await throttle.begin("agent2", HERE, now=T0 + 12)).locked_for == 0
        # The lock runs out.
        assert (await throttle.begin("agent1", HERE, now=T0 + 10 + LOCKOUT_SECONDS)).locked_for == 0

    asyncio.run(scenario())


def test_guessing_many_names_from_one_address_locks_that_address():
    async def scenario():
        throttle = LocalLoginThrottle()
        for n in range(MAX_FAILED_LOGINS_PER_ADDRESS):
            assert (await throttle.begin(f"guess-{n}", HERE, now=T0 + n)).locked_for == 0
        assert (await throttle.begin("guess-x", HERE, now=T0 + 30)).locked_for == LOCKOUT_SECONDS
        # Even a name never tried from here, and a real user's, wait at this address.
        assert (await throttle.begin("agent1", HERE, now=T0 + 31)).locked_for > 0
        assert (await throttle.begin("agent1", THERE, now=T0 + 31)).locked_for == 0

    asyncio.run(scenario())


def test_an_ipv6_guesser_cannot_get_fresh_addresses_from_their_own_network():
    async def scenario():
        throttle = LocalLoginThrottle()
        for n in range(MAX_FAILED_LOGINS):
            assert (await throttle.begin("agent1", f"2001:db8:1:2::{n + 1:x}", now=T0 + n)).locked_for == 0
        assert (await throttle.begin("agent1", "2001:db8:1:2::ffff", now=T0 + 10)).locked_for > 0
        assert (await throttle.begin("agent1", "2001:db8:1:3::1", now=T0 + 10)).locked_for == 0

    asyncio.run(scenario())


def test_failures_older_than_the_window_are_forgotten():
    async def scenario():
        throttle = LocalLoginThrottle()
        for second in range(MAX_FAILED_LOGINS):
            await throttle.begin("agent1", HERE, now=T0 + second)
        later = T0 + MAX_FAILED_LOGINS + FAILURE_WINDOW_SECONDS
        assert (await throttle.begin("agent1", HERE, now=later)).locked_for == 0

    asyncio.run(scenario())


def test_a_success_forgets_the_names_failures_and_takes_its_own_attempt_back():
    async def scenario():
        throttle = LocalLoginThrottle()
        for n in range(MAX_FAILED_LOGINS - 1):
            await throttle.begin("ana", HERE, now=T0 + n)
        await throttle.succeeded(await throttle.begin("ana", HERE, now=T0 + 5))
        for n in range(MAX_FAILED_LOGINS):
            assert (await throttle.begin("ana", HERE, now=T0 + 10 + n)).locked_for == 0
        # A whole office logging in from one address never adds up to a lock.
        throttle = LocalLoginThrottle()
        for n in range(3 * MAX_FAILED_LOGINS_PER_ADDRESS):
            attempt = await throttle.begin(f"agent-{n}", HERE, now=T0 + n)
            assert attempt.locked_for == 0
            await throttle.succeeded(attempt)

    asyncio.run(scenario())


class Request:
    """What check_login reads of a Sanic request: the app's context and the peer."""

    def __init__(self, ctx, ip: str) -> None:
        self.app = SimpleNamespace(ctx=ctx)
        self.ip = ip
        self.remote_addr = ""  # no trusted proxy configured


@pytest.fixture
def login_context(monkeypatch):
    """A service's login context whose password hashing is counted."""
    hashed = []

    def counted_verify(password, password_hash):
        hashed.append(password)
        return verify_password(password, password_hash)

    monkeypatch.setattr(web, "verify_password", counted_verify)
    user = User(id="agent1", name="Agent One", role="agent", password_hash=hash_password("right", 1000))
    return SimpleNamespace(
        users={"agent1": user}, throttle=LocalLoginThrottle(),
        decoy_hash=hash_password("decoy", 1000), hashed=hashed,
    )


def test_five_bad_logins_for_an_agent_from_one_address_do_not_stop_them_logging_in_from_another(login_context):
    async def scenario():
        attacker, desk = Request(login_context, HERE), Request(login_context, THERE)
        for _ in range(MAX_FAILED_LOGINS):
            with pytest.raises(web.ApiError) as refused:
                await web.check_login(attacker, "agent1", "guess")
            assert refused.value.status == 401
        with pytest.raises(web.TooManyAttempts):
            await web.check_login(attacker, "agent1", "right")
        assert (await web.check_login(desk, "agent1", "right")).id == "agent1"

    asyncio.run(scenario())


def test_a_burst_of_guesses_from_one_address_is_stopped_before_the_passwords_are_hashed(login_context):
    async def guess(request, n):
        try:
            await web.check_login(request, f"nobody-{n}", "guess")
        except web.TooManyAttempts:
            return 429
        except web.ApiError as error:
            return error.status

    async def scenario():
        attacker = Request(login_context, HERE)
        # All at once: none has failed yet when the others begin.
        statuses = await asyncio.gather(*(guess(attacker, n) for n in range(100)))
        assert statuses.count(401) == MAX_FAILED_LOGINS_PER_ADDRESS
        assert statuses.count(429) == 100 - MAX_FAILED_LOGINS_PER_ADDRESS
        assert len(login_context.hashed) == MAX_FAILED_LOGINS_PER_ADDRESS

    asyncio.run(scenario())


def test_a_non_ascii_token_is_refused_as_invalid_not_an_error():
    signer = TokenSigner("key-one")
    for token in ("ключ", "ключ.ключ", "e30.签名"):
        with pytest.raises(InvalidToken):
            signer.verify(token, now=T0)


def test_a_token_names_its_user_until_it_expires_and_a_changed_one_is_refused():
    # A fixed clock: tokens must not depend on when the test runs.
    issued_at = 1_800_000_000.0
    signer = TokenSigner("key-one")
    user = User(id="ana", name="Ana", role="agent", password_hash="-")
    token, claims = signer.issue(user, now=issued_at)
    assert signer.verify(token, now=issued_at + 60) == claims
    assert (claims.user_id, claims.role) == ("ana", "agent")
    with pytest.raises(InvalidToken):
        signer.verify(token, now=claims.expires_at + 1)
    with pytest.raises(InvalidToken):
        TokenSigner("key-two").verify(token, now=issued_at)
    payload, _, signature = token.partition(".")
    forged = ("e" if payload[0] != "e" else "f") + payload[1:] + "." + signature
    with pytest.raises(InvalidToken):
        signer.verify(forged, now=issued_at)
