"""The knowledge base in SQL (tables: knowledge/tables.py): every article version,
what is published, the answer tests and the audit log. KnowledgeStore also imports
and exports YAML files (knowledge/article_files.py) and keeps the gap list
(knowledge/gaps.py), so callers hold one object.

Saving is optimistic: an edit names the version it started from, and when someone
else saved a newer one first, EditConflict says who and when, and nothing is written.
"""
import difflib
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Dict, Iterable, Iterator, List, Mapping, Optional, Sequence, Tuple

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from foundation.language import normalise
from knowledge.answer_tests import AnswerTests, check_questions
from knowledge.article import DRAFT, PUBLISHED, Article, article_to_yaml, checked_as
from knowledge.article_files import ArticleFiles
from knowledge.gaps import GapList, mark_gaps_handled
from knowledge.tables import articles_table, at_head, audit_table, now, versions_table
from knowledge.versions import (
    ArticleVersion,
    EditConflict,
    Publication,
    UnknownArticle,
    archive_live,
    edit_conflict,
    insert_head,
    insert_tests,
    insert_version,
    move_head,
    new_revision,
    read_answer_tests,
    read_head,
    read_latest_tests,
    read_revision,
    read_version,
    record_publication,
    set_status,
    version_of,
    when,
    write_audit,
)


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
class PendingChange:
    """What publishing one named version of an article would make live."""

    named: ArticleVersion
    latest: ArticleVersion
    # (version, author) of every version after the live one, up to the named one: the
    # edits that would reach customers, each written by its author.
    unpublished: Tuple[Tuple[int, str], ...]

    @property
    def article_id(self) -> str:
        return self.named.article_id


@dataclass(frozen=True)
class AnswerTestsVersion:
    article_id: str
    version: int  # 0 when the article has no tests yet
    questions: Tuple[str, ...]
    author: Optional[str]
    created_at: Optional[datetime]


@dataclass(frozen=True)
class AuditEntry:
    id: int
    at: datetime
    user: str
    action: str
    article_id: Optional[str]
    version: Optional[int]
    detail: str


class KnowledgeStore(ArticleFiles, GapList):
    """The knowledge base in SQL, as callers use it: `KnowledgeStore.from_environment()`."""

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
                head = read_head(connection, draft.id)
                latest = head.latest_version if head else None
                if latest != base_version:
                    raise edit_conflict(connection, draft.id, base_version, head)
                version = latest + 1 if head else draft.version
                at = now()
                if head:
                    move_head(connection, draft.id, latest, latest_version=version, updated_at=at)
                else:
                    insert_head(connection, draft.id, version, at)
                insert_version(connection, draft, version, DRAFT, author, at, comment)
                write_audit(connection, at, author, "edit" if head else "create", draft.id, version, comment)
        except IntegrityError:
            # Another editor's transaction wrote the same version first.
            with self._engine.connect() as connection:
                raise edit_conflict(connection, draft.id, base_version, read_head(connection, draft.id)) from None
        return self.get(draft.id, version)

    def get(self, article_id: str, version: Optional[int] = None) -> ArticleVersion:
        """One version; the latest when `version` is None."""
        with self._engine.connect() as connection:
            head = read_head(connection, article_id)
            if head is None:
                raise UnknownArticle(f"no article '{article_id}'")
            row = read_version(connection, article_id, head.latest_version if version is None else version)
        if row is None:
            raise UnknownArticle(
                f"article '{article_id}' has no version {version} (the latest is {head.latest_version})"
            )
        return version_of(row)

    def list(self, status: Optional[str] = None, query: Optional[str] = None) -> List[ArticleSummary]:
        """Every article by id with its latest version; `status` filters on the latest
        version's status (draft: unpublished changes), `query` on any of its text."""
        statement = (
            select(articles_table, versions_table.c.content, versions_table.c.status, versions_table.c.author)
            .join(versions_table, at_head(articles_table.c.latest_version))
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
        return [version_of(row) for row in rows]

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
                .join(articles_table, at_head(articles_table.c.published_version))
                .order_by(versions_table.c.article_id)
            ).all()
        return [version_of(row).article for row in rows]

    def pending_drafts(self, article_ids: Optional[Iterable[str]] = None) -> List[ArticleVersion]:
        """The latest version of each article (of `article_ids`, default all) when it is a
        draft, by id. An id the store does not know raises UnknownArticle."""
        statement = select(versions_table).join(articles_table, at_head(articles_table.c.latest_version))
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
        return [version_of(row) for row in rows]

    def pending_changes(self, versions: Mapping[str, int]) -> List[PendingChange]:
        """For each article and version of `versions` ({article id: version}), by id:
        that version, the article's latest and the versions publishing it would make
        live. UnknownArticle names every article and version the store does not have."""
        changes: List[PendingChange] = []
        unknown: List[str] = []
        with self._engine.connect() as connection:
            for article_id, version in sorted(versions.items()):
                head = read_head(connection, article_id)
                named = read_version(connection, article_id, version) if head else None
                if named is None:
                    unknown.append(
                        f"article '{article_id}' has no version {version} (the latest is {head.latest_version})"
                        if head else f"no article '{article_id}'"
                    )
                    continue
                unpublished = connection.execute(
                    select(versions_table.c.version, versions_table.c.author)
                    .where(
                        versions_table.c.article_id == article_id,
                        versions_table.c.version > (head.published_version or 0),
                        versions_table.c.version <= version,
                    )
                    .order_by(versions_table.c.version)
                ).all()
                latest = read_version(connection, article_id, head.latest_version)
                changes.append(PendingChange(
                    version_of(named), version_of(latest), tuple((row.version, row.author) for row in unpublished)
                ))
        if unknown:
            raise UnknownArticle("; ".join(unknown))
        return changes

    # ----- publications -----

    def revision(self) -> int:
        """How many times what is live has changed; 0 for an empty store."""
        with self._engine.connect() as connection:
            return read_revision(connection)

    def mark_published(
        self, versions: Dict[str, int], user: str, expected_revision: Optional[int] = None
    ) -> Publication:
        """Makes the given draft versions live in one transaction, and the gap groups
        drafted as them handled. Raises EditConflict
        when one of them is no longer its article's latest version, or when
        `expected_revision` (what the answer tests ran against) is no longer live."""
        with self._write() as connection:
            at = now()
            revision = new_revision(connection, expected_revision)
            for article_id, version in sorted(versions.items()):
                head = read_head(connection, article_id)
                if head is None:
                    raise UnknownArticle(f"no article '{article_id}'")
                row = read_version(connection, article_id, head.latest_version)
                if head.latest_version != version or row.status != DRAFT:
                    raise EditConflict(
                        f"Article '{article_id}' changed while its answer tests ran: version "
                        f"{head.latest_version} ({row.status}) was saved by {row.author} at "
                        f"{when(row.created_at)}. Nothing was published; publish again."
                    )
                checked_as(version_of(row).article, PUBLISHED)
                archive_live(connection, head)
                set_status(connection, article_id, version, PUBLISHED)
                move_head(connection, article_id, head.latest_version, published_version=version, updated_at=at)
                was = f"version {head.published_version}" if head.published_version else "nothing"
                detail = f"live was {was}; revision {revision}"
                write_audit(connection, at, user, "publish", article_id, version, detail)
            mark_gaps_handled(connection, versions, at)
            return record_publication(connection, revision, versions, user, at)

    def rollback(
        self, article_id: str, version: int, user: str, expected_revision: Optional[int] = None
    ) -> Publication:
        """Publishes the content of an old version as a new version; history stays as
        it was. Pending drafts stay in the history, behind the new version."""
        with self._write() as connection:
            at = now()
            head = read_head(connection, article_id)
            if head is None:
                raise UnknownArticle(f"no article '{article_id}'")
            source = read_version(connection, article_id, version)
            if source is None:
                raise UnknownArticle(
                    f"article '{article_id}' has no version {version} (the latest is {head.latest_version})"
                )
            revision = new_revision(connection, expected_revision)
            restored = checked_as(replace(version_of(source).article, version=head.latest_version + 1), PUBLISHED)
            archive_live(connection, head)
            comment = f"rollback to version {version}"
            insert_version(connection, restored, restored.version, PUBLISHED, user, at, comment)
            move_head(
                connection, article_id, head.latest_version,
                latest_version=restored.version, published_version=restored.version, updated_at=at,
            )
            detail = f"{comment}; revision {revision}"
            write_audit(connection, at, user, "rollback", article_id, restored.version, detail)
            return record_publication(connection, revision, {article_id: restored.version}, user, at)

    # ----- answer tests -----

    def answer_tests(self) -> AnswerTests:
        """The latest test questions of every article that has tests."""
        with self._engine.connect() as connection:
            return read_answer_tests(connection)

    def get_answer_tests(self, article_id: str) -> AnswerTestsVersion:
        with self._engine.connect() as connection:
            if read_head(connection, article_id) is None:
                raise UnknownArticle(f"no article '{article_id}'")
            row = read_latest_tests(connection, article_id)
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
            if read_head(connection, article_id) is None:
                raise UnknownArticle(f"no article '{article_id}'")
            latest = read_latest_tests(connection, article_id)
            latest_version = latest.version if latest else 0
            if latest_version != base_version:
                saved = (
                    f"version {latest_version} was saved by {latest.author} at {when(latest.created_at)}"
                    if latest else "none were ever saved"
                )
                raise EditConflict(
                    f"The answer tests of '{article_id}' changed while you edited them: {saved}, but this "
                    f"edit started from version {base_version}. Nothing was saved; reload and edit again."
                )
            at = now()
            insert_tests(connection, article_id, latest_version + 1, checked, author, at)
            write_audit(connection, at, author, "edit tests", article_id, latest_version + 1, "")
        return self.get_answer_tests(article_id)

    # ----- audit -----

    def audit(self, limit: int = 100, article_id: Optional[str] = None) -> List[AuditEntry]:
        """Newest first."""
        statement = select(audit_table).order_by(audit_table.c.id.desc()).limit(limit)
        if article_id is not None:
            statement = statement.where(audit_table.c.article_id == article_id)
        with self._engine.connect() as connection:
            return [AuditEntry(**row._mapping) for row in connection.execute(statement)]


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
    """Text as the editors' search compares it: Simplified, lower case."""
    return normalise(text)[0].lower()
