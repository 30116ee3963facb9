"""The steps every change to the knowledge tables takes inside its transaction: reading
an article's head and versions, the compare-and-swap on the head that makes a
concurrent save fail instead of overwrite, archiving the live version, numbering
revisions, and the audit entry. The store (knowledge/store.py) and the YAML import
(knowledge/article_files.py) both change the tables through these.
"""
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Dict, Optional, Tuple

from sqlalchemy import and_, func, select
from sqlalchemy.engine import Connection

from knowledge.answer_tests import AnswerTests
from knowledge.article import DRAFT, PUBLISHED, Article, article_to_dict, parse_article
from knowledge.tables import (
    ARCHIVED,
    answer_tests_table,
    articles_table,
    audit_table,
    publications_table,
    versions_table,
)


class EditConflict(Exception):
    """Someone else changed the same thing first; nothing was written."""


class UnknownArticle(LookupError):
    def __str__(self) -> str:
        return self.args[0]


@dataclass(frozen=True)
class ArticleVersion:
    """One saved version. `article.status` is published only for the live version
    (drafts and archived versions read as draft), `article.version` is `version`."""

    article: Article
    status: str  # draft | published | archived
    author: str
    created_at: datetime
    comment: str

    @property
    def article_id(self) -> str:
        return self.article.id

    @property
    def version(self) -> int:
        return self.article.version


@dataclass(frozen=True)
class Publication:
    """A change of what is live; `revision` counts them."""

    revision: int
    articles: Tuple[Tuple[str, int], ...]  # (article id, version) made live
    user: str
    at: datetime


def when(at: datetime) -> str:
    """A time of the tables as editors read it in messages."""
    return f"{at:%Y-%m-%d %H:%M:%S} UTC"


def version_of(row) -> ArticleVersion:
    content = dict(row.content, version=row.version, status=PUBLISHED if row.status == PUBLISHED else DRAFT)
    article = parse_article(content, source=f"article '{row.article_id}' version {row.version}")
    return ArticleVersion(article, row.status, row.author, row.created_at, row.comment)


def same_as_stored(stored: ArticleVersion, article: Article) -> bool:
    """Same content and same status, whatever the version numbers."""
    return replace(stored.article, version=article.version) == article and (
        (stored.status == PUBLISHED) == (article.status == PUBLISHED)
    )


def read_head(connection: Connection, article_id: str):
    return connection.execute(select(articles_table).where(articles_table.c.article_id == article_id)).first()


def read_version(connection: Connection, article_id: str, version: int):
    return connection.execute(
        select(versions_table).where(versions_table.c.article_id == article_id, versions_table.c.version == version)
    ).first()


def read_latest_tests(connection: Connection, article_id: str):
    return connection.execute(
        select(answer_tests_table)
        .where(answer_tests_table.c.article_id == article_id)
        .order_by(answer_tests_table.c.version.desc())
        .limit(1)
    ).first()


def read_answer_tests(connection: Connection) -> AnswerTests:
    """The latest test questions of every article that has tests."""
    latest = (
        select(answer_tests_table.c.article_id, func.max(answer_tests_table.c.version).label("version"))
        .group_by(answer_tests_table.c.article_id)
        .subquery()
    )
    rows = connection.execute(
        select(answer_tests_table.c.article_id, answer_tests_table.c.questions).join(
            latest,
            and_(
                answer_tests_table.c.article_id == latest.c.article_id,
                answer_tests_table.c.version == latest.c.version,
            ),
        )
    ).all()
    return {row.article_id: tuple(row.questions) for row in sorted(rows, key=lambda row: row.article_id)}


def insert_version(
    connection: Connection, article: Article, version: int, status: str, author: str, at: datetime, comment: str
) -> None:
    connection.execute(
        versions_table.insert().values(
            article_id=article.id,
            version=version,
            content=article_to_dict(replace(article, version=version)),
            status=status,
            author=author,
            created_at=at,
            comment=comment or "",
        )
    )


def insert_head(connection: Connection, article_id: str, version: int, at: datetime) -> None:
    """The head of a new article, nothing of it live yet."""
    connection.execute(
        articles_table.insert().values(
            article_id=article_id, latest_version=version, published_version=None, updated_at=at
        )
    )


def insert_tests(
    connection: Connection, article_id: str, version: int, questions: Tuple[str, ...], author: str, at: datetime
) -> None:
    connection.execute(
        answer_tests_table.insert().values(
            article_id=article_id, version=version, questions=list(questions), author=author, created_at=at
        )
    )


def move_head(connection: Connection, article_id: str, expected_latest: int, **values) -> None:
    """Updates the head only if its latest version is still `expected_latest`: the
    compare-and-swap that makes a concurrent save fail instead of overwrite."""
    result = connection.execute(
        articles_table.update()
        .where(articles_table.c.article_id == article_id, articles_table.c.latest_version == expected_latest)
        .values(**values)
    )
    if result.rowcount != 1:
        raise EditConflict(f"Article '{article_id}' was changed by someone else at the same moment; nothing was saved.")


def set_status(connection: Connection, article_id: str, version: int, status: str) -> None:
    connection.execute(
        versions_table.update()
        .where(versions_table.c.article_id == article_id, versions_table.c.version == version)
        .values(status=status)
    )


def archive_live(connection: Connection, article_head) -> None:
    if article_head.published_version is not None:
        set_status(connection, article_head.article_id, article_head.published_version, ARCHIVED)


def edit_conflict(connection: Connection, article_id: str, base_version: Optional[int], article_head) -> Exception:
    """What to raise when a save did not start from the latest version."""
    if article_head is None:
        return UnknownArticle(f"no article '{article_id}'; to create it, save it without a base version")
    latest = read_version(connection, article_id, article_head.latest_version)
    saved = f"version {latest.version} was saved by {latest.author} at {when(latest.created_at)}"
    if base_version is None:
        return EditConflict(f"Article '{article_id}' already exists: {saved}. Open it to edit it. Nothing was saved.")
    return EditConflict(
        f"Article '{article_id}' was changed while you edited it: {saved}, but your edit started from "
        f"version {base_version}. Nothing was saved; reload version {latest.version}, reapply your change "
        f"and save again."
    )


def read_revision(connection: Connection) -> int:
    return connection.execute(select(func.coalesce(func.max(publications_table.c.revision), 0))).scalar()


def new_revision(connection: Connection, expected: Optional[int]) -> int:
    """The next revision; EditConflict when `expected` (what the answer tests ran
    against) is no longer the live one."""
    current = read_revision(connection)
    if expected is not None and current != expected:
        latest = connection.execute(
            select(publications_table).where(publications_table.c.revision == current)
        ).first()
        raise EditConflict(
            f"{latest.user} published revision {current} at {when(latest.at)} while the answer tests ran "
            f"against revision {expected}. Nothing was published; publish again."
        )
    return current + 1


def record_publication(
    connection: Connection, revision_number: int, versions: Dict[str, int], user: str, at: datetime
) -> Publication:
    made_live = tuple(sorted(versions.items()))
    connection.execute(
        publications_table.insert().values(
            revision=revision_number, at=at, user=user,
            articles=[[article_id, version] for article_id, version in made_live],
        )
    )
    return Publication(revision_number, made_live, user, at)


def write_audit(
    connection: Connection,
    at: datetime,
    user: str,
    action: str,
    article_id: Optional[str],
    version: Optional[int],
    detail: str,
) -> None:
    connection.execute(
        audit_table.insert().values(
            at=at, user=user, action=action, article_id=article_id, version=version, detail=detail or ""
        )
    )
