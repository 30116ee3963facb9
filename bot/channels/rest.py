"""REST channel for app back-ends and the IVR front-end.

Same URL and body as Rasa's own `rest` channel (`POST /webhooks/rest/webhook` with
`{"sender": ..., "message": ..., "metadata": {...}}`), with these differences:

- every request carries a front end's token (`Authorization: Bearer <token>`,
  bot/channels/front_ends.py); the token, not the body, decides the channel the message
  counts as and whether `metadata.vip` is believed, and the conversation id is
  `<front end>:<sender>`, so no front end reaches another's conversations or a web
  customer's. `input_channel` may be left out; one that differs from the front end's
  channel is refused;
- a body over `max_body_bytes` is refused before it is read, and each conversation may
  send `messages_per_minute` messages;
- a refused request gets a 4xx with a reason instead of a 500;
- while the conversation store (the SQL tracker store) cannot be reached, a message gets
  a 503 `store_unavailable` with Retry-After: it was not processed and can be sent again
  (bot/tracker_store_outage.py);
- a front end with a `callback_url` gets its replies as Rasa's `callback` channel does:
  the answer is a 202 `{"status": "accepted", "message_id": ...}` once the message is
  processed, and every reply goes into the durable outbox, from which the delivery worker
  POSTs it, signed, in order, retried for hours (delivery/), as it does the agents'
  messages during a handoff.
"""
import json
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage
from rasa.core.channels.rest import RestInput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels.front_ends import FrontEnd, FrontEnds
from bot.channels.message_checks import (
    DEFAULT_MAX_MESSAGE_CHARS,
    MessageRejected,
    check_metadata,
    check_sender_id,
    check_text,
)
from bot.channels.rate_limit import DEFAULT_MESSAGES_PER_MINUTE, MessageRateLimit
from bot.channels.trust import vouched
from bot.tracker_store_outage import RETRY_AFTER_SECONDS, is_unreachable, log_unprocessed
from delivery.outbox import Outbox

logger = logging.getLogger(__name__)

# A message is at most a few thousand characters; nothing a front end sends needs more.
DEFAULT_MAX_BODY_BYTES = 64 * 1024


class CourierRestInput(RestInput):
    @classmethod
    def name(cls) -> Text:
        return "rest"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "CourierRestInput":
        credentials = credentials or {}
        front_ends = FrontEnds.from_config(credentials.get("front_ends"))
        redis_url = credentials.get("redis_url") or None
        outbox = None
        if any(front_end.callback for front_end in front_ends.front_ends):
            if not redis_url:
                raise ValueError("REST front ends with a callback_url need the channel's "
                                 "redis_url: their replies wait in an outbox in Redis.")
            outbox = Outbox.from_url(redis_url)
        return cls(
            front_ends,
            MessageRateLimit(
                credentials.get("messages_per_minute", DEFAULT_MESSAGES_PER_MINUTE), redis_url
            ),
            max_message_chars=credentials.get("max_message_chars", DEFAULT_MAX_MESSAGE_CHARS),
            max_body_bytes=credentials.get("max_body_bytes", DEFAULT_MAX_BODY_BYTES),
            outbox=outbox,
        )

    def __init__(
        self,
        front_ends: FrontEnds,
        rate_limit: MessageRateLimit,
        max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS,
        max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
        outbox: Optional[Outbox] = None,
    ) -> None:
        self.front_ends = front_ends
        self.rate_limit = rate_limit
        self.max_message_chars = max_message_chars
        self.max_body_bytes = max_body_bytes
        self.outbox = outbox

    async def read_body(self, request: Request) -> bytes:
        """The request body, read only up to `max_body_bytes`."""
        too_large = MessageRejected(
            "request_too_large", 413,
            f"The request body is larger than {self.max_body_bytes} bytes; send one message "
            "of text per request.",
        )
        length = request.headers.get("content-length", "")
        if length.isdigit() and int(length) > self.max_body_bytes:
            raise too_large
        body = bytearray()
        async for chunk in request.stream:
            body += chunk
            if len(body) > self.max_body_bytes:
                raise too_large
        return bytes(body)

    def parse_body(self, raw: bytes, front_end: FrontEnd) -> Dict[Text, Any]:
        """The message in `raw` as `front_end` sent it; raises `MessageRejected` when unusable."""
        try:
            body = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise MessageRejected(
                "invalid_encoding", 400, "The request body must be UTF-8 encoded JSON."
            )
        except ValueError as error:
            raise MessageRejected(
                "invalid_json", 400, f"The request body is not valid JSON: {error}."
            )
        except RecursionError:
            raise MessageRejected("invalid_json", 400, "The request body is nested too deeply.")
        if not isinstance(body, dict):
            raise MessageRejected(
                "invalid_json",
                400,
                'The request body must be a JSON object: {"sender": ..., "message": ...}.',
            )
        claimed = body.get("input_channel")
        if claimed is not None and claimed != front_end.channel:
            raise MessageRejected(
                "input_channel_not_allowed",
                403,
                f"This token is the {front_end.name} front end's, whose messages count as "
                f"the '{front_end.channel}' channel; leave 'input_channel' out.",
            )
        metadata = check_metadata(body.get("metadata")) or {}
        return {
            "sender_id": f"{front_end.name}:{check_sender_id(body.get('sender'))}",
            "text": check_text(body.get("message"), self.max_message_chars),
            "metadata": vouched(
                metadata, front_end.name, front_end.may_mark_vip and metadata.get("vip") is True
            ),
            "input_channel": front_end.channel,
        }

    async def admit(self, request: Request) -> Dict[Text, Any]:
        """The message of an authenticated, well-formed request within the rate limit."""
        front_end = self.front_ends.authenticate(request.headers.get("authorization"))
        message = self.parse_body(await self.read_body(request), front_end)
        retry_after = await self.rate_limit.retry_after(message["sender_id"])
        if retry_after is not None:
            raise MessageRejected(
                "too_many_messages",
                429,
                f"This conversation sent more than {self.rate_limit.per_minute} messages "
                f"in a minute; send again in {retry_after} seconds.",
                {"Retry-After": str(retry_after)},
            )
        return message

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[None]]
    ) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        # stream=True: the handler reads the body itself, so a huge one is never buffered.
        @webhook.route("/webhook", methods=["POST"], stream=True)
        async def receive(request: Request) -> Any:
            try:
                message = await self.admit(request)
            except MessageRejected as rejection:
                return response.json(
                    rejection.as_dict(), status=rejection.status, headers=rejection.headers
                )

            front_end_name, sender = message["sender_id"].split(":", 1)
            front_end = self.front_ends.named(front_end_name)
            if front_end.callback and self.outbox:
                message_id = uuid.uuid4().hex
                outbox = OutboxOutput(self.outbox, front_end_name, sender, message_id)
                failed = await self.process(on_new_message, outbox, message, message_id)
                return failed or response.json(
                    {"status": "accepted", "message_id": message_id, "replies": outbox.queued},
                    status=202,
                )
            if request.args.get("stream", "").lower() == "true":
                return response.stream(
                    self.stream_response(on_new_message, **message),
                    content_type="text/event-stream",
                )
            collector = CollectingOutputChannel()
            failed = await self.process(on_new_message, collector, message)
            return failed or response.json(collector.messages)

        return webhook

    @staticmethod
    async def process(
        on_new_message: Callable[[UserMessage], Awaitable[None]],
        output: CollectingOutputChannel,
        message: Dict[Text, Any],
        message_id: Optional[str] = None,
    ) -> Optional[HTTPResponse]:
        """Has the assistant answer `message` into `output`; the error answer when it failed."""
        try:
            await on_new_message(UserMessage(output_channel=output, message_id=message_id, **message))
        except Exception as error:
            if is_unreachable(error):
                return store_unavailable(error, message["sender_id"])
            # Tell the client the reply failed instead of answering with silence.
            logger.exception("Handling a REST message failed.")
            return response.json(
                {
                    "error": "assistant_error",
                    "message": "The assistant could not answer just now. Please "
                    "send the message again in a moment.",
                    "responses": output.messages,
                },
                status=503,
            )
        return None


class OutboxOutput(CollectingOutputChannel):
    """Puts each reply into the outbox as it is made, for the delivery worker to POST."""

    def __init__(self, outbox: Outbox, front_end: str, sender: str, in_reply_to: str) -> None:
        super().__init__()
        self.outbox = outbox
        self.front_end = front_end
        self.sender = sender
        self.in_reply_to = in_reply_to
        self.queued = 0

    async def _persist_message(self, message: Dict[Text, Any]) -> None:
        await super()._persist_message(message)
        reply = {key: value for key, value in message.items() if key != "recipient_id"}
        await self.outbox.put(f"{self.front_end}:{self.sender}", self.front_end, {
            "sender": self.sender, "from": "bot", "in_reply_to": self.in_reply_to, "message": reply,
        })
        self.queued += 1


def store_unavailable(error: Exception, sender_id: Text) -> HTTPResponse:
    """The answer to a message that could not be processed because the conversation
    store is unreachable; nothing of it was stored."""
    log_unprocessed(error, sender_id)
    return response.json(
        {
            "error": "store_unavailable",
            "message": "The assistant cannot reach its conversation store just now, so "
            "this message was not processed. Please send it again in a few seconds.",
        },
        status=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )
