"""The knowledge base as the action server sees it: search, articles, the gap list."""
import logging
from datetime import date
from typing import Dict, List, Optional

from handoff.context import mask_text
from knowledge.article import Article, load_articles
from knowledge.search import Hit, KnowledgeIndex

logger = logging.getLogger(__name__)


class KnowledgeBase:
    def __init__(self, articles: List[Article]) -> None:
        self._articles: Dict[str, Article] = {a.id: a for a in articles}
        self._index = KnowledgeIndex.build(articles)

    def search(self, text: str, language: Optional[str]) -> List[Hit]:
        return self._index.search(text, language, today=date.today())

    def article(self, article_id: str) -> Article:
        return self._articles[article_id]

    def log_gap(self, question: str, language: str, channel: str, best: Optional[Hit],
                conversation_id: str) -> None:
        logger.info("Knowledge gap (%s, %s): %r, best %s", language, channel,
                    mask_text(question), best)


_shared: Optional[KnowledgeBase] = None


def knowledge() -> KnowledgeBase:
    """The action server's knowledge base, loaded on first use."""
    global _shared
    if _shared is None:
        _shared = KnowledgeBase(load_articles())
    return _shared
