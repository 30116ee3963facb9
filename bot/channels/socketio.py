"""socket.io channel for the web and app chat widgets.

Shaped after Rasa's `SocketIOInput` (same events, same session handling), with three
changes: messages are checked like on every other channel and a rejected one gets a
reply saying why; a malformed event cannot crash the handler; and with a `redis_url`
the server uses python-socketio's Redis manager, so any process (another Rasa
instance, the handoff service) can emit to any customer's socket.
"""
import logging
import uuid
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from socketio import AsyncRedisManager, AsyncServer

from bot.channels.message_checks import (
    DEFAULT_MAX_MESSAGE_CHARS,
    MessageRejected,
    check_metadata,
    check_text,
)

logger = logging.getLogger(__name__)

# engine.io drops the connection on a bigger frame; up to this size an oversized
# message reaches `check_text` and the customer gets a reply saying why.
MAX_FRAME_BYTES = 4_000_000


class CourierSocketIOInput(SocketIOInput):
    @classmethod
    def name(cls) -> Text:
        return "socketio"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> InputChannel:
        credentials = credentials or {}
        channel = super().from_credentials(credentials)
        channel.redis_url = credentials.get("redis_url") or None
        channel.max_message_chars = credentials.get(
            "max_message_chars", DEFAULT_MAX_MESSAGE_CHARS
        )
        return channel

    redis_url: Optional[Text] = None
    max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS

    def _create_server(self) -> AsyncServer:
        client_manager = AsyncRedisManager(self.redis_url) if self.redis_url else None
        # Same-origin and embedding pages are allowed, as in Rasa's own channel.
        return AsyncServer(
            async_mode="sanic",
            cors_allowed_origins=[],
            client_manager=client_manager,
            max_http_buffer_size=MAX_FRAME_BYTES,
        )

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        sio = self._create_server()
        socketio_webhook = SocketBlueprint(
            sio, self.socketio_path, "socketio_webhook", __name__
        )
        self.sio = sio

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            session_id = data.get("session_id")
            if not isinstance(session_id, str) or not session_id:
                session_id = uuid.uuid4().hex
            if self.session_persistence:
                sio.enter_room(sid, session_id, namespace=self.namespace)
            await sio.emit(
                "session_confirm", session_id, room=sid, namespace=self.namespace
            )

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any) -> None:
            output_channel = SocketIOOutput(sio, self.bot_message_evt)
            data = data if isinstance(data, dict) else {}
            sender_id = data.get("session_id") if self.session_persistence else sid
            if not isinstance(sender_id, str) or not sender_id:
                await self._reply_rejection(
                    sio,
                    sid,
                    MessageRejected(
                        "missing_session",
                        400,
                        "会话已失效，请刷新页面后重试。 / The chat session is missing; "
                        "please reload the page.",
                    ),
                )
                return
            try:
                text = check_text(data.get("message"), self.max_message_chars)
                metadata = check_metadata(data.get(self.metadata_key)) or {}
            except MessageRejected as rejection:
                await self._reply_rejection(sio, sid, rejection)
                return
            await on_new_message(
                UserMessage(
                    text,
                    output_channel,
                    sender_id,
                    input_channel=self.name(),
                    metadata=metadata,
                )
            )

        return socketio_webhook

    async def _reply_rejection(
        self, sio: AsyncServer, sid: Text, rejection: MessageRejected
    ) -> None:
        await sio.emit(
            self.bot_message_evt,
            {"text": rejection.reason, "error": rejection.code},
            room=sid,
            namespace=self.namespace,
        )
