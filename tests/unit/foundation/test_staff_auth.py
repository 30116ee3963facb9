"""Staff logins (foundation/staff/auth.py): passwords, tokens and the in-process login
throttle a service uses when it has no Redis."""
import asyncio

import pytest

from foundation.staff.auth import (
    LOCKOUT_SECONDS,
    MAX_FAILED_LOGINS,
    InvalidToken,
    LocalLoginThrottle,
    TokenSigner,
    User,
    hash_password,
    verify_password,
)


def test_a_password_is_checked_against_its_hash_and_nothing_else():
    stored = hash_password("s3cret-pass", iterations=1000)
    assert "s3cret-pass" not in stored
    assert verify_password("s3cret-pass", stored)
    assert not verify_password("s3cret-pas", stored)
    assert not verify_password("s3cret-pass", "not a hash")


def test_without_redis_failed_logins_are_counted_in_the_process():
    async def scenario():
        throttle = LocalLoginThrottle()
        for _ in range(MAX_FAILED_LOGINS - 1):
            assert await throttle.record_failure("ana") == 0
        assert await throttle.locked_for("ana") == 0
        assert await throttle.record_failure("ana") == LOCKOUT_SECONDS
        assert 0 < await throttle.locked_for("ana") <= LOCKOUT_SECONDS
        # Another name is not locked by ana's failures.
        assert await throttle.locked_for("bo") == 0

    asyncio.run(scenario())


def test_a_success_forgets_earlier_failures():
    async def scenario():
        throttle = LocalLoginThrottle()
        for _ in range(MAX_FAILED_LOGINS - 1):
            await throttle.record_failure("ana")
        await throttle.record_success("ana")
        assert await throttle.record_failure("ana") == 0

    asyncio.run(scenario())


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
