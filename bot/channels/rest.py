"""REST channel for app back-ends and the IVR front-end.

Same URL and body as Rasa's own `rest` channel (`POST /webhooks/rest/webhook` with
`{"sender": ..., "message": ..., "metadata": {...}}`), but a malformed request gets a 4xx
with a reason instead of a 500, and the IVR front-end can say which channel it is with
`"input_channel": "ivr"`.
"""
import json
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.message_checks import (
    DEFAULT_MAX_MESSAGE_CHARS,
    MessageRejected,
    check_metadata,
    check_sender_id,
    check_text,
)

logger = logging.getLogger(__name__)

KNOWN_INPUT_CHANNELS = ("rest", "ivr", "app")


class CourierRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "CourierRestInput":
        credentials = credentials or {}
        return cls(credentials.get("max_message_chars", DEFAULT_MAX_MESSAGE_CHARS))

    def __init__(self, max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS) -> None:
        self.max_message_chars = max_message_chars

    def parse_body(self, request: Request) -> Dict[Text, Any]:
        """Reads and checks the request body; raises `MessageRejected` when unusable."""
        try:
            body = json.loads(request.body.decode("utf-8"))
        except UnicodeDecodeError:
            raise MessageRejected(
                "invalid_encoding", 400, "The request body must be UTF-8 encoded JSON."
            )
        except ValueError as error:
            raise MessageRejected(
                "invalid_json", 400, f"The request body is not valid JSON: {error}."
            )
        if not isinstance(body, dict):
            raise MessageRejected(
                "invalid_json",
                400,
                'The request body must be a JSON object: {"sender": ..., "message": ...}.',
            )
        input_channel = body.get("input_channel") or self.name()
        if input_channel not in KNOWN_INPUT_CHANNELS:
            raise MessageRejected(
                "invalid_input_channel",
                400,
                f"'input_channel' must be one of {', '.join(KNOWN_INPUT_CHANNELS)}.",
            )
        return {
            "sender_id": check_sender_id(body.get("sender")),
            "text": check_text(body.get("message"), self.max_message_chars),
            "metadata": check_metadata(body.get("metadata")),
            "input_channel": input_channel,
        }

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[None]]
    ) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> Any:
            try:
                message = self.parse_body(request)
            except MessageRejected as rejection:
                return response.json(rejection.as_dict(), status=rejection.status)

            if request.args.get("stream", "").lower() == "true":
                return response.stream(
                    self.stream_response(on_new_message, **message),
                    content_type="text/event-stream",
                )
            collector = CollectingOutputChannel()
            try:
                await on_new_message(UserMessage(output_channel=collector, **message))
            except Exception:
                # Tell the client the reply failed instead of answering with silence.
                logger.exception("Handling a REST message failed.")
                return response.json(
                    {
                        "error": "assistant_error",
                        "message": "The assistant could not answer just now. Please "
                        "send the message again in a moment.",
                        "responses": collector.messages,
                    },
                    status=503,
                )
            return response.json(collector.messages)

        return webhook
