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
_starting = asyncio.Lock()


async def knowledge() -> KnowledgeBase:
    """The action server's knowledge base, loaded on first use (seeded from
    knowledge/articles/ when the store is empty)."""
    global _shared
    async with _starting:
        if _shared is None:
            _shared = KnowledgeBase(await open_live_index(os.environ.get("REDIS_URL")))
    return _shared
