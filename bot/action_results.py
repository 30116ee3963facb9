"""Checks the action server's answers with a schema validator built once.

Rasa's `RemoteAction._validate_action_result` calls `jsonschema.validate` on every
answer, which first checks the schema itself against its metaschema and builds a new
validator: under load that was 48 % of the Rasa server's CPU. The schema never
changes, so it is checked and compiled once here. Every answer is still validated
against the same schema, and a bad one raises the same `ValidationError` (the best
match, as `jsonschema.validate` picks it) with Rasa's explanation appended.
"""
from typing import Any, Dict

import jsonschema_rs
from jsonschema import ValidationError
from jsonschema.exceptions import best_match
from jsonschema.validators import validator_for
from rasa.core.actions.action import RemoteAction
from rasa.shared.constants import DOCS_BASE_URL

_SCHEMA = RemoteAction.action_response_format_spec()
_VALIDATOR_CLASS = validator_for(_SCHEMA)
_VALIDATOR_CLASS.check_schema(_SCHEMA)
_EXPLAINING_VALIDATOR = _VALIDATOR_CLASS(_SCHEMA)
# The compiled validator decides; the pure-Python one only explains a failure.
_FAST_VALIDATOR = jsonschema_rs.validator_for(_SCHEMA)


def validate_action_result(_action: RemoteAction, result: Dict[str, Any]) -> bool:
    if _FAST_VALIDATOR.is_valid(result):
        return True
    error = best_match(_EXPLAINING_VALIDATOR.iter_errors(result))
    if error is None:  # the two validators disagree: trust the reference one
        return True
    error.message += (
        ". Failed to validate Action server response from API, make sure your response "
        "from the Action endpoint is valid. For more information about the format "
        f"visit {DOCS_BASE_URL}/custom-actions"
    )
    raise error


def install() -> None:
    RemoteAction._validate_action_result = validate_action_result


__all__ = ["install", "validate_action_result", "ValidationError"]
