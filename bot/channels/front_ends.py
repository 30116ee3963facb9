"""The front ends allowed to post to the REST channel, each with its own bearer token.

A front end (an app back-end, the IVR) is known by its token alone: the token says
which front end it is, which channel its messages count as, and whether it may mark a
customer VIP. The request body says none of that. Configured in credentials.yml:

    front_ends:
      - name: app                 # conversation ids become "app:<sender>"
        token: ${REST_APP_TOKEN}  # sent as "Authorization: Bearer <token>"
        channel: app              # what the actions see as the input channel
        may_mark_vip: true        # its metadata {"vip": true} is believed
        callback_url: ${APP_CALLBACK_URL}        # optional: replies are POSTed there,
        callback_secret: ${APP_CALLBACK_SECRET}  # signed (delivery/targets.py)

An empty token switches that front end off.
"""
import hmac
import logging
import re
from dataclasses import dataclass
from typing import Any, List, Optional

from bot.channels.message_checks import MessageRejected
from delivery.targets import CallbackTarget, callback_target

logger = logging.getLogger(__name__)

# The channels the actions tell apart ("ivr" is spoken, the others are text).
KNOWN_CHANNELS = ("app", "ivr", "rest")
# Shorter tokens could be guessed by trying.
MIN_TOKEN_CHARS = 16
_NAME = re.compile(r"[a-z][a-z0-9_-]{0,31}")
_BEARER = re.compile(r"Bearer +(\S+)", re.IGNORECASE)
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="rest"'}


@dataclass(frozen=True)
class FrontEnd:
    name: str
    token: str
    channel: str
    may_mark_vip: bool
    # Where its replies and agents' messages are POSTed; None: in the HTTP answer.
    callback: Optional[CallbackTarget] = None


class FrontEnds:
    def __init__(self, front_ends: List[FrontEnd]) -> None:
        self.front_ends = front_ends

    @classmethod
    def from_config(cls, config: Any) -> "FrontEnds":
        """Checks the `front_ends` list of credentials.yml; a mistake stops the start."""
        if not isinstance(config, list) or not config:
            raise ValueError("The REST channel needs a list of front_ends in credentials.yml, "
                             "each with a name, a token, a channel and may_mark_vip.")
        front_ends = [_front_end(entry) for entry in config]
        names = [front_end.name for front_end in front_ends]
        if len(set(names)) != len(names):
            raise ValueError(f"REST front end names must differ: {names}.")
        tokens = [front_end.token for front_end in front_ends if front_end.token]
        if len(set(tokens)) != len(tokens):
            raise ValueError("Two REST front ends have the same token, so neither could be "
                             "told apart; give each its own.")
        for front_end in front_ends:
            if not front_end.token:
                logger.warning("REST front end %s has no token and is switched off.", front_end.name)
        return cls([front_end for front_end in front_ends if front_end.token])

    def authenticate(self, authorization: Optional[str]) -> FrontEnd:
        """The front end whose token the Authorization header carries; a 401 otherwise."""
        match = _BEARER.fullmatch((authorization or "").strip())
        if match is None:
            raise MessageRejected(
                "missing_credentials", 401,
                "Send the front end's token as the header 'Authorization: Bearer <token>'.",
                _CHALLENGE,
            )
        given = match.group(1).encode("utf-8")
        # Every token is compared, so the time taken does not tell which one was close.
        found = [f for f in self.front_ends if hmac.compare_digest(given, f.token.encode("utf-8"))]
        if not found:
            raise MessageRejected(
                "invalid_credentials", 401,
                "The token is not a known front end's; send your front end's token as "
                "'Authorization: Bearer <token>'.", _CHALLENGE,
            )
        return found[0]

    def named(self, name: str) -> Optional[FrontEnd]:
        return next((f for f in self.front_ends if f.name == name), None)


def _front_end(entry: Any) -> FrontEnd:
    if not isinstance(entry, dict):
        raise ValueError(f"A REST front end must be a mapping with name, token, channel and "
                         f"may_mark_vip, not {entry!r}.")
    name, token = entry.get("name"), entry.get("token") or ""
    channel, may_mark_vip = entry.get("channel"), entry.get("may_mark_vip")
    if not isinstance(name, str) or not _NAME.fullmatch(name):
        raise ValueError(f"REST front end name {name!r}: lower-case letters, digits, - or _, "
                         "at most 32, starting with a letter.")
    if channel not in KNOWN_CHANNELS:
        raise ValueError(f"REST front end {name}: channel must be one of {', '.join(KNOWN_CHANNELS)}.")
    if not isinstance(may_mark_vip, bool):
        raise ValueError(f"REST front end {name}: may_mark_vip must be true or false.")
    if not isinstance(token, str) or (token and len(token) < MIN_TOKEN_CHARS):
        raise ValueError(f"REST front end {name}: the token must be at least {MIN_TOKEN_CHARS} "
                         "random characters (or empty to switch the front end off).")
    return FrontEnd(name, token, channel, may_mark_vip, callback_target(name, entry))
