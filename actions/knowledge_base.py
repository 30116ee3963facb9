"""The knowledge base as the action server sees it: what is published now, kept
current by a LiveIndex (editors' publications arrive without a restart), and the gap
list editors read."""
import asyncio
import os
from datetime import date
from typing import List, Optional

from knowledge.article import Article
from knowledge.live_index import LiveIndex, open_live_index
from knowledge.search import Hit


class KnowledgeBase:
    def __init__(self, live: LiveIndex) -> None:
        self._live = live

    def search(self, text: str, language: Optional[str]) -> List[Hit]:
        return self._live.current().index.search(text, language, today=date.today())

    def article(self, article_id: str) -> Article:
        return self._live.current().articles[article_id]

    def log_gap(self, question: str, language: str, channel: str, best: Optional[Hit],
                conversation_id: str) -> None:
        self._live.store.log_gap(question, language, channel, best.article_id if best else None,
                                 best.score if best else None, conversation_id)


_shared: Optional[KnowledgeBase] = None
_loading: Optional["asyncio.Task[KnowledgeBase]"] = None


async def knowledge() -> KnowledgeBase:
    """The action server's knowledge base (seeded from knowledge/articles/ when the
    store is empty), loaded once: from the server's start (`start_loading`), else on
    first use. Building the index takes seconds; an action that gives up waiting (its
    timeout, ACTION_SERVER_TIMEOUT) leaves the loading running for the next one instead
    of throwing it away, so a busy server cannot keep starting it afresh."""
    if _shared is not None:
        return _shared
    return await asyncio.shield(start_loading())


def start_loading() -> "asyncio.Task[KnowledgeBase]":
    global _loading
    loop = asyncio.get_running_loop()
    failed = _loading is not None and _loading.done() and (
        _loading.cancelled() or _loading.exception() is not None)
    if _loading is None or failed or _loading.get_loop() is not loop:
        _loading = loop.create_task(_load())
    return _loading


async def _load() -> KnowledgeBase:
    global _shared
    _shared = KnowledgeBase(await open_live_index(os.environ.get("REDIS_URL")))
    return _shared
