"""An app back-end's callback endpoint for the tests, in a thread: it checks each
POST's signature as the README tells apps to (foundation/signing.py), can refuse the
first attempts of every message or be down altogether, and keeps what it accepted,
once per delivery id, in the order it arrived."""
import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, List, Optional

from foundation.signing import DELIVERY_HEADER, verify

SECRET = "callback-secret-of-the-tests-0123456789"


class CallbackReceiver:
    def __init__(self, secret: str = SECRET, failures_per_message: int = 0) -> None:
        self.secret = secret
        # The first this-many attempts at each delivery id get a 503.
        self.failures_per_message = failures_per_message
        self.down = False
        # Answered to every message, when set: a back-end that refuses what it gets.
        self.refusing: Optional[int] = None
        self.accepted: List[Dict[str, Any]] = []
        self.attempts: List[Dict[str, Any]] = []
        self.forged = 0
        self._lock = threading.Lock()
        self._server: Optional[ThreadingHTTPServer] = None

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}/callbacks"

    def start(self, port: int = 0) -> "CallbackReceiver":
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                self.send_response(receiver.answer(dict(self.headers.items()), body))
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def answer(self, headers: Dict[str, str], body: bytes) -> int:
        """The status the endpoint answers this POST with."""
        with self._lock:
            if self.down:
                return 503
            if not verify(self.secret, headers, body, time.time()):
                self.forged += 1
                return 401
            message = json.loads(body)
            delivery_id = headers[DELIVERY_HEADER]
            self.attempts.append({"delivery_id": delivery_id, "headers": headers, "message": message})
            tries = sum(1 for a in self.attempts if a["delivery_id"] == delivery_id)
            if tries <= self.failures_per_message:
                return 503
            if self.refusing:
                return self.refusing
            if delivery_id not in {m["delivery_id"] for m in self.accepted}:
                self.accepted.append(message)
            return 200

    def texts(self, conversation_id: str) -> List[str]:
        with self._lock:
            return [m["message"].get("text", "") for m in self.accepted
                    if m["conversation_id"] == conversation_id]

    def wait_for(self, conversation_id: str, count: int, timeout: float = 60.0) -> List[Dict[str, Any]]:
        """The first `count` messages accepted for the conversation; fails after `timeout`."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                found = [m for m in self.accepted if m["conversation_id"] == conversation_id]
            if len(found) >= count:
                return found
            time.sleep(0.05)
        raise AssertionError(f"{conversation_id}: {len(found)} of {count} callbacks arrived; "
                             f"attempts: {len(self.attempts)}")
