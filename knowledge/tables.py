"""The knowledge base's SQL tables and the database that holds them.

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
  gaps              questions the bot could not answer, phone numbers masked; the
                    article drafted from a group and when it was published

A database made before a table gained a column gets the column at start-up
(`_add_missing_columns`): new columns are nullable, so existing rows stay valid.
Every change is one transaction: it is written whole or not at all. Times are UTC.
"""
from datetime import datetime, timezone
from pathlib import Path

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
    inspect,
)
from sqlalchemy.engine import make_url

from foundation.settings import knowledge_database_url

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
    # The article an editor drafted from the question's group, and when it went live.
    Column("article_id", String(200), nullable=True),
    Column("handled_at", DateTime, nullable=True),
)


def at_head(head_version):
    """Joins article_versions to articles on the version `head_version` (a column of
    articles, or an expression of them) names: the latest, the live one..."""
    return and_(
        versions_table.c.article_id == articles_table.c.article_id,
        versions_table.c.version == head_version,
    )


def now() -> datetime:
    """The tables' times: UTC without a zone."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


class Database:
    """The connection to the knowledge tables, which it creates when missing."""

    def __init__(self, url: str):
        self.url = url
        database_url = make_url(url)
        if database_url.get_backend_name() == "sqlite" and database_url.database not in (None, "", ":memory:"):
            Path(database_url.database).parent.mkdir(parents=True, exist_ok=True)
        self._engine = create_engine(url, future=True)
        if database_url.get_backend_name() == "sqlite":
            _take_sqlite_write_lock_first(self._engine)
        # One write transaction: the editor service and the action server open the store
        # at the same start, and on SQLite two schema checks turning into writes at once
        # would fail with "database is locked" instead of waiting for each other.
        with self._write() as connection:
            metadata.create_all(connection)
            _add_missing_columns(connection)

    @classmethod
    def from_environment(cls):
        return cls(knowledge_database_url())

    def close(self) -> None:
        self._engine.dispose()

    def _write(self):
        """A write transaction; on SQLite it holds the write lock from its first read."""
        return self._engine.execution_options(write=True).begin()


def _add_missing_columns(connection) -> None:
    """Adds the columns a table gained since the database was made (create_all makes
    missing tables only)."""
    for table in metadata.sorted_tables:
        present = {column["name"] for column in inspect(connection).get_columns(table.name)}
        for column in table.columns:
            if column.name not in present:
                kind = column.type.compile(dialect=connection.dialect)
                connection.exec_driver_sql(f'ALTER TABLE {table.name} ADD COLUMN "{column.name}" {kind}')


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
