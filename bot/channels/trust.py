"""What a channel vouches for about a message, for the action server to believe.

Message metadata comes from the client, so the action server believes only what the
channel itself puts under `TRUST_KEY`: the front end the message came through and
whether that front end, by its credential, marked the customer VIP. Whatever a client
sent under the same key is dropped first. actions/handoff.py reads it (the key is named
again in handoff/triggers.yml, `vip.metadata_key`).
"""
from typing import Any, Dict, Optional

TRUST_KEY = "trusted"


def vouched(metadata: Optional[Dict[str, Any]], front_end: str, vip: bool) -> Dict[str, Any]:
    """`metadata` without anything the client claimed under TRUST_KEY, plus what the
    channel vouches for."""
    kept = {key: value for key, value in (metadata or {}).items() if key != TRUST_KEY}
    return {**kept, TRUST_KEY: {"front_end": front_end, "vip": vip}}
