"""The gap list: questions the bot could not answer (or answered with low confidence),
for editors to write articles from. Phone numbers are masked before they are stored,
and questions that read the same are grouped.

A group becomes work done in two steps: an editor drafts an article from it (the
group is linked to the article: `link_gap_group`), and when that article is published
the group is handled (`mark_gaps_handled`, in the publication's transaction): it
leaves the open list and shows among the handled ones, with its article. A question
that reads the same and comes after that is a new open group.
"""
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Dict, Iterable, List, Optional, Tuple

from sqlalchemy import func, select

from foundation.language import normalise
from foundation.privacy import mask_text
from knowledge.tables import Database, gaps_table, now

# Numbers are left out of the key too: questions that differ only in a phone number,
# a waybill number or a weight are the same gap.
_NOT_LETTERS = re.compile(r"[\W_\d]+")
# A title is the question without its question mark, and short.
_TITLE_END = re.compile(r"[\s?？!！。.,，~～]+$")
MAX_TITLE_CHARS = 60
# A group asked very often still gives a draft an editor can read through.
MAX_DRAFT_QUESTIONS = 30


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
    group_id: int  # the id of the group's first question: what the editor service names it by
    article_id: Optional[str] = None  # the article drafted from it
    handled_at: Optional[datetime] = None  # when that article was published


@dataclass(frozen=True)
class GapGroup:
    """An open group's questions, for an article's draft."""

    group_id: int
    question_key: str
    questions: Dict[str, Tuple[str, ...]]  # by article language (zh, en), first asked first
    article_id: Optional[str]
    first_question: str
    first_language: str  # zh or en

    def draft_fields(self) -> Dict[str, object]:
        """The fields of an article drafted from the group, as the editor starts it:
        the questions filled in, a title from the first question, the answers (and
        whatever else the article rules ask) left for the editor to write."""
        title = {"zh": "", "en": ""}
        title[self.first_language] = _TITLE_END.sub("", self.first_question)[:MAX_TITLE_CHARS]
        return {
            "id": f"gap-{self.group_id}",
            "title": title,
            "category": "",
            "tags": [],
            "valid_from": None,
            "valid_until": None,
            "questions": {language: list(texts) for language, texts in self.questions.items()},
            "answer": {language: {"web": "", "voice": ""} for language in ("zh", "en")},
        }


class UnknownGap(LookupError):
    """No open gap group has that id."""


class GapAlreadyDrafted(Exception):
    """The group is linked to an article already."""


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
        """Open groups of unanswered questions, most recently asked first."""
        return self._groups(gaps_table.c.handled_at.is_(None), (gaps_table.c.question_key,), limit)

    def handled_gaps(self, limit: int = 50) -> List[Gap]:
        """Groups an article now answers, most recently asked first."""
        return self._groups(
            gaps_table.c.handled_at.is_not(None), (gaps_table.c.question_key, gaps_table.c.article_id), limit
        )

    def gap_group(self, group_id: int) -> GapGroup:
        """The open group the question `group_id` is in; UnknownGap when there is none."""
        with self._engine.connect() as connection:
            key = connection.execute(
                select(gaps_table.c.question_key)
                .where(gaps_table.c.id == group_id, gaps_table.c.handled_at.is_(None))
            ).scalar()
            rows = connection.execute(
                select(gaps_table).where(gaps_table.c.question_key == key, gaps_table.c.handled_at.is_(None))
                .order_by(gaps_table.c.id)
            ).all() if key is not None else []
        if not rows:
            raise UnknownGap(f"No open gap group {group_id}; it may have been handled already.")
        questions: Dict[str, List[str]] = {"zh": [], "en": []}
        for row in rows:
            texts = questions[_article_language(row.language)]
            if row.question not in texts and len(texts) < MAX_DRAFT_QUESTIONS:
                texts.append(row.question)
        linked = next((row.article_id for row in rows if row.article_id), None)
        return GapGroup(
            rows[0].id, key, {language: tuple(texts) for language, texts in questions.items()}, linked,
            rows[0].question, _article_language(rows[0].language),
        )

    def link_gap_group(self, group: GapGroup, article_id: str) -> None:
        """Links the open group to the article drafted from it; GapAlreadyDrafted when
        another article was linked to it first."""
        with self._write() as connection:
            linked = connection.execute(
                select(gaps_table.c.article_id)
                .where(gaps_table.c.question_key == group.question_key, gaps_table.c.handled_at.is_(None),
                       gaps_table.c.article_id.is_not(None))
            ).scalar()
            if linked and linked != article_id:
                raise GapAlreadyDrafted(f"Gap group {group.group_id} is already drafted as article '{linked}'.")
            connection.execute(
                gaps_table.update()
                .where(gaps_table.c.question_key == group.question_key, gaps_table.c.handled_at.is_(None))
                .values(article_id=article_id)
            )

    def _groups(self, where, grouped_by, limit: int) -> List[Gap]:
        groups = (
            select(
                *grouped_by,
                func.count().label("count"),
                func.min(gaps_table.c.at).label("first_seen"),
                func.min(gaps_table.c.id).label("group_id"),
                func.max(gaps_table.c.id).label("latest_id"),
                func.max(gaps_table.c.article_id).label("linked_article"),
                func.max(gaps_table.c.handled_at).label("handled_on"),
            )
            .where(where)
            .group_by(*grouped_by)
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
                group_id=summary.group_id,
                article_id=summary.linked_article,
                handled_at=summary.handled_on,
            )
            for summary in summaries
        ]


def mark_gaps_handled(connection, article_ids: Iterable[str], at: datetime) -> None:
    """In a publication's transaction: the open groups linked to the published
    articles are handled, with any question of theirs asked since the link."""
    ids = list(article_ids)
    linked = {
        row.question_key: row.article_id
        for row in connection.execute(
            select(gaps_table.c.question_key, gaps_table.c.article_id)
            .where(gaps_table.c.article_id.in_(ids), gaps_table.c.handled_at.is_(None)).distinct()
        )
    }
    for key, article_id in linked.items():
        connection.execute(
            gaps_table.update()
            .where(gaps_table.c.question_key == key, gaps_table.c.handled_at.is_(None))
            .values(article_id=article_id, handled_at=at)
        )


def _article_language(language: Optional[str]) -> str:
    """An article's language (zh, en) for a gap's (zh-Hans, zh-Hant, en)."""
    return "en" if (language or "").startswith("en") else "zh"


def _question_key(question: str) -> str:
    """What questions are grouped by: simplified, lower case, letters only."""
    return _NOT_LETTERS.sub("", normalise(question)[0].lower())
