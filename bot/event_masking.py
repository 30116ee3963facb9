"""Conversation events as the event stream may keep them.

The stream is stored (up to its max_length, in Redis's append-only file) and read by
other processes, so it follows the rules for logs and archives (foundation/privacy.py):
mobile numbers are masked in everything the customer, the bot or a front end wrote, in
slot values and in entities; an address keeps its region only and a one-time code is
hidden whole. Ids, names of intents and actions, and times stay as they are.
"""
from typing import Any, Callable, Dict

from foundation.privacy import mask_address, mask_text

# Slots whose value is personal beyond the phone numbers in it.
_SLOT_MASKS: Dict[str, Callable[[str], str]] = {
    "verification_code": lambda code: "*" * len(code),
    "return_address": mask_address,
}
# The fields of an event that hold what people wrote.
_WRITTEN = ("text", "parse_data", "data", "metadata")


def masked_event(event: Dict[str, Any]) -> Dict[str, Any]:
    masked = dict(event)
    for field in _WRITTEN:
        if field in masked:
            masked[field] = _masked(masked[field])
    if masked.get("event") == "slot":
        value = masked.get("value")
        mask = _SLOT_MASKS.get(masked.get("name"))
        masked["value"] = mask(value) if mask and isinstance(value, str) else _masked(value)
    return masked


def _masked(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {key: _masked(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_masked(item) for item in value]
    return value
