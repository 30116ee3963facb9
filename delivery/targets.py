"""Where each app back-end wants its messages: `callback_url` and `callback_secret` of
its entry in credentials.yml's REST section (bot/channels/front_ends.py):

    front_ends:
      - name: app
        ...
        callback_url: ${APP_CALLBACK_URL}       # empty: no callbacks, replies in the answer
        callback_secret: ${APP_CALLBACK_SECRET} # keys the signatures (foundation/signing.py)

The REST channel reads them from its credentials; the delivery worker and the agent
service, which are not Rasa, read the same file here.
"""
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional
from urllib.parse import urlsplit

import yaml

from foundation.settings import ROOT

REST_SECTION = "bot.channels.rest.CourierRestInput"
CREDENTIALS_FILE = ROOT / "credentials.yml"
# Shorter secrets could be guessed by trying.
MIN_SECRET_CHARS = 16
_VARIABLE = re.compile(r"\$\{(\w+)\}")


@dataclass(frozen=True)
class CallbackTarget:
    url: str
    secret: str


def callback_target(front_end: str, entry: Dict[str, Any]) -> Optional[CallbackTarget]:
    """The callback of a front end's credentials entry (values already filled in from
    the environment); None without a URL. A mistake raises ValueError, stopping the start."""
    url, secret = entry.get("callback_url") or "", entry.get("callback_secret") or ""
    if not url:
        return None
    if not isinstance(url, str) or urlsplit(url).scheme not in ("http", "https") \
            or not urlsplit(url).netloc:
        raise ValueError(f"REST front end {front_end}: callback_url must be an http(s) URL, "
                         f"not {url!r}.")
    if not isinstance(secret, str) or len(secret) < MIN_SECRET_CHARS:
        raise ValueError(f"REST front end {front_end}: a callback_url needs a callback_secret "
                         f"of at least {MIN_SECRET_CHARS} random characters.")
    return CallbackTarget(url, secret)


def load_targets(path: Path = CREDENTIALS_FILE) -> Dict[str, CallbackTarget]:
    """The front ends of `path`'s REST section that have a callback, by name."""
    section = (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get(REST_SECTION) or {}
    targets = {}
    for entry in section.get("front_ends") or []:
        filled = {key: _fill(value) for key, value in entry.items()}
        target = callback_target(filled.get("name", ""), filled)
        if target:
            targets[filled["name"]] = target
    return targets


def _fill(value: Any) -> Any:
    """`value` with ${NAME} replaced from the environment, as Rasa does; unset is empty."""
    if not isinstance(value, str):
        return value
    return _VARIABLE.sub(lambda match: os.environ.get(match.group(1), ""), value)
