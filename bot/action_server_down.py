"""What the customer gets while the action server is down, and how long Rasa waits for it.

Rasa 3.6's `RemoteAction.run` raises a `RasaException` when the action server refuses
the connection or answers with an error status; its processor logs it, drops the
action's events and predicts on, so the customer gets nothing at all. A server that
hangs holds the customer for `DEFAULT_REQUEST_TIMEOUT`, 300 s, per call.

Installed by bot/server.py, this changes two things:

- each call to the action server gets at most `ACTION_SERVER_TIMEOUT` seconds
  (environment variable, default 10);
- when a call fails (no connection, an error status, no answer in time, an answer not in
  Rasa's format), the action the processor ran, a custom action or a form whose
  validation or question is one, answers with an apology instead, in the customer's
  language: send the message again in a moment, or ask for a person (a button to
  `request_human`). Then the bot listens: nothing else is predicted in that turn, so a
  dead server costs one failed call per message, not a loop of them. The failed
  action's events are dropped whole, so a form stays as it was before the message
  (still active, same requested slot, its slots kept) and the customer's next message
  runs it again. A failed `action_session_start` falls back to Rasa's own session start
  instead, so a new customer still gets every answer that needs no action server.

A rejection (`ActionExecutionRejection`, a 400 from a form's validation) reaches Rasa's
processor unchanged, as before. Each failure is logged once: the action, the
conversation and the reason, never what the customer wrote.
"""
import asyncio
import functools
import logging
import os
from contextvars import ContextVar
from typing import Any, Awaitable, Callable, List

import aiohttp
from jsonschema import ValidationError
from rasa.core.actions.action import (
    ActionExecutionRejection,
    ActionSessionStart,
    RemoteAction,
    create_bot_utterance,
)
from rasa.core.actions.loops import LoopAction
from rasa.shared.core.constants import ACTION_LISTEN_NAME, ACTION_SESSION_START_NAME
from rasa.shared.core.events import Event, FollowupAction
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.exceptions import RasaException
from rasa.utils.endpoints import ClientResponseError

from foundation.language import SIMPLIFIED
from foundation.wording import Phrase, finish, say

logger = logging.getLogger(__name__)

TIMEOUT_VARIABLE = "ACTION_SERVER_TIMEOUT"
DEFAULT_TIMEOUT_SECONDS = 10.0
HANDOFF_PAYLOAD = "/request_human"

# Written here, as the channels write their own replies, rather than as a domain
# response, which would make the model's training inputs depend on it.
APOLOGY = Phrase(
    "抱歉，系统暂时出了点问题，这条消息没能处理。请稍等片刻再发一次；需要人工客服请说“转人工”。",
    "Sorry, something went wrong on our side and I couldn't handle that message. Please "
    "send it again in a moment, or say 'agent' to talk to a person.",
)
TO_A_PERSON = Phrase("转人工", "Talk to an agent")

Run = Callable[..., Awaitable[List[Event]]]

# Set while the action the processor ran is running: a call to the action server inside
# it (a form's validation or question) leaves the answer to that outer action.
_answering_action: ContextVar[bool] = ContextVar("answering_action", default=False)


class ActionServerUnavailable(RasaException):
    """A call to the action server that got no usable answer."""

    def __init__(self, action_name: str, reason: str) -> None:
        super().__init__(f"The action server did not run '{action_name}': {reason}.")
        self.action_name = action_name
        self.reason = reason


def call_timeout() -> float:
    """Seconds a call to the action server may take, from `ACTION_SERVER_TIMEOUT`."""
    configured = os.environ.get(TIMEOUT_VARIABLE, "").strip()
    if not configured:
        return DEFAULT_TIMEOUT_SECONDS
    try:
        seconds = float(configured)
    except ValueError:
        seconds = 0
    if not seconds > 0:
        raise ValueError(
            f"{TIMEOUT_VARIABLE} must be a number of seconds above 0, not {configured!r}."
        )
    return seconds


def reason_of(error: BaseException) -> str:
    """Why a call failed, in a log's words; nothing the customer wrote."""
    cause = error.__cause__ or error.__context__
    if isinstance(cause, ClientResponseError):
        return f"HTTP {cause.status}"
    if isinstance(cause, aiohttp.ClientError):
        return f"{type(cause).__name__}: {cause}"
    if isinstance(error, ValidationError):
        # Its message quotes the answer, which may hold the customer's data.
        return "an answer not in Rasa's format"
    return str(error)


def bounded(rasa_run: Run, timeout: float) -> Run:
    """`RemoteAction.run` that gives up after `timeout` seconds and raises
    `ActionServerUnavailable` for every failure but a rejection."""

    @functools.wraps(rasa_run)
    async def run(self: RemoteAction, *args: Any) -> List[Event]:
        try:
            return await asyncio.wait_for(rasa_run(self, *args), timeout)
        except ActionExecutionRejection:
            raise
        except asyncio.TimeoutError as error:
            raise ActionServerUnavailable(
                self.name(), f"no answer within {timeout:g} s"
            ) from error
        except (RasaException, ValidationError) as error:
            raise ActionServerUnavailable(self.name(), reason_of(error)) from error

    return run


def answering(run: Run) -> Run:
    """An action's `run` that answers for a failed call to the action server when the
    processor ran it; nested inside another action, it lets the failure through."""

    @functools.wraps(run)
    async def answered(
        self: Any, output_channel: Any, nlg: Any, tracker: DialogueStateTracker, domain: Any
    ) -> List[Event]:
        if _answering_action.get():
            return await run(self, output_channel, nlg, tracker, domain)
        outermost = _answering_action.set(True)
        try:
            return await run(self, output_channel, nlg, tracker, domain)
        except ActionServerUnavailable as failure:
            starting = self.name() == ACTION_SESSION_START_NAME
            logger.error(
                "Action server unavailable: '%s' failed in conversation %s (%s); %s.",
                failure.action_name, tracker.sender_id, failure.reason,
                "the session starts without it" if starting
                else "the customer was asked to try again",
            )
            if starting:
                return await ActionSessionStart().run(output_channel, nlg, tracker, domain)
            return [apology(tracker), FollowupAction(ACTION_LISTEN_NAME)]
        finally:
            _answering_action.reset(outermost)

    return answered


def apology(tracker: DialogueStateTracker) -> Event:
    """The apology and the offer of a person, in the customer's language."""
    language = tracker.get_slot("language") or SIMPLIFIED
    return create_bot_utterance(
        {
            "text": finish(say(APOLOGY, language), language),
            "buttons": [
                {"title": finish(say(TO_A_PERSON, language), language),
                 "payload": HANDOFF_PAYLOAD}
            ],
        }
    )


class _LoggedHere(logging.Filter):
    """Rasa logs a refused connection itself, without the conversation; the line
    `answering` logs replaces it."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("Failed to run custom action")


def install() -> None:
    logging.getLogger("rasa.core.actions.action").addFilter(_LoggedHere())
    RemoteAction.run = answering(bounded(RemoteAction.run, call_timeout()))
    # Forms: their validation and questions are calls to the action server.
    LoopAction.run = answering(LoopAction.run)

