"""Whom an archived case belongs to, without the customer's phone number in it.

A verified phone is kept as `phone:` + the HMAC-SHA256 of the number (hex): the same
customer gets the same key in every conversation and channel, so their earlier cases
still show, while the archive holds no number. The key is secret, as mainland mobile
numbers are few enough to hash them all: HANDOFF_CUSTOMER_KEY_SECRET, which every
process that writes or reads cases (the action server, the agent service) must share;
when unset, the one made once and kept in var/secrets/ (foundation/secrets.py), which
serves the processes of one machine. Changing it hides earlier cases from the agents.
"""
import hashlib
import hmac
import os

from foundation.secrets import stored_secret
from foundation.settings import VAR

SECRET_VARIABLE = "HANDOFF_CUSTOMER_KEY_SECRET"
PHONE_PREFIX = "phone:"
PHONE_KEY_LENGTH = len(PHONE_PREFIX) + 64  # keys of earlier versions held the number itself


def phone_key(phone: str) -> str:
    secret = os.environ.get(SECRET_VARIABLE) or stored_secret(VAR, SECRET_VARIABLE)
    digest = hmac.new(secret.encode("utf-8"), phone.encode("utf-8"), hashlib.sha256).hexdigest()
    return PHONE_PREFIX + digest
