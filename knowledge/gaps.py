"""The gap list: questions the bot could not answer (or answered with low confidence),
for editors to write articles from. Phone numbers are masked before they are stored,
and questions that read the same are grouped.
"""
import re
from dataclasses import dataclass
from datetime import datetime
from typing import List, Optional

from sqlalchemy import func, select

from foundation.language import normalise
from foundation.privacy import mask_text
from knowledge.tables import Database, gaps_table, now

# Numbers are left out of the key too: questions that differ only in a phone number,
# a waybill number or a weight are the same gap.
_NOT_LETTERS = re.compile(r"[\W_\d]+")


@dataclass(frozen=True)
class Gap:
    """A question (grouped with the ones that read the same) the bot did not answer."""

    question: str  # the latest wording, phone numbers masked
    count: int
    first_seen: datetime
    last_seen: datetime
    language: Optional[str]
    channel: Optional[str]
    best_article: Optional[str]
    best_score: Optional[float]


class GapList(Database):
    """The gap list in the knowledge database; KnowledgeStore has it."""

    def log_gap(
        self,
        question: str,
        language: Optional[str] = None,
        channel: Optional[str] = None,
        best_article: Optional[str] = None,
        best_score: Optional[float] = None,
        conversation_id: Optional[str] = None,
    ) -> None:
        """Records a question that got no answer or a low-confidence one."""
        masked = mask_text(question.strip())
        with self._write() as connection:
            connection.execute(
                gaps_table.insert().values(
                    at=now(),
                    question=masked,
                    question_key=_question_key(masked),
                    language=language,
                    channel=channel,
                    best_article=best_article,
                    best_score=best_score,
                    conversation_id=conversation_id,
                )
            )

    def gaps(self, limit: int = 50) -> List[Gap]:
        """Unanswered questions grouped by how they read, most recently asked first."""
        groups = (
            select(
                gaps_table.c.question_key,
                func.count().label("count"),
                func.min(gaps_table.c.at).label("first_seen"),
                func.max(gaps_table.c.id).label("latest_id"),
            )
            .group_by(gaps_table.c.question_key)
            .order_by(func.max(gaps_table.c.id).desc())
            .limit(limit)
        )
        with self._engine.connect() as connection:
            summaries = connection.execute(groups).all()
            latest = {
                row.id: row
                for row in connection.execute(
                    select(gaps_table).where(gaps_table.c.id.in_([summary.latest_id for summary in summaries]))
                )
            }
        return [
            Gap(
                question=latest[summary.latest_id].question,
                count=summary.count,
                first_seen=summary.first_seen,
                last_seen=latest[summary.latest_id].at,
                language=latest[summary.latest_id].language,
                channel=latest[summary.latest_id].channel,
                best_article=latest[summary.latest_id].best_article,
                best_score=latest[summary.latest_id].best_score,
            )
            for summary in summaries
        ]


def _question_key(question: str) -> str:
    """What questions are grouped by: simplified, lower case, letters only."""
    return _NOT_LETTERS.sub("", normalise(question)[0].lower())
