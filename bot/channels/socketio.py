"""socket.io channel for the web and app chat widgets.

Shaped after Rasa's `SocketIOInput` (same events), with these changes:

- the server picks each conversation id and signs it (bot/channels/chat_sessions.py):
  `session_confirm` hands the widget a token it sends back on reconnecting, and a
  `session_request` with anything else starts a new conversation. A socket speaks only
  for the conversation it was confirmed in, whatever its messages say;
- pages of other origins may open a socket only when listed in `allowed_origins`;
- each conversation may send `messages_per_minute` messages; past that the customer
  gets a polite reply and the message is not processed;
- messages are checked like on every other channel and a rejected one gets a reply
  saying why; a malformed event cannot crash the handler; the web chat is never VIP;
- a message the assistant fails to answer gets a reply asking to send it again, one of
  its own while the conversation store cannot be reached (bot/tracker_store_outage.py);
- the bot's texts are sent as the widget's markdown showing them as written, line by
  line (foundation/markdown.py);
- with a `redis_url` the server shares a JSON message bus (foundation/message_bus.py),
  so any process (another Rasa instance, the handoff service) can emit to any
  customer's socket.
- with a `redis_url` it records when a conversation's last socket goes and comes back
  (foundation/chat_presence.py), and a socket coming back to a conversation is shown
  what the agent service said while it was gone (foundation/missed_messages.py): a
  customer who left the queue that way is told so.
"""
import logging
import re
from typing import Any, Awaitable, Callable, Dict, List, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from rasa.core.channels.socketio import SocketBlueprint, SocketIOInput, SocketIOOutput
from sanic import Blueprint, Sanic, response
from sanic.exceptions import InvalidHeader
from sanic.headers import parse_accept
from sanic.request import Request
from sanic.response import HTTPResponse
from redis.exceptions import RedisError
from socketio import AsyncServer

from bot.channels.chat_sessions import SessionSigner
from bot.channels.message_checks import (
    DEFAULT_MAX_MESSAGE_CHARS,
    MessageRejected,
    check_metadata,
    check_text,
)
from bot.channels.rate_limit import DEFAULT_MESSAGES_PER_MINUTE, MessageRateLimit
from foundation.chat_presence import ChatPresence
from foundation.markdown import plain_text_as_markdown
from foundation.missed_messages import MissedMessages
from foundation.redis_client import connect
from bot.channels.trust import vouched
from bot.tracker_store_outage import is_unreachable, log_unprocessed
from foundation.language import SIMPLIFIED, detect_language
from foundation.message_bus import JsonRedisManager
from foundation.wording import Phrase, finish, say

logger = logging.getLogger(__name__)

# engine.io drops the connection on a bigger frame; up to this size an oversized
# message reaches `check_text` and the customer gets a reply saying why.
MAX_FRAME_BYTES = 4_000_000
FRONT_END = "web"
_ORIGIN = re.compile(r"https?://[^/\s]+")

_TOO_FAST = Phrase(
    "您发消息有点快，请等 {seconds} 秒再发，我们马上继续为您服务。",
    "You're sending messages a little fast. Please wait {seconds} seconds and send it "
    "again; we'll carry on right away.",
)

_STORE_UNAVAILABLE = Phrase(
    "抱歉，系统暂时无法保存对话，这条消息没能处理。请过几秒钟再发一次。",
    "Sorry, I can't reach our conversation records just now, so that message wasn't "
    "handled. Please send it again in a few seconds.",
)
_ASSISTANT_ERROR = Phrase(
    "抱歉，我这边出了点问题，没能回复这条消息。请稍后再发一次。",
    "Sorry, something went wrong on my side and I couldn't answer that message. Please "
    "send it again in a moment.",
)


class GuardedSocketBlueprint(SocketBlueprint):
    """Rasa's socket.io blueprint, which attaches engine.io to the Rasa server's app
    itself, plus guards on that app against two 500s of its libraries."""

    def register(self, app: Sanic, options: Dict[Text, Any]) -> None:
        super().register(app, options)
        path = f"/{self.ctx.socketio_path.strip('/')}/"

        async def refuse_polling_without_session(request: Request) -> Optional[HTTPResponse]:
            # engine.io 4.8 answers a polling POST without its `sid` with a 500.
            if request.path == path and request.method == "POST" and not request.args.get("sid"):
                return response.json(
                    {"error": "missing_sid", "message": "A polling POST needs the engine.io session id (sid)."},
                    status=400,
                )
            return None

        app.register_middleware(refuse_polling_without_session, "request")

        async def ignore_unreadable_accept(request: Request) -> None:
            # Sanic 21.12 reads the Accept header to pick an error page and fails on one
            # it cannot parse, turning a 404 into a 500: such a header counts as absent.
            # (Request middleware runs on Sanic's error path too.)
            try:
                request.accept
            except InvalidHeader:
                request.parsed_accept = parse_accept("")

        app.register_middleware(ignore_unreadable_accept, "request")


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
        channel.sessions = SessionSigner(credentials.get("session_secret"))
        channel.allowed_origins = allowed_origins(credentials.get("allowed_origins"))
        channel.rate_limit = MessageRateLimit(
            credentials.get("messages_per_minute", DEFAULT_MESSAGES_PER_MINUTE),
            channel.redis_url,
        )
        return channel

    redis_url: Optional[Text] = None
    max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS
    sessions: SessionSigner
    allowed_origins: Optional[List[Text]] = None
    rate_limit: MessageRateLimit

    _presence: Optional[ChatPresence] = None
    _missed: Optional[MissedMessages] = None

    def _connect_presence(self) -> None:
        if self._presence is None:  # made on first use, inside the server's event loop
            client = connect(self.redis_url)
            self._presence, self._missed = ChatPresence(client), MissedMessages(client)

    async def _record_presence(self, conversation_id: Text, present: bool) -> None:
        if not self.redis_url:
            return
        self._connect_presence()
        try:
            if present:
                await self._presence.connected(conversation_id)
            else:
                await self._presence.gone(conversation_id)
        except (RedisError, OSError) as error:
            logger.warning("Could not record whether web chat %s is open (%s).",
                           conversation_id, error)

    async def _show_missed(self, sio: AsyncServer, sid: Text, conversation_id: Text) -> None:
        """Emits to a socket back in its conversation what was said while it was gone.
        Called once the conversation counts as present, so nothing said from then on
        is both shown live and kept."""
        if not self.redis_url:
            return
        self._connect_presence()
        try:
            missed = await self._missed.take(conversation_id)
        except (RedisError, OSError) as error:
            logger.warning("Could not read what web chat %s missed (%s).", conversation_id, error)
            return
        for message in missed:
            await sio.emit(self.bot_message_evt, message, room=sid, namespace=self.namespace)

    def _create_server(self) -> AsyncServer:
        client_manager = JsonRedisManager(self.redis_url) if self.redis_url else None
        return AsyncServer(
            async_mode="sanic",
            # None: engine.io accepts only pages of the origin the request was made to
            # (the chat page at /chat); other sites must be listed in allowed_origins.
            cors_allowed_origins=self.allowed_origins,
            client_manager=client_manager,
            max_http_buffer_size=MAX_FRAME_BYTES,
        )

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        sio = self._create_server()
        socketio_webhook = GuardedSocketBlueprint(
            sio, self.socketio_path, "socketio_webhook", __name__
        )
        self.sio = sio

        @socketio_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        # Clients may send an event with no data or extra arguments; neither may crash it.
        @sio.on("session_request", namespace=self.namespace)
        async def session_request(sid: Text, data: Any = None, *_: Any) -> None:
            token = data.get("session_id") if isinstance(data, dict) else None
            conversation_id = self.sessions.conversation_of(token)
            if conversation_id is None:
                conversation_id, token = self.sessions.issue()
            session = await sio.get_session(sid, namespace=self.namespace)
            previous = session.get("conversation_id")
            if self.session_persistence:
                if previous and previous != conversation_id:
                    sio.leave_room(sid, previous, namespace=self.namespace)
                sio.enter_room(sid, conversation_id, namespace=self.namespace)
            await sio.save_session(
                sid, {"conversation_id": conversation_id}, namespace=self.namespace
            )
            # Present before the widget hears it is confirmed: a chat closed right after
            # must be marked gone after this, never before it.
            await self._record_presence(conversation_id, present=True)
            await sio.emit("session_confirm", token, room=sid, namespace=self.namespace)
            await self._show_missed(sio, sid, conversation_id)

        # The agent service lets a waiting customer whose chat stays closed leave the
        # queue after a grace period (foundation/chat_presence.py).
        @sio.on("disconnect", namespace=self.namespace)
        async def disconnect(sid: Text, *_: Any) -> None:
            try:
                session = await sio.get_session(sid, namespace=self.namespace)
            except KeyError:  # gone before it was ever connected
                return
            if session.get("conversation_id"):
                await self._record_presence(session["conversation_id"], present=False)

        @sio.on(self.user_message_evt, namespace=self.namespace)
        async def handle_message(sid: Text, data: Any = None, *_: Any) -> None:
            output_channel = WebChatOutput(sio, self.bot_message_evt)
            data = data if isinstance(data, dict) else {}
            session = await sio.get_session(sid, namespace=self.namespace)
            # The conversation this socket was confirmed in; a session_id in the
            # message itself is not believed.
            conversation_id = session.get("conversation_id")
            if conversation_id is None:
                await self._reply(
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
            sender_id = conversation_id if self.session_persistence else sid
            try:
                text = check_text(data.get("message"), self.max_message_chars)
                metadata = check_metadata(data.get(self.metadata_key))
            except MessageRejected as rejection:
                await self._reply(sio, sid, rejection)
                return
            retry_after = await self.rate_limit.retry_after(sender_id)
            if retry_after is not None:
                language = detect_language(text) or SIMPLIFIED
                polite = finish(say(_TOO_FAST, language, seconds=retry_after), language)
                await self._reply(sio, sid, MessageRejected("too_many_messages", 429, polite))
                return
            try:
                await on_new_message(
                    UserMessage(
                        text,
                        output_channel,
                        sender_id,
                        input_channel=self.name(),
                        metadata=vouched(metadata, FRONT_END, vip=False),
                    )
                )
            except Exception as error:
                await self._reply(sio, sid, self._failure(error, sender_id, text))

        return socketio_webhook

    @staticmethod
    def _failure(error: Exception, sender_id: Text, text: Text) -> MessageRejected:
        """What the customer is told when their message could not be answered, as the
        REST channel's 503s say it."""
        language = detect_language(text) or SIMPLIFIED
        if is_unreachable(error):
            log_unprocessed(error, sender_id)
            phrase, code = _STORE_UNAVAILABLE, "store_unavailable"
        else:
            logger.exception("Handling a socket.io message of %s failed.", sender_id)
            phrase, code = _ASSISTANT_ERROR, "assistant_error"
        return MessageRejected(code, 503, finish(say(phrase, language), language))

    async def _reply(self, sio: AsyncServer, sid: Text, rejection: MessageRejected) -> None:
        # The widget shows a message with text (and metadata) only; the code rides in
        # the metadata for other clients.
        await sio.emit(
            self.bot_message_evt,
            {"text": rejection.reason, "metadata": {"error": rejection.code}},
            room=sid,
            namespace=self.namespace,
        )


class WebChatOutput(SocketIOOutput):
    """Rasa's socket.io output, its texts made markdown that shows them as written."""

    async def _send_message(self, socket_id: Text, response: Any) -> None:
        text = response.get("text") if isinstance(response, dict) else None
        if isinstance(text, str):
            response = {**response, "text": plain_text_as_markdown(text)}
        await super()._send_message(socket_id, response)


def allowed_origins(configured: Any) -> Optional[List[Text]]:
    """The origins of credentials.yml `allowed_origins`; None (same origin only) when
    none are listed."""
    if not configured:
        return None
    if not isinstance(configured, list) or not all(
        isinstance(origin, str) and _ORIGIN.fullmatch(origin) for origin in configured
    ):
        raise ValueError(
            "allowed_origins of the socket.io channel must be a list of origins such as "
            f"https://www.example.com (no '*', no path), not {configured!r}."
        )
    return configured
