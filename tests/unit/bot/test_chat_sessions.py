"""Web chat sessions: only a token the server issued names a conversation."""
import pytest

from bot.channels.chat_sessions import SessionSigner

SECRET = "a-secret-of-enough-length-for-tests"


@pytest.fixture
def signer():
    return SessionSigner(SECRET)


def test_an_issued_token_names_its_conversation_on_every_server_with_the_secret(signer):
    conversation_id, token = signer.issue()
    assert signer.conversation_of(token) == conversation_id
    assert SessionSigner(SECRET).conversation_of(token) == conversation_id  # another instance


def test_each_session_gets_a_fresh_conversation(signer):
    assert signer.issue()[0] != signer.issue()[0]


def test_a_guessed_or_known_conversation_id_is_not_a_session(signer):
    conversation_id, token = signer.issue()
    assert signer.conversation_of(conversation_id) is None


def test_a_forged_signature_is_not_a_session(signer):
    conversation_id, token = signer.issue()
    flipped = token[:-1] + ("0" if token[-1] != "0" else "1")
    assert signer.conversation_of(flipped) is None
    assert signer.conversation_of(f"{conversation_id}.{'0' * 64}") is None


def test_a_token_signed_with_another_secret_is_not_a_session(signer):
    _, token = SessionSigner("another-secret-of-enough-length").issue()
    assert signer.conversation_of(token) is None


@pytest.mark.parametrize("token", [None, "", 42, {"id": "x"}, "x" * 10_000, "../room",
                                   "ABCDEF0123456789ABCDEF0123456789." + "0" * 64])
def test_malformed_tokens_are_not_sessions(signer, token):
    assert signer.conversation_of(token) is None


@pytest.mark.parametrize("secret", [None, "", "short"])
def test_the_channel_refuses_to_start_without_a_real_secret(secret):
    with pytest.raises(ValueError, match="CHAT_SESSION_SECRET"):
        SessionSigner(secret)
