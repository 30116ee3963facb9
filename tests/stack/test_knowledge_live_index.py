"""Hot reload: a published answer is served by other running processes within two
seconds, with no restart; a lost notice or an unreachable Redis only costs the poll;
a failed reload keeps the previous index."""
import asyncio
import json
import os
import queue
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

import redis

from commands.processes import free_port
from foundation.settings import ROOT
from knowledge.article import Answer
from knowledge.live_index import LiveIndex
from knowledge.publishing import publish

QUESTION = "运费怎么算"
PUBLISH_TO_LIVE_LIMIT = 2.0

# A process holding a LiveIndex, as the action server does. Protocol: it prints
# {"ready": revision} once its index is built, then answers each question line on
# stdin with {"revision", "article", "answer"} (the zh web answer of the top hit).
SERVING_PROCESS = r"""
import asyncio, json, sys
from knowledge.live_index import LiveIndex
from knowledge.store import KnowledgeStore


async def main(database_url, redis_url, channel):
    live = LiveIndex(KnowledgeStore(database_url), redis_url, channel=channel)
    await live.start()
    print(json.dumps({"ready": live.current().revision}), flush=True)
    loop = asyncio.get_running_loop()
    while True:
        question = (await loop.run_in_executor(None, sys.stdin.readline)).strip()
        if not question:
            break
        knowledge = live.current()
        hits = knowledge.index.search(question, limit=1)
        article = knowledge.articles[hits[0].article_id] if hits else None
        print(json.dumps({
            "revision": knowledge.revision,
            "article": article.id if article else None,
            "answer": article.answer["zh"].web if article else None,
        }), flush=True)
    await live.stop()


asyncio.run(main(*sys.argv[1:]))
"""


class ServingProcess:
    def __init__(self, database_url: str, redis_url: str, channel: str, log: Path):
        self.log = log
        self._process = subprocess.Popen(
            [sys.executable, "-c", SERVING_PROCESS, database_url, redis_url, channel],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=open(log, "w"),
            text=True,
            encoding="utf-8",
        )
        self._lines: "queue.Queue[str]" = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self._process.stdout:
            self._lines.put(line)

    def reply(self, timeout: float) -> dict:
        try:
            return json.loads(self._lines.get(timeout=timeout))
        except queue.Empty:
            raise AssertionError(f"no reply within {timeout} s; see {self.log}:\n{self.log.read_text()[-3000:]}")

    def ask(self, question: str) -> dict:
        self._process.stdin.write(question + "\n")
        self._process.stdin.flush()
        return self.reply(timeout=10)

    def stop(self) -> None:
        try:
            self._process.stdin.write("\n")
            self._process.stdin.close()
            self._process.wait(timeout=10)
        except (OSError, subprocess.TimeoutExpired):
            self._process.kill()
            self._process.wait()


def with_zh_web(article, text: str):
    return replace(article, answer={**article.answer, "zh": Answer(text, article.answer["zh"].voice)})


def test_a_published_answer_is_served_by_other_processes_within_2_seconds(
    seeded, database_url, redis_url, tmp_path, capsys
):
    channel = f"test-{uuid.uuid4().hex[:8]}:knowledge:published"
    processes = [ServingProcess(database_url, redis_url, channel, tmp_path / f"serving-{n}.log") for n in range(2)]
    client = redis.Redis.from_url(redis_url)
    try:
        original = seeded.get("shipping-fee").article
        for process in processes:
            assert process.reply(timeout=300) == {"ready": seeded.revision()}
            assert process.ask(QUESTION) == {
                "revision": 1, "article": "shipping-fee", "answer": original.answer["zh"].web
            }
        marker = f"自{uuid.uuid4().hex[:6]}起执行新价格。"
        draft = seeded.save_draft(with_zh_web(original, original.answer["zh"].web + "\n\n" + marker), "alice", 1)

        started = time.monotonic()
        result = publish(seeded, {"shipping-fee": draft.version}, "bob", client, channel=channel)
        published = time.monotonic()
        live_after = {}
        while len(live_after) < len(processes) and time.monotonic() - published < 10:
            for number, process in enumerate(processes):
                if number not in live_after and marker in process.ask(QUESTION)["answer"]:
                    live_after[number] = time.monotonic() - published
            time.sleep(0.01)
        with capsys.disabled():
            print(f"\n[{database_url.split(':')[0]}] publish (answer tests included) took {published - started:.2f} s; "
                  f"the new answer was served by the other processes "
                  + ", ".join(f"{seconds:.2f} s" for seconds in live_after.values())
                  + " after publish returned")
        assert len(live_after) == len(processes), "a process never served the new answer"
        assert max(live_after.values()) < PUBLISH_TO_LIVE_LIMIT
        assert processes[0].ask(QUESTION)["revision"] == result.publication.revision
    finally:
        client.close()
        for process in processes:
            process.stop()


def wait_for(condition, timeout: float) -> float:
    """Seconds until `condition()` held, inside a running event loop."""

    async def waiting():
        started = time.monotonic()
        while not condition():
            if time.monotonic() - started > timeout:
                raise AssertionError(f"not within {timeout} s")
            await asyncio.sleep(0.02)
        return time.monotonic() - started

    return waiting()


def publish_without_notice(store, marker: str) -> int:
    article = store.get("shipping-fee").article
    draft = store.save_draft(with_zh_web(article, article.answer["zh"].web + marker), "alice", article.version)
    return store.mark_published({"shipping-fee": draft.version}, "alice").revision


def test_a_publication_without_a_notice_is_found_by_polling(seeded, redis_url):
    async def scenario():
        live = LiveIndex(seeded, redis_url, channel=f"test-{uuid.uuid4().hex[:8]}:knowledge:published")
        await live.start()
        try:
            revision = publish_without_notice(seeded, "无通知")
            seconds = await wait_for(lambda: live.current().revision == revision, timeout=5)
            assert live.current().articles["shipping-fee"].answer["zh"].web.endswith("无通知")
            return seconds
        finally:
            await live.stop()

    assert asyncio.run(scenario()) < 2.0


def test_an_unreachable_redis_does_not_stop_reloads(seeded):
    async def scenario():
        live = LiveIndex(seeded, f"redis://127.0.0.1:{free_port()}/0")
        await live.start()
        try:
            revision = publish_without_notice(seeded, "Redis不在")
            await wait_for(lambda: live.current().revision == revision, timeout=5)
        finally:
            await live.stop()

    asyncio.run(scenario())


def test_a_failed_reload_keeps_serving_the_previous_index(seeded, monkeypatch, caplog):
    async def scenario():
        live = LiveIndex(seeded, None)
        await live.start()
        try:
            before = live.current()
            with monkeypatch.context() as patch:
                patch.setattr(seeded, "published_articles", lambda: 1 / 0)
                revision = publish_without_notice(seeded, "坏了")
                await asyncio.sleep(2.5)
                assert live.current() is before
                assert before.index.search(QUESTION, limit=1)[0].article_id == "shipping-fee"
            await wait_for(lambda: live.current().revision == revision, timeout=5)
        finally:
            await live.stop()

    asyncio.run(scenario())
    assert "Reloading the knowledge base failed; revision 1 stays live." in caplog.text
