"""The web chat page at `/chat`: the rasa-webchat widget talking over socket.io.

Served by the Rasa server itself, so the page and the socket share an origin. The
widget's script was fetched from npm at set-up (commands/bootstrap.sh) and is served from
`var/web`; nothing comes from a CDN at run time.
"""
from pathlib import Path
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

PAGE = Path(__file__).with_name("chat_page.html")
DEFAULT_WIDGET = "var/web/webchat-1.0.1.js"


class ChatPageInput(InputChannel):
    """Serves the page only; the conversation itself runs on the socket.io channel."""

    @classmethod
    def name(cls) -> Text:
        return "chat"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "ChatPageInput":
        credentials = credentials or {}
        return cls(Path(credentials.get("widget_script", DEFAULT_WIDGET)))

    def __init__(self, widget_script: Path = Path(DEFAULT_WIDGET)) -> None:
        self.widget_script = widget_script

    def url_prefix(self) -> Text:
        # An absolute prefix puts the page at /chat rather than /webhooks/chat.
        return "/chat"

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> Blueprint:
        page = Blueprint("chat_page", __name__)

        @page.route("/", methods=["GET"])
        async def chat(_: Request) -> HTTPResponse:
            return await response.file(PAGE, mime_type="text/html; charset=utf-8")

        @page.route("/webchat.js", methods=["GET"])
        async def widget(_: Request) -> HTTPResponse:
            if not self.widget_script.exists():
                return response.text(
                    "The chat widget is not installed; run the set-up (make run).",
                    status=503,
                )
            return await response.file(
                self.widget_script,
                mime_type="application/javascript",
                headers={"Cache-Control": "public, max-age=86400"},
            )

        return page
