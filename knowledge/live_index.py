"""The published knowledge base of a running process, reloaded when editors publish.

One LiveIndex per process (the action server's, the agent service's), opened with
`await open_live_index(redis_url)`. `await live.start()` builds the search index of
what is live; from then on a background task keeps it current:

  - a message on PUBLISHED_CHANNEL (sent by `publishing`) wakes it at once;
  - every POLL_SECONDS it compares the store's revision with the one it serves, so a
    message lost while Redis was away (or never sent) costs a second, not a reload
    that never comes.

A reload reads the published articles and builds the new index in a worker thread,
so the event loop keeps answering customers with the previous index meanwhile; the
swap is one assignment. A failed reload keeps the previous index and is retried.
"""
import asyncio
import logging
import time
from contextlib import suppress
from dataclasses import dataclass
from typing import Callable, Dict, List, Optional, TypeVar

import redis
import redis.asyncio as aioredis

from knowledge.article import Article
from knowledge.publishing import PUBLISHED_CHANNEL
from knowledge.search import KnowledgeIndex
from knowledge.store import KnowledgeStore

logger = logging.getLogger(__name__)

POLL_SECONDS = 1.0
RECONNECT_SECONDS = 1.0

Result = TypeVar("Result")


@dataclass(frozen=True)
class LiveKnowledge:
    """One published revision: its index and its articles, so that a hit and the answer
    shown for it always come from the same revision."""

    revision: int
    index: KnowledgeIndex
    articles: Dict[str, Article]


class LiveIndex:
    def __init__(
        self,
        store: KnowledgeStore,
        redis_url: Optional[str] = None,
        *,
        channel: str = PUBLISHED_CHANNEL,
        poll_seconds: float = POLL_SECONDS,
    ):
        self.store = store
        self._redis_url = redis_url
        self._channel = channel
        self._poll_seconds = poll_seconds
        self._live: Optional[LiveKnowledge] = None
        self._wake: Optional[asyncio.Event] = None
        self._tasks: List[asyncio.Task] = []

    def current(self) -> LiveKnowledge:
        if self._live is None:
            raise RuntimeError("LiveIndex.start() has not completed")
        return self._live

    async def start(self) -> None:
        """Builds the index of what is live (raising if that fails: there is nothing
        to fall back on), then starts keeping it current."""
        self._wake = asyncio.Event()
        self._live = await _in_thread(self._load)
        logger.info("Knowledge revision %s is live (%d articles).", self._live.revision, len(self._live.articles))
        self._tasks = [asyncio.create_task(self._keep_current(), name="knowledge-reload")]
        if self._redis_url:
            self._tasks.append(asyncio.create_task(self._listen(), name="knowledge-listen"))

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with suppress(asyncio.CancelledError):
                await task
        self._tasks = []

    def _load(self) -> LiveKnowledge:
        # The revision is read before the articles: a publication landing between the
        # two reads then shows up as a newer revision at the next check, never as none.
        revision = self.store.revision()
        articles = self.store.published_articles()
        return LiveKnowledge(revision, KnowledgeIndex.build(articles), {article.id: article for article in articles})

    async def _keep_current(self) -> None:
        failing = False  # a failure is logged once, not at every retry
        while True:
            with suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._poll_seconds)
            self._wake.clear()
            try:
                revision = await _in_thread(self.store.revision)
                if revision != self._live.revision:
                    started = time.monotonic()
                    self._live = await _in_thread(self._load)
                    logger.info(
                        "Knowledge revision %s is live (%d articles, loaded in %.2f s).",
                        self._live.revision, len(self._live.articles), time.monotonic() - started,
                    )
                failing = False
            except Exception:
                if not failing:
                    logger.exception("Reloading the knowledge base failed; revision %s stays live.", self._live.revision)
                failing = True

    async def _listen(self) -> None:
        interrupted = False  # logged once, not at every reconnection attempt
        while True:
            client = aioredis.Redis.from_url(self._redis_url)
            pubsub = client.pubsub()
            try:
                await pubsub.subscribe(self._channel)
                if interrupted:
                    logger.info("Knowledge notices from Redis are back.")
                    interrupted = False
                # A publication announced while (re)connecting went unheard: check now.
                self._wake.set()
                while True:
                    message = await pubsub.get_message(ignore_subscribe_messages=True, timeout=self._poll_seconds)
                    if message is not None:
                        self._wake.set()
            except (redis.RedisError, OSError) as error:
                if not interrupted:
                    logger.warning("Knowledge notices from Redis interrupted (%s); polling until it is back.", error)
                interrupted = True
                await asyncio.sleep(RECONNECT_SECONDS)
            finally:
                await pubsub.close()
                await client.close()


async def open_live_index(redis_url: Optional[str]) -> LiveIndex:
    """The live index of the published articles, started: the store named by
    KNOWLEDGE_DATABASE_URL, seeded from knowledge/articles and knowledge/tests when it
    is empty. Publications are heard on `redis_url` when given, else found by polling."""
    store = KnowledgeStore.from_environment()
    await _in_thread(store.ensure_seeded)
    live = LiveIndex(store, redis_url)
    await live.start()
    return live


async def _in_thread(function: Callable[[], Result]) -> Result:
    return await asyncio.get_running_loop().run_in_executor(None, function)
