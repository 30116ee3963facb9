"""The knowledge base in SQL: every article version, what is published, the answer
tests, the audit log and the gap list.

SQLite by default (`var/knowledge.db`), PostgreSQL or any SQLAlchemy URL through
KNOWLEDGE_DATABASE_URL. Tables:

  articles          one row per article: latest_version, published_version; the head
                    that optimistic concurrency compares and swaps
  article_versions  every saved version (content = article_to_dict), never rewritten;
                    status draft, published (the live one) or archived (was live)
  answer_tests      every saved version of an article's test questions
  publications      one row per change of what is live; its number is the revision
                    running processes compare to know whether to reload
  audit_log         who changed what and when
  gaps              questions the bot could not answer, phone numbers masked

Every change is one transaction: it is written whole or not at all. Times are UTC.
"""
import difflib
import logging
import os
import re
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path
from typing import Dict, Iterable, Iterator, List, Optional, Sequence, Tuple

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    and_,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.exc import IntegrityError

from foundation.language import normalise
from foundation.settings import VAR
from foundation.privacy import mask_text
from knowledge.answer_tests import (
    ANSWER_TESTS_FOLDER,
    AnswerTestError,
    AnswerTests,
    answer_tests_to_yaml,
    check_questions,
    load_answer_tests,
)
from knowledge.article import (
    ARTICLES_FOLDER,
    PUBLISHED,
    Article,
    article_to_dict,
    article_to_yaml,
    load_articles,
    parse_article,
)

logger = logging.getLogger(__name__)

DRAFT = "draft"
ARCHIVED = "archived"  # a version that was live and has been replaced

metadata = MetaData()

articles_table = Table(
    "articles",
    metadata,
    Column("article_id", String(200), primary_key=True),
    Column("latest_version", Integer, nullable=False),
    Column("published_version", Integer, nullable=True),
    Column("updated_at", DateTime, nullable=False),
)

versions_table = Table(
    "article_versions",
    metadata,
    Column("article_id", String(200), ForeignKey("articles.article_id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("content", JSON, nullable=False),
    Column("status", String(16), nullable=False),
    Column("author", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
    Column("comment", Text, nullable=False, default=""),
    PrimaryKeyConstraint("article_id", "version"),
)

answer_tests_table = Table(
    "answer_tests",
    metadata,
    Column("article_id", String(200), ForeignKey("articles.article_id"), nullable=False),
    Column("version", Integer, nullable=False),
    Column("questions", JSON, nullable=False),
    Column("author", String(200), nullable=False),
    Column("created_at", DateTime, nullable=False),
    PrimaryKeyConstraint("article_id", "version"),
)

# Numbered by the writer (latest + 1), not by the database, so that two concurrent
# publications collide on the primary key instead of both going through.
publications_table = Table(
    "publications",
    metadata,
    Column("revision", Integer, primary_key=True, autoincrement=False),
    Column("at", DateTime, nullable=False),
    Column("user", String(200), nullable=False),
    Column("articles", JSON, nullable=False),
)

audit_table = Table(
    "audit_log",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("user", String(200), nullable=False),
    Column("action", String(40), nullable=False),
    Column("article_id", String(200), nullable=True),
    Column("version", Integer, nullable=True),
    Column("detail", Text, nullable=False, default=""),
)

gaps_table = Table(
    "gaps",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime, nullable=False),
    Column("question", Text, nullable=False),
    # The question folded for grouping: simplified, lower case, letters only.
    Column("question_key", Text, nullable=False, index=True),
    Column("language", String(16), nullable=True),
    Column("channel", String(16), nullable=True),
    Column("best_article", String(200), nullable=True),
    Column("best_score", Float, nullable=True),
    Column("conversation_id", String(200), nullable=True),
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
class ArticleSummary:
    article_id: str
    title: Dict[str, str]
    category: str
    latest_version: int
    latest_status: str
    published_version: Optional[int]
    updated_at: datetime
    updated_by: str


@dataclass(frozen=True)
class AnswerTestsVersion:
    article_id: str
    version: int  # 0 when the article has no tests yet
    questions: Tuple[str, ...]
    author: Optional[str]
    created_at: Optional[datetime]


@dataclass(frozen=True)
class Publication:
    """A change of what is live; `revision` counts them."""

    revision: int
    articles: Tuple[Tuple[str, int], ...]  # (article id, version) made live
    user: str
    at: datetime


@dataclass(frozen=True)
class ImportSummary:
    created: Tuple[str, ...]
    changed: Tuple[str, ...]
    unchanged: int
    tests_changed: Tuple[str, ...]
    publication: Optional[Publication]  # None when no published article changed


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    user: str
    action: str
    article_id: Optional[str]
    version: Optional[int]
    detail: str


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


class KnowledgeStore:
    def __init__(self, url: str):
        self.url = url
        database_url = make_url(url)
        if database_url.get_backend_name() == "sqlite" and database_url.database not in (None, "", ":memory:"):
            Path(database_url.database).parent.mkdir(parents=True, exist_ok=True)
        self._engine = create_engine(url, future=True)
        if database_url.get_backend_name() == "sqlite":
            _take_sqlite_write_lock_first(self._engine)
        metadata.create_all(self._engine)

    @classmethod
    def from_environment(cls) -> "KnowledgeStore":
        return cls(os.environ.get("KNOWLEDGE_DATABASE_URL") or f"sqlite:///{VAR / 'knowledge.db'}")

    def close(self) -> None:
        self._engine.dispose()

    def _write(self):
        """A write transaction; on SQLite it holds the write lock from its first read."""
        return self._engine.execution_options(write=True).begin()

    # ----- articles -----

    def save_draft(
        self, article: Article, author: str, base_version: Optional[int], comment: str = ""
    ) -> ArticleVersion:
        """Saves `article` as a new draft version.

        `base_version` is the version the editor started from (None for a new
        article); when it is no longer the latest, EditConflict says who saved the
        newer one and when, and nothing is written. A new article starts at its own
        version number (1 unless imported), later versions count on from the latest."""
        draft = checked_as(article, DRAFT)
        try:
            with self._write() as connection:
                head = _head(connection, draft.id)
                latest = head.latest_version if head else None
                if latest != base_version:
                    raise _edit_conflict(connection, draft.id, base_version, head)
                version = latest + 1 if head else draft.version
                now = _now()
                if head:
                    _move_head(connection, draft.id, latest, latest_version=version, updated_at=now)
                else:
                    connection.execute(
                        articles_table.insert().values(
                            article_id=draft.id, latest_version=version, published_version=None, updated_at=now
                        )
                    )
                _insert_version(connection, draft, version, DRAFT, author, now, comment)
                _audit(connection, now, author, "edit" if head else "create", draft.id, version, comment)
        except IntegrityError:
            # Another editor's transaction wrote the same version first.
            with self._engine.connect() as connection:
                raise _edit_conflict(connection, draft.id, base_version, _head(connection, draft.id)) from None
        return self.get(draft.id, version)

    def get(self, article_id: str, version: Optional[int] = None) -> ArticleVersion:
        """One version; the latest when `version` is None."""
        with self._engine.connect() as connection:
            head = _head(connection, article_id)
            if head is None:
                raise UnknownArticle(f"no article '{article_id}'")
            row = connection.execute(
                select(versions_table).where(
                    versions_table.c.article_id == article_id,
                    versions_table.c.version == (head.latest_version if version is None else version),
                )
            ).first()
        if row is None:
            raise UnknownArticle(
                f"article '{article_id}' has no version {version} (the latest is {head.latest_version})"
            )
        return _version(row)

    def list(self, status: Optional[str] = None, query: Optional[str] = None) -> List[ArticleSummary]:
        """Every article by id with its latest version; `status` filters on the latest
        version's status (draft: unpublished changes), `query` on any of its text."""
        statement = (
            select(articles_table, versions_table.c.content, versions_table.c.status, versions_table.c.author)
            .join(
                versions_table,
                and_(
                    versions_table.c.article_id == articles_table.c.article_id,
                    versions_table.c.version == articles_table.c.latest_version,
                ),
            )
            .order_by(articles_table.c.article_id)
        )
        if status is not None:
            statement = statement.where(versions_table.c.status == status)
        with self._engine.connect() as connection:
            rows = connection.execute(statement).all()
        needle = _fold(query) if query else ""
        return [
            ArticleSummary(
                article_id=row.article_id,
                title=dict(row.content["title"]),
                category=row.content["category"],
                latest_version=row.latest_version,
                latest_status=row.status,
                published_version=row.published_version,
                updated_at=row.updated_at,
                updated_by=row.author,
            )
            for row in rows
            if needle in _fold(" ".join(_texts(row.content)))
        ]

    def history(self, article_id: str) -> List[ArticleVersion]:
        """Every version of the article, newest first."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(versions_table)
                .where(versions_table.c.article_id == article_id)
                .order_by(versions_table.c.version.desc())
            ).all()
        if not rows:
            raise UnknownArticle(f"no article '{article_id}'")
        return [_version(row) for row in rows]

    def diff(self, article_id: str, from_version: int, to_version: int) -> str:
        """Unified diff of the two versions' YAML; empty when they are the same."""
        before, after = self.get(article_id, from_version), self.get(article_id, to_version)
        lines = difflib.unified_diff(
            article_to_yaml(before.article).splitlines(),
            article_to_yaml(after.article).splitlines(),
            fromfile=f"{article_id} version {from_version} ({before.status})",
            tofile=f"{article_id} version {to_version} ({after.status})",
            lineterm="",
        )
        return "\n".join(lines)

    def published_articles(self) -> List[Article]:
        """The live version of every article that has one, by id."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(versions_table)
                .join(
                    articles_table,
                    and_(
                        versions_table.c.article_id == articles_table.c.article_id,
                        versions_table.c.version == articles_table.c.published_version,
                    ),
                )
                .order_by(versions_table.c.article_id)
            ).all()
        return [_version(row).article for row in rows]

    def pending_drafts(self, article_ids: Optional[Iterable[str]] = None) -> List[ArticleVersion]:
        """The latest version of each article (of `article_ids`, default all) when it is a
        draft, by id. An id the store does not know raises UnknownArticle."""
        statement = select(versions_table).join(
            articles_table,
            and_(
                versions_table.c.article_id == articles_table.c.article_id,
                versions_table.c.version == articles_table.c.latest_version,
            ),
        )
        with self._engine.connect() as connection:
            if article_ids is not None:
                wanted = sorted(set(article_ids))
                known = set(
                    connection.execute(
                        select(articles_table.c.article_id).where(articles_table.c.article_id.in_(wanted))
                    ).scalars()
                )
                unknown = [article_id for article_id in wanted if article_id not in known]
                if unknown:
                    raise UnknownArticle(f"no article {', '.join(repr(article_id) for article_id in unknown)}")
                statement = statement.where(versions_table.c.article_id.in_(wanted))
            rows = connection.execute(
                statement.where(versions_table.c.status == DRAFT).order_by(versions_table.c.article_id)
            ).all()
        return [_version(row) for row in rows]

    def revision(self) -> int:
        """How many times what is live has changed; 0 for an empty store."""
        with self._engine.connect() as connection:
            return _revision(connection)

    def mark_published(
        self, versions: Dict[str, int], user: str, expected_revision: Optional[int] = None
    ) -> Publication:
        """Makes the given draft versions live in one transaction. Raises EditConflict
        when one of them is no longer its article's latest version, or when
        `expected_revision` (what the answer tests ran against) is no longer live."""
        with self._write() as connection:
            now = _now()
            revision = _new_revision(connection, expected_revision)
            for article_id, version in sorted(versions.items()):
                head = _head(connection, article_id)
                if head is None:
                    raise UnknownArticle(f"no article '{article_id}'")
                row = _version_row(connection, article_id, head.latest_version)
                if head.latest_version != version or row.status != DRAFT:
                    raise EditConflict(
                        f"Article '{article_id}' changed while its answer tests ran: version "
                        f"{head.latest_version} ({row.status}) was saved by {row.author} at "
                        f"{_when(row.created_at)}. Nothing was published; publish again."
                    )
                checked_as(_version(row).article, PUBLISHED)
                _archive_live(connection, head)
                _set_status(connection, article_id, version, PUBLISHED)
                _move_head(connection, article_id, head.latest_version, published_version=version, updated_at=now)
                was = f"version {head.published_version}" if head.published_version else "nothing"
                _audit(connection, now, user, "publish", article_id, version, f"live was {was}; revision {revision}")
            return _record_publication(connection, revision, versions, user, now)

    def rollback(
        self, article_id: str, version: int, user: str, expected_revision: Optional[int] = None
    ) -> Publication:
        """Publishes the content of an old version as a new version; history stays as
        it was. Pending drafts stay in the history, behind the new version."""
        with self._write() as connection:
            now = _now()
            head = _head(connection, article_id)
            if head is None:
                raise UnknownArticle(f"no article '{article_id}'")
            source = _version_row(connection, article_id, version)
            if source is None:
                raise UnknownArticle(
                    f"article '{article_id}' has no version {version} (the latest is {head.latest_version})"
                )
            revision = _new_revision(connection, expected_revision)
            restored = checked_as(replace(_version(source).article, version=head.latest_version + 1), PUBLISHED)
            _archive_live(connection, head)
            comment = f"rollback to version {version}"
            _insert_version(connection, restored, restored.version, PUBLISHED, user, now, comment)
            _move_head(
                connection, article_id, head.latest_version,
                latest_version=restored.version, published_version=restored.version, updated_at=now,
            )
            _audit(connection, now, user, "rollback", article_id, restored.version, f"{comment}; revision {revision}")
            return _record_publication(connection, revision, {article_id: restored.version}, user, now)

    # ----- answer tests -----

    def answer_tests(self) -> AnswerTests:
        """The latest test questions of every article that has tests."""
        latest = (
            select(answer_tests_table.c.article_id, func.max(answer_tests_table.c.version).label("version"))
            .group_by(answer_tests_table.c.article_id)
            .subquery()
        )
        with self._engine.connect() as connection:
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

    def get_answer_tests(self, article_id: str) -> AnswerTestsVersion:
        with self._engine.connect() as connection:
            if _head(connection, article_id) is None:
                raise UnknownArticle(f"no article '{article_id}'")
            row = _latest_tests(connection, article_id)
        if row is None:
            return AnswerTestsVersion(article_id, 0, (), None, None)
        return AnswerTestsVersion(article_id, row.version, tuple(row.questions), row.author, row.created_at)

    def save_answer_tests(
        self, article_id: str, questions: Sequence[str], author: str, base_version: int
    ) -> AnswerTestsVersion:
        """Saves a new version of an article's test questions; `base_version` is the
        version the editor started from (0 when there were none)."""
        checked = check_questions(article_id, list(questions), f"answer tests of '{article_id}'")
        with self._write() as connection:
            if _head(connection, article_id) is None:
                raise UnknownArticle(f"no article '{article_id}'")
            latest = _latest_tests(connection, article_id)
            latest_version = latest.version if latest else 0
            if latest_version != base_version:
                saved = (
                    f"version {latest_version} was saved by {latest.author} at {_when(latest.created_at)}"
                    if latest else "none were ever saved"
                )
                raise EditConflict(
                    f"The answer tests of '{article_id}' changed while you edited them: {saved}, but this "
                    f"edit started from version {base_version}. Nothing was saved; reload and edit again."
                )
            now = _now()
            _insert_tests(connection, article_id, latest_version + 1, checked, author, now)
            _audit(connection, now, author, "edit tests", article_id, latest_version + 1, "")
        return self.get_answer_tests(article_id)

    # ----- files -----

    def import_yaml(
        self,
        folder: Path,
        user: str,
        tests_folder: Optional[Path] = None,
        expected_revision: Optional[int] = None,
    ) -> ImportSummary:
        """Imports the article files of `folder` (and the test files of `tests_folder`)
        all or nothing. A changed article becomes a new version with the file's status,
        so a published one goes live at once (`publishing.import_folder` runs the
        answer tests first); an unchanged one is left alone. Raises ArticleError or
        AnswerTestError naming the file (and line) of every problem."""
        articles = load_articles(folder)
        tests = load_answer_tests(tests_folder) if tests_folder is not None else {}
        created, changed, tests_changed, went_live = [], [], [], {}
        with self._write() as connection:
            now = _now()
            known = set(connection.execute(select(articles_table.c.article_id)).scalars())
            unknown = sorted(set(tests) - known - {article.id for article in articles})
            if unknown:
                raise AnswerTestError(
                    f"{tests_folder}/{article_id}.yml: answer tests for unknown article '{article_id}'"
                    for article_id in unknown
                )
            for article in articles:
                head = _head(connection, article.id)
                if head is None:
                    version = article.version
                    connection.execute(
                        articles_table.insert().values(
                            article_id=article.id, latest_version=version, published_version=None, updated_at=now
                        )
                    )
                    created.append(article.id)
                else:
                    latest = _version(_version_row(connection, article.id, head.latest_version))
                    if _same(latest, article):
                        continue
                    version = head.latest_version + 1
                    _move_head(connection, article.id, head.latest_version, latest_version=version, updated_at=now)
                    changed.append(article.id)
                status = PUBLISHED if article.status == PUBLISHED else DRAFT
                _insert_version(connection, article, version, status, user, now, "import")
                if status == PUBLISHED:
                    if head is not None:
                        _archive_live(connection, head)
                    _move_head(connection, article.id, version, published_version=version, updated_at=now)
                    went_live[article.id] = version
                _audit(connection, now, user, "import", article.id, version, "created" if head is None else "changed")
            for article_id, questions in sorted(tests.items()):
                latest = _latest_tests(connection, article_id)
                if latest is not None and tuple(latest.questions) == questions:
                    continue
                version = latest.version + 1 if latest else 1
                _insert_tests(connection, article_id, version, questions, user, now)
                _audit(connection, now, user, "import tests", article_id, version, "")
                tests_changed.append(article_id)
            publication = None
            if went_live:
                revision = _new_revision(connection, expected_revision)
                publication = _record_publication(connection, revision, went_live, user, now)
        unchanged = len(articles) - len(created) - len(changed)
        return ImportSummary(tuple(created), tuple(changed), unchanged, tuple(tests_changed), publication)

    def export_yaml(self, folder: Path, tests_folder: Optional[Path] = None) -> List[Path]:
        """Writes one file per article: its live version, or its latest draft when it
        has never been published; and one test file per article with tests."""
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(versions_table)
                .join(
                    articles_table,
                    and_(
                        versions_table.c.article_id == articles_table.c.article_id,
                        versions_table.c.version
                        == func.coalesce(articles_table.c.published_version, articles_table.c.latest_version),
                    ),
                )
                .order_by(versions_table.c.article_id)
            ).all()
        written = []
        for row in rows:
            article = _version(row).article
            written.append(_write_file(Path(folder) / f"{article.id}.yml", article_to_yaml(article)))
        if tests_folder is not None:
            for article_id, questions in self.answer_tests().items():
                written.append(
                    _write_file(Path(tests_folder) / f"{article_id}.yml", answer_tests_to_yaml(article_id, questions))
                )
        return written

    def ensure_seeded(
        self, folder: Path = ARTICLES_FOLDER, tests_folder: Optional[Path] = ANSWER_TESTS_FOLDER, user: str = "seed"
    ) -> Optional[ImportSummary]:
        """Imports the seed files into an empty store; None when it was not empty."""
        with self._engine.connect() as connection:
            if connection.execute(select(func.count()).select_from(articles_table)).scalar():
                return None
        try:
            return self.import_yaml(folder, user, tests_folder, expected_revision=0)
        except (IntegrityError, EditConflict):
            # Another process (the launcher, a second action server) seeded it first.
            logger.info("The knowledge store was seeded by another process.")
            return None

    # ----- audit and gaps -----

    def audit(self, limit: int = 100, article_id: Optional[str] = None) -> List[AuditEntry]:
        """Newest first."""
        statement = select(audit_table).order_by(audit_table.c.id.desc()).limit(limit)
        if article_id is not None:
            statement = statement.where(audit_table.c.article_id == article_id)
        with self._engine.connect() as connection:
            return [AuditEntry(**row._mapping) for row in connection.execute(statement)]

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
                    at=_now(),
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


def _take_sqlite_write_lock_first(engine) -> None:
    """Write transactions on SQLite begin IMMEDIATE: they take the write lock before
    their first read, so two editors saving at once queue up and the second sees the
    first's version (a clear EditConflict) instead of failing with 'database is locked'.
    The driver's own transaction handling is switched off for that."""

    @event.listens_for(engine, "connect")
    def _connect(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection):
        mode = "IMMEDIATE" if connection.get_execution_options().get("write") else "DEFERRED"
        connection.exec_driver_sql(f"BEGIN {mode}")


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _when(at: datetime) -> str:
    return f"{at:%Y-%m-%d %H:%M:%S} UTC"


def checked_as(article: Article, status: str) -> Article:
    """The article with `status` (published, else draft), validated by the article
    rules: empty or oversized answers, HTML and script tags, too few questions to
    publish... Raises ArticleError naming every problem."""
    data = article_to_dict(article)
    data["status"] = PUBLISHED if status == PUBLISHED else DRAFT
    return parse_article(data, source=f"article '{article.id}'")


def _version(row) -> ArticleVersion:
    content = dict(row.content, version=row.version, status=PUBLISHED if row.status == PUBLISHED else DRAFT)
    article = parse_article(content, source=f"article '{row.article_id}' version {row.version}")
    return ArticleVersion(article, row.status, row.author, row.created_at, row.comment)


def _same(stored: ArticleVersion, article: Article) -> bool:
    """Same content and same status, whatever the version numbers."""
    return replace(stored.article, version=article.version) == article and (
        (stored.status == PUBLISHED) == (article.status == PUBLISHED)
    )


def _head(connection: Connection, article_id: str):
    return connection.execute(select(articles_table).where(articles_table.c.article_id == article_id)).first()


def _version_row(connection: Connection, article_id: str, version: int):
    return connection.execute(
        select(versions_table).where(versions_table.c.article_id == article_id, versions_table.c.version == version)
    ).first()


def _latest_tests(connection: Connection, article_id: str):
    return connection.execute(
        select(answer_tests_table)
        .where(answer_tests_table.c.article_id == article_id)
        .order_by(answer_tests_table.c.version.desc())
        .limit(1)
    ).first()


def _insert_version(
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


def _insert_tests(
    connection: Connection, article_id: str, version: int, questions: Tuple[str, ...], author: str, at: datetime
) -> None:
    connection.execute(
        answer_tests_table.insert().values(
            article_id=article_id, version=version, questions=list(questions), author=author, created_at=at
        )
    )


def _move_head(connection: Connection, article_id: str, expected_latest: int, **values) -> None:
    """Updates the head only if its latest version is still `expected_latest`: the
    compare-and-swap that makes a concurrent save fail instead of overwrite."""
    result = connection.execute(
        articles_table.update()
        .where(articles_table.c.article_id == article_id, articles_table.c.latest_version == expected_latest)
        .values(**values)
    )
    if result.rowcount != 1:
        raise EditConflict(f"Article '{article_id}' was changed by someone else at the same moment; nothing was saved.")


def _set_status(connection: Connection, article_id: str, version: int, status: str) -> None:
    connection.execute(
        versions_table.update()
        .where(versions_table.c.article_id == article_id, versions_table.c.version == version)
        .values(status=status)
    )


def _archive_live(connection: Connection, head) -> None:
    if head.published_version is not None:
        _set_status(connection, head.article_id, head.published_version, ARCHIVED)


def _edit_conflict(connection: Connection, article_id: str, base_version: Optional[int], head) -> Exception:
    if head is None:
        return UnknownArticle(f"no article '{article_id}'; to create it, save it without a base version")
    latest = _version_row(connection, article_id, head.latest_version)
    saved = f"version {latest.version} was saved by {latest.author} at {_when(latest.created_at)}"
    if base_version is None:
        return EditConflict(f"Article '{article_id}' already exists: {saved}. Open it to edit it. Nothing was saved.")
    return EditConflict(
        f"Article '{article_id}' was changed while you edited it: {saved}, but your edit started from "
        f"version {base_version}. Nothing was saved; reload version {latest.version}, reapply your change "
        f"and save again."
    )


def _revision(connection: Connection) -> int:
    return connection.execute(select(func.coalesce(func.max(publications_table.c.revision), 0))).scalar()


def _new_revision(connection: Connection, expected: Optional[int]) -> int:
    current = _revision(connection)
    if expected is not None and current != expected:
        latest = connection.execute(
            select(publications_table).where(publications_table.c.revision == current)
        ).first()
        raise EditConflict(
            f"{latest.user} published revision {current} at {_when(latest.at)} while the answer tests ran "
            f"against revision {expected}. Nothing was published; publish again."
        )
    return current + 1


def _record_publication(
    connection: Connection, revision: int, versions: Dict[str, int], user: str, at: datetime
) -> Publication:
    made_live = tuple(sorted(versions.items()))
    connection.execute(
        publications_table.insert().values(
            revision=revision, at=at, user=user, articles=[[article_id, version] for article_id, version in made_live]
        )
    )
    return Publication(revision, made_live, user, at)


def _audit(
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


def _texts(value) -> Iterator[str]:
    """Every text in an article's content, for the editors' search."""
    if isinstance(value, dict):
        for item in value.values():
            yield from _texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item)
    elif isinstance(value, str):
        yield value


def _fold(text: str) -> str:
    return normalise(text)[0].lower()


# Numbers are left out of the key too: questions that differ only in a phone number,
# a waybill number or a weight are the same gap.
_NOT_LETTERS = re.compile(r"[\W_\d]+")


def _question_key(question: str) -> str:
    return _NOT_LETTERS.sub("", _fold(question))


def _write_file(path: Path, text: str) -> Path:
    """Writes through a temporary file, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return path
