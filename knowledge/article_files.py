"""The knowledge store to and from YAML files: importing article and answer-test files
(all or nothing), exporting them, and seeding an empty store from knowledge/articles
and knowledge/tests.
"""
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import List, Optional, Tuple

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from knowledge import versions
from knowledge.answer_tests import ANSWER_TESTS_FOLDER, AnswerTestError, answer_tests_to_yaml, load_answer_tests
from knowledge.article import ARTICLES_FOLDER, DRAFT, PUBLISHED, article_to_yaml, load_articles
from knowledge.tables import Database, articles_table, at_head, now, versions_table
from knowledge.versions import EditConflict, Publication

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ImportSummary:
    created: Tuple[str, ...]
    changed: Tuple[str, ...]
    unchanged: int
    tests_changed: Tuple[str, ...]
    publication: Optional[Publication]  # None when no published article changed


class ArticleFiles(Database):
    """YAML files in and out of the knowledge database; KnowledgeStore has them."""

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
            at = now()
            known = set(connection.execute(select(articles_table.c.article_id)).scalars())
            unknown = sorted(set(tests) - known - {article.id for article in articles})
            if unknown:
                raise AnswerTestError(
                    f"{tests_folder}/{article_id}.yml: answer tests for unknown article '{article_id}'"
                    for article_id in unknown
                )
            for article in articles:
                head = versions.read_head(connection, article.id)
                if head is None:
                    version = article.version
                    versions.insert_head(connection, article.id, version, at)
                    created.append(article.id)
                else:
                    latest = versions.read_version(connection, article.id, head.latest_version)
                    if versions.same_as_stored(versions.version_of(latest), article):
                        continue
                    version = head.latest_version + 1
                    versions.move_head(
                        connection, article.id, head.latest_version, latest_version=version, updated_at=at
                    )
                    changed.append(article.id)
                status = PUBLISHED if article.status == PUBLISHED else DRAFT
                versions.insert_version(connection, article, version, status, user, at, "import")
                if status == PUBLISHED:
                    if head is not None:
                        versions.archive_live(connection, head)
                    versions.move_head(connection, article.id, version, published_version=version, updated_at=at)
                    went_live[article.id] = version
                how = "created" if head is None else "changed"
                versions.write_audit(connection, at, user, "import", article.id, version, how)
            for article_id, questions in sorted(tests.items()):
                latest = versions.read_latest_tests(connection, article_id)
                if latest is not None and tuple(latest.questions) == questions:
                    continue
                version = latest.version + 1 if latest else 1
                versions.insert_tests(connection, article_id, version, questions, user, at)
                versions.write_audit(connection, at, user, "import tests", article_id, version, "")
                tests_changed.append(article_id)
            publication = None
            if went_live:
                revision = versions.new_revision(connection, expected_revision)
                publication = versions.record_publication(connection, revision, went_live, user, at)
        unchanged = len(articles) - len(created) - len(changed)
        return ImportSummary(tuple(created), tuple(changed), unchanged, tuple(tests_changed), publication)

    def export_yaml(self, folder: Path, tests_folder: Optional[Path] = None) -> List[Path]:
        """Writes one file per article: its live version, or its latest draft when it
        has never been published; and one test file per article with tests."""
        shown = func.coalesce(articles_table.c.published_version, articles_table.c.latest_version)
        with self._engine.connect() as connection:
            rows = connection.execute(
                select(versions_table).join(articles_table, at_head(shown)).order_by(versions_table.c.article_id)
            ).all()
            tests = versions.read_answer_tests(connection) if tests_folder is not None else {}
        written = []
        for row in rows:
            article = versions.version_of(row).article
            written.append(_write_file(Path(folder) / f"{article.id}.yml", article_to_yaml(article)))
        for article_id, questions in tests.items():
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


def _write_file(path: Path, text: str) -> Path:
    """Writes through a temporary file, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
    return path
