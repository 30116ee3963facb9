"""What a customer sees when a piece under the Rasa server fails, and that nothing is lost:
the action server killed or hung in the middle of a return, the Rasa server restarted,
PostgreSQL (the tracker store) unreachable for a while.

One private stack serves the module (its own embedded Redis, ports and var/), so the
session's stack is never touched; each test leaves it running and whole. Its tracker
store is PostgreSQL reached through a TCP proxy the tests cut and restore, or SQLite where
no PostgreSQL answers (then only the database test is skipped, or fails in CI).
"""
import asyncio
import os
import signal
import socket
import threading
import time
import uuid
from contextlib import ExitStack
from dataclasses import dataclass
from typing import Any, Dict, List, Optional

import pytest
from sqlalchemy.engine import make_url

from chat import WebChat, conversation_id, post, say, tracker
from databases import postgres_answers, postgres_schema, require_postgres
from demo_data import DemoData
from services import start_stack

# Seconds the Rasa server waits for an action (bot/action_server_down.py): short, so
# the hung server test is quick, and well above a refused connection's answer.
CALL_TIMEOUT = 5
APOLOGY = "抱歉，系统暂时出了点问题，这条消息没能处理。请稍等片刻再发一次；需要人工客服请说“转人工”。"
TO_A_PERSON = {"title": "转人工", "payload": "/request_human"}


class TcpProxy:
    """Forwards a local port to `target` until cut: then the port refuses connections and
    every forwarded connection is closed, as when the database's host drops off the
    network. Restored, it listens on the same port again."""

    def __init__(self, target) -> None:
        self.target = target
        self.port = 0
        self.listener: Optional[socket.socket] = None
        self.connections: List[socket.socket] = []
        self.lock = threading.Lock()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.port = listener.getsockname()[1]
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def cut(self) -> None:
        with self.lock:
            sockets, self.connections = [self.listener, *self.connections], []
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            sock.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:  # cut
                return
            server = socket.create_connection(self.target)
            with self.lock:
                self.connections += [client, server]
            for source, sink in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    @staticmethod
    def _pump(source: socket.socket, sink: socket.socket) -> None:
        try:
            while chunk := source.recv(65536):
                sink.sendall(chunk)
        except OSError:
            pass
        for sock in (source, sink):
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class SyncWebChat:
    """A web chat driven from this thread, its socket served by a loop in another: a
    process must be (re)started from this thread, as the kernel stops a child when the
    thread that started it ends (commands/processes.py)."""

    def __init__(self, stack) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.chat = WebChat(stack)
        self._run(self.chat.open())

    def _run(self, coroutine, timeout: float = 60):
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)

    def say(self, text: str, timeout: float = 30) -> Dict[str, Any]:
        """The first message the assistant answers `text` with."""
        self._run(self.chat.send(text))
        return self._run(self.chat.reply(timeout), timeout + 1)

    def close(self) -> None:
        self._run(self.chat.close())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()


@dataclass
class Faulty:
    stack: Any
    demo: DemoData
    proxy: Optional[TcpProxy]

    def child(self, name: str):
        return next(child for child in self.stack.children if child.name == name)


@pytest.fixture(scope="module")
def faulty(model_path, tmp_path_factory):
    var_dir = tmp_path_factory.mktemp("faults-rasa")
    with ExitStack() as cleanup:
        proxy, database_url = None, ""
        if postgres_answers():
            url = make_url(cleanup.enter_context(postgres_schema()))
            proxy = TcpProxy((url.host, url.port or 5432))
            proxy.restore()
            cleanup.callback(proxy.cut)
            database_url = url.set(port=proxy.port).render_as_string(hide_password=False)
        with pytest.MonkeyPatch.context() as environment:
            environment.setenv("ACTION_SERVER_TIMEOUT", str(CALL_TIMEOUT))
            # No Redis given: the stack starts its own.
            stack = start_stack(model_path, "", var_dir, database_url)
        cleanup.callback(stack.stop)
        demo = DemoData(stack.settings.var_dir / "carrier.db")
        cleanup.callback(demo.close)
        yield Faulty(stack, demo, proxy)


def form_state(stack, sender: str):
    """The active form of a sender's REST conversation and its return slots."""
    conversation = tracker(stack, sender)
    slots = {name: value for name, value in conversation["slots"].items()
             if name.startswith("return_") or name == "requested_slot"}
    return (conversation["active_loop"] or {}).get("name"), slots


def after_last_message(stack, sender: str) -> List[Dict[str, Any]]:
    events = tracker(stack, sender)["events"]
    last = max(i for i, event in enumerate(events) if event["event"] == "user")
    return events[last + 1:]


def assert_apologised_once_and_listening(stack, sender: str) -> None:
    """No loop of predictions: one action failed, one apology, then the bot listens."""
    events = after_last_message(stack, sender)
    assert [e["text"] for e in events if e["event"] == "bot"] == [APOLOGY]
    actions = [e["name"] for e in events if e["event"] == "action"]
    assert actions == ["return_form", "action_listen"], actions


def restart(child, health_url: str) -> None:
    """Starts `child` again unless something (a supervising launcher) already did."""
    try:
        child.wait_until_ready(health_url, 1)
    except RuntimeError:
        child.start()
        child.wait_until_ready(health_url, 120)


# The action server killed or hung


def test_a_killed_action_server_gets_an_apology_mid_return_and_the_return_carries_on_once_back(faulty):
    stack, actions = faulty.stack, faulty.child("action server")
    rest_parcel, web_parcel = faulty.demo.delivered["recent"][:2]
    sender = uuid.uuid4().hex
    for text in ("我要退货", rest_parcel.tracking_number, "衣服"):
        say(stack, text, sender)
    given = form_state(stack, sender)
    assert given[0] == "return_form" and given[1]["requested_slot"] == "return_reason"
    web = SyncWebChat(stack)
    for text in ("我要退货", web_parcel.tracking_number):
        web.say(text)

    os.killpg(actions.process.pid, signal.SIGKILL)
    actions.process.wait()
    # Answered before the call timeout would run out: nobody waits for a dead server.
    started = time.monotonic()
    reply = post(stack, {"sender": sender, "message": "尺码不合适"}, timeout=CALL_TIMEOUT)
    rest_seconds = time.monotonic() - started
    started = time.monotonic()
    web_apology = web.say("衣服", timeout=CALL_TIMEOUT)
    web_seconds = time.monotonic() - started
    print(f"apology after {rest_seconds:.2f} s (REST), {web_seconds:.2f} s (socket.io)")
    assert reply.status_code == 200
    assert reply.json() == [{"recipient_id": conversation_id(sender), "text": APOLOGY,
                             "buttons": [TO_A_PERSON]}]
    assert web_apology == {"text": APOLOGY, "quick_replies": [{"content_type": "text", **TO_A_PERSON}]}
    assert_apologised_once_and_listening(stack, sender)
    assert form_state(stack, sender) == given  # the return waits where it was, its answers kept

    restart(actions, f"{stack.settings.actions_url}/health")
    assert say(stack, "尺码不合适", sender) == ["商品的吊牌和标签都还在吗？"]
    form, slots = form_state(stack, sender)
    assert form == "return_form" and slots["return_reason"] == "no_reason"
    assert {name: slots[name] for name in ("return_parcel", "return_category")} == {
        "return_parcel": rest_parcel.tracking_number, "return_category": "apparel"}
    assert web.say("衣服")["text"] == "请问退货的原因是？"
    web.close()


def test_a_hung_action_server_gets_an_apology_after_the_call_timeout_not_rasas_five_minutes(faulty):
    stack, actions = faulty.stack, faulty.child("action server")
    sender = uuid.uuid4().hex
    for text in ("I'd like to return a parcel", faulty.demo.delivered["recent"][2].tracking_number):
        say(stack, text, sender)
    given = form_state(stack, sender)
    os.killpg(actions.process.pid, signal.SIGSTOP)  # connections are accepted, never answered
    try:
        answer = say(stack, "clothes", sender)
    finally:
        os.killpg(actions.process.pid, signal.SIGCONT)
    assert answer == [
        "Sorry, something went wrong on our side and I couldn't handle that message. Please "
        "send it again in a moment, or say 'agent' to talk to a person."]
    assert form_state(stack, sender) == given
    assert say(stack, "clothes", sender) == ["Why are you returning it?"]


# The Rasa server restarted


def test_a_restarted_rasa_server_keeps_the_conversation_and_carries_on(faulty):
    stack, rasa = faulty.stack, faulty.child("Rasa server")
    sender = uuid.uuid4().hex
    for text in ("我要退货", faulty.demo.delivered["recent"][3].tracking_number):
        say(stack, text, sender)
    before = tracker(stack, sender)["events"]
    rasa.stop()
    rasa.start()
    rasa.wait_until_ready(f"{stack.settings.rasa_url}/webhooks/rest/", 120)
    assert tracker(stack, sender)["events"] == before
    assert say(stack, "衣服", sender) == ["请问退货的原因是？"]
    assert form_state(stack, sender)[1]["return_category"] == "apparel"


# PostgreSQL unreachable


def test_an_unreachable_database_gets_a_clear_error_and_the_conversation_carries_on_without_a_restart(faulty):
    if faulty.proxy is None:
        require_postgres()
    stack, proxy = faulty.stack, faulty.proxy
    rest_parcel, web_parcel = faulty.demo.delivered["recent"][4:6]
    sender = uuid.uuid4().hex
    web = SyncWebChat(stack)
    for text in ("我要退货", web_parcel.tracking_number):
        web.say(text)
    for text in ("我要退货", rest_parcel.tracking_number):
        say(stack, text, sender)
    before = tracker(stack, sender)["events"]
    proxy.cut()
    try:
        refused = post(stack, {"sender": sender, "message": "衣服"})
        told = web.say("where is my parcel")
    finally:
        proxy.restore()
    assert refused.status_code == 503 and refused.headers["Retry-After"] == "5"
    assert refused.json() == {
        "error": "store_unavailable",
        "message": "The assistant cannot reach its conversation store just now, so this message "
        "was not processed. Please send it again in a few seconds."}
    assert told == {
        "text": "Sorry, I can't reach our conversation records just now, so that message wasn't "
        "handled. Please send it again in a few seconds.",
        "metadata": {"error": "store_unavailable"}}

    # Back without a restart: the same conversations carry on, nothing before is lost.
    assert say(stack, "衣服", sender) == ["请问退货的原因是？"]
    assert web.say("衣服")["text"] == "请问退货的原因是？"
    web.close()
    assert tracker(stack, sender)["events"][:len(before)] == before

    # An outage nobody noticed: the pooled connections died with it, and the first
    # message afterwards is answered all the same.
    proxy.cut()
    proxy.restore()
    assert say(stack, "尺码不合适", sender) == ["商品的吊牌和标签都还在吗？"]
