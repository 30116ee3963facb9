"""Web chat sessions the server issues and signs.

A web chat's conversation id is a random id the server picks; the widget keeps the
session token `<id>.<signature>` (HMAC of the id) and sends it back when it reconnects.
Only a token this server (or another with the same secret) issued names a conversation,
so knowing or guessing a conversation id is not enough to read it.
"""
import hashlib
import hmac
import re
import secrets
from typing import Optional, Tuple

# Shorter keys can be guessed offline from one token.
MIN_SECRET_CHARS = 16
_TOKEN = re.compile(r"([0-9a-f]{32})\.([0-9a-f]{64})")


class SessionSigner:
    def __init__(self, secret: str) -> None:
        if not isinstance(secret, str) or len(secret) < MIN_SECRET_CHARS:
            raise ValueError(
                "The socket.io channel needs session_secret (CHAT_SESSION_SECRET) of at "
                f"least {MIN_SECRET_CHARS} random characters, the same on every Rasa "
                "server; the launcher keeps one in var/secrets/CHAT_SESSION_SECRET."
            )
        self._key = secret.encode("utf-8")

    def issue(self) -> Tuple[str, str]:
        """A new conversation id and the token the widget keeps for it."""
        conversation_id = secrets.token_hex(16)
        return conversation_id, f"{conversation_id}.{self._sign(conversation_id)}"

    def conversation_of(self, token: object) -> Optional[str]:
        """The conversation id `token` was issued for; None for anything not issued here."""
        match = _TOKEN.fullmatch(token) if isinstance(token, str) else None
        if match is None:
            return None
        conversation_id, signature = match.groups()
        if not hmac.compare_digest(signature, self._sign(conversation_id)):
            return None
        return conversation_id

    def _sign(self, conversation_id: str) -> str:
        return hmac.new(self._key, f"chat-session:{conversation_id}".encode(), hashlib.sha256).hexdigest()
