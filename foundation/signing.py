"""Signatures of the callbacks the assistant POSTs to app back-ends (delivery/).

A callback carries three headers:

  X-Courier-Delivery   the delivery id: the same on every retry of one message, so a
                       receiver that remembers the ids it processed drops repeats
  X-Courier-Timestamp  Unix seconds when this attempt was signed
  X-Courier-Signature  "v1=" + hex HMAC-SHA256, keyed with the front end's callback
                       secret, over "<timestamp>.<raw body>"

A receiver recomputes the signature over the raw body it got, compares in constant
time, and refuses a timestamp older than a few minutes (a replayed request); the
delivery id tells retries of a message it already has. The sender, the tests' receiver
and the README's example all use `sign`/`verify` below, so they cannot disagree.
"""
import hashlib
import hmac
from typing import Dict, Mapping

DELIVERY_HEADER = "X-Courier-Delivery"
TIMESTAMP_HEADER = "X-Courier-Timestamp"
SIGNATURE_HEADER = "X-Courier-Signature"
# How old a signed timestamp a receiver accepts; older ones may be replays.
DEFAULT_TOLERANCE_SECONDS = 300
_VERSION = "v1="


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value for `body` signed at `timestamp`."""
    signed = str(timestamp).encode("ascii") + b"." + body
    return _VERSION + hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()


def signed_headers(secret: str, delivery_id: str, timestamp: int, body: bytes) -> Dict[str, str]:
    """The headers of one callback attempt."""
    return {
        "Content-Type": "application/json",
        DELIVERY_HEADER: delivery_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }


def verify(secret: str, headers: Mapping[str, str], body: bytes, now: float,
           tolerance: float = DEFAULT_TOLERANCE_SECONDS) -> bool:
    """Whether `body` with `headers` (as received, case as sent) was signed with
    `secret` no longer than `tolerance` seconds before `now`."""
    lowered = {key.lower(): value for key, value in headers.items()}
    timestamp = lowered.get(TIMESTAMP_HEADER.lower(), "")
    signature = lowered.get(SIGNATURE_HEADER.lower(), "")
    if not timestamp.isdigit() or abs(now - int(timestamp)) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, int(timestamp), body), signature)
