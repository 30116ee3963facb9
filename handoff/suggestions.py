"""Suggested answers for agents: the knowledge-base articles that best match what the
customer last wrote, in the customer's language, kept current like the bot's own."""
import logging
from typing import Dict, List, Optional

from foundation.wording import finish
from knowledge.answers import answer_text, title_of
from knowledge.live_index import LiveIndex, open_live_index

logger = logging.getLogger(__name__)

SUGGESTIONS = 3


class KnowledgeSuggestions:
    def __init__(self) -> None:
        self._live: Optional[LiveIndex] = None

    async def start(self, redis_url: str) -> None:
        """Loads the published articles; until done (a few seconds) there are none.
        A store that cannot be read leaves agents without suggestions, not without
        their console."""
        try:
            self._live = await open_live_index(redis_url)
        except Exception:
            logger.exception("Knowledge suggestions are off: the knowledge store could not be read.")

    async def stop(self) -> None:
        if self._live is not None:
            await self._live.stop()

    def for_question(self, question: str, language: str) -> List[Dict[str, str]]:
        if self._live is None or not question.strip():
            return []
        knowledge = self._live.current()
        suggestions = []
        for hit in knowledge.index.search(question, language, limit=SUGGESTIONS):
            article = knowledge.articles[hit.article_id]
            suggestions.append({
                "article_id": article.id,
                "title": finish(title_of(article, language), language),
                # What the bot itself would send on the web chat.
                "text": answer_text(article, language, "web"),
            })
        return suggestions
