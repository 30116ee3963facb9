"""Publishing: the answer-test gate, the switch to the new versions, and the notice
that makes every running process reload.

The gate builds the search index of what WOULD be live (the published articles with
the changes applied) and runs every answer test against it. It refuses when an
article to publish breaks the rules for published articles, has fewer than
MIN_ANSWER_TESTS answer tests, or when any answer test fails: a change must never
break an answer that worked, and what is live passes all of them (the seed does).
When the gate refuses, nothing changes.

Before the gate come the four eyes. A reviewer publishes the versions they reviewed,
named {article id: version}, and exactly those: when an article has a newer draft
than the version named, nobody reviewed the newer one, and the publication is refused
(Unreviewed), so the reviewer reads the newer edit before anything goes out. Nor may the publisher have written any of
the versions that would go live (the ones after the live version, up to the named
one), since then nobody else read their edit (OwnChange). A rollback brings back a
version that was live before, so a second person read it then; one reviewer may do
it, quickly, and is recorded as the new version's author, in the audit log and in the
publication. A draft that was never live cannot be "rolled back" to.

Otherwise one transaction makes the versions live (with their audit entries and a
new revision of the store), and then a message goes out on PUBLISHED_CHANNEL,
{"version": <revision>, "articles": [{"id": ..., "version": ...}]}, on which every
LiveIndex reloads. LiveIndex also polls the store's revision every second, so a lost
message, or a Redis that is down, delays a reload by a second at most.
"""
import json
import logging
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path
from typing import Dict, Iterable, List, Mapping, Optional, Tuple

import redis

from knowledge.answer_tests import (
    ANSWER_TESTS_FOLDER,
    MIN_ANSWER_TESTS,
    AnswerTests,
    Outcome,
    Report,
    load_answer_tests,
    run_answer_tests,
)
from knowledge.article import DRAFT, PUBLISHED, Article, ArticleError, checked_as, load_articles
from knowledge.article_files import ImportSummary
from knowledge.search import KnowledgeIndex
from knowledge.store import KnowledgeStore, PendingChange
from knowledge.versions import Publication, when

logger = logging.getLogger(__name__)

PUBLISHED_CHANNEL = "knowledge:published"


@dataclass(frozen=True)
class GateReport:
    # Every test run against what would be live; None when nothing was tested.
    report: Optional[Report]
    blocking: Tuple[Outcome, ...]
    problems: Tuple[str, ...]  # articles that cannot be published as they are

    @property
    def refused(self) -> bool:
        return bool(self.problems or self.blocking)

    def lines(self) -> List[str]:
        """What an editor needs to read: problems, then the failing tests."""
        lines = list(self.problems)
        if self.blocking:
            lines.append(f"{len(self.blocking)} answer tests fail:")
            lines.extend(f"  FAIL {outcome.describe()}" for outcome in self.blocking)
        if self.report:
            lines.append(f"{len(self.report.outcomes) - len(self.report.failures)} of "
                         f"{len(self.report.outcomes)} answer tests pass.")
        return lines


class FourEyes(Exception):
    """Publishing would make live what no second person read; nothing was changed."""

    def __init__(self, problems: Iterable[str], outcome: str):
        self.problems = list(problems)  # one per article
        super().__init__(" ".join([*self.problems, outcome]))


class Unreviewed(FourEyes):
    """A newer draft than the version reviewed, or a rollback to a draft never live."""


class OwnChange(FourEyes):
    """The publisher wrote part of what would go live."""


class PublishRefused(Exception):
    def __init__(self, gate: GateReport):
        self.gate = gate
        super().__init__("\n".join(["Publishing refused; nothing was changed.", *gate.lines()]))


@dataclass(frozen=True)
class PublishResult:
    publication: Publication
    gate: GateReport


@dataclass(frozen=True)
class ImportResult:
    summary: ImportSummary
    gate: Optional[GateReport]  # None when no published article changed


def check(
    store: KnowledgeStore,
    changes: Iterable[Article],
    today: Optional[date] = None,
    tests: Optional[AnswerTests] = None,
) -> GateReport:
    """The gate for making `changes` live; `tests` default to the store's."""
    today = today or date.today()
    tests = store.answer_tests() if tests is None else tests
    live = {article.id: article for article in store.published_articles()}
    candidates: Dict[str, Article] = {}
    problems: List[str] = []
    for article in changes:
        try:
            candidates[article.id] = checked_as(article, PUBLISHED)
        except ArticleError as error:
            problems.extend(error.problems)
        count = len(tests.get(article.id, ()))
        if count < MIN_ANSWER_TESTS:
            problems.append(f"article '{article.id}' has {count} answer tests; needs at least {MIN_ANSWER_TESTS}")
    # The tests still run without the invalid articles: the editor sees everything at once.
    after = list({**live, **candidates}.values())
    report = run_answer_tests(KnowledgeIndex.build(after), after, tests, today)
    return GateReport(report, tuple(report.failures), tuple(problems))


def publish(
    store: KnowledgeStore,
    versions: Mapping[str, int],
    user: str,
    redis_client: Optional[redis.Redis] = None,
    *,
    today: Optional[date] = None,
    channel: str = PUBLISHED_CHANNEL,
) -> PublishResult:
    """Publishes exactly `versions` ({article id: the version reviewed}), all or
    nothing. Refused, with nothing changed: UnknownArticle for an article or version
    the store lacks; Unreviewed when an article has a newer version than the one
    named; PublishRefused when a named version is already live or the gate refuses;
    OwnChange when `user` wrote a version that would go live; EditConflict when the
    store changed while the tests ran."""
    if not versions:
        raise ValueError("name the versions to publish")
    revision = store.revision()
    changes = store.pending_changes(versions)
    newer = [_newer_than_reviewed(change) for change in changes if change.latest.version != change.named.version]
    if newer:
        raise Unreviewed(newer, "Nothing was published.")
    live = [
        f"article '{change.article_id}' has no draft to publish: its latest version {change.named.version} is live"
        for change in changes if change.named.status != DRAFT
    ]
    if live:
        raise PublishRefused(GateReport(None, (), tuple(live)))
    own = [_written_by(change, user) for change in changes if any(author == user for _, author in change.unpublished)]
    if own:
        raise OwnChange(own, "A change goes live when a reviewer who did not write it publishes it; "
                             "nothing was published.")
    gate = check(store, [change.named.article for change in changes], today)
    if gate.refused:
        raise PublishRefused(gate)
    publication = store.mark_published(dict(versions), user, expected_revision=revision)
    notify(redis_client, publication, channel)
    return PublishResult(publication, gate)


def _newer_than_reviewed(change: PendingChange) -> str:
    latest = change.latest
    return (
        f"Article '{change.article_id}': version {change.named.version} was named for publishing, but version "
        f"{latest.version} ({latest.status}) was saved after it by {latest.author} at {when(latest.created_at)}; "
        f"review version {latest.version}."
    )


def _written_by(change: PendingChange, user: str) -> str:
    own = [f"version {version}" for version, author in change.unpublished if author == user]
    return f"Article '{change.article_id}': {user} wrote {', '.join(own)} of what would go live."


def rollback(
    store: KnowledgeStore,
    article_id: str,
    version: int,
    user: str,
    redis_client: Optional[redis.Redis] = None,
    *,
    today: Optional[date] = None,
    channel: str = PUBLISHED_CHANNEL,
) -> PublishResult:
    """Makes the content of a version that was live before live again, as a new
    version, through the gate. Unreviewed for a draft that was never live."""
    revision = store.revision()
    old = store.get(article_id, version)
    if old.status == DRAFT:
        raise Unreviewed(
            [f"Article '{article_id}' version {version} was never live, so nobody reviewed it; it goes live when "
             f"a reviewer who did not write it publishes it."],
            "Nothing was changed.",
        )
    gate = check(store, [old.article], today)
    if gate.refused:
        raise PublishRefused(gate)
    publication = store.rollback(article_id, version, user, expected_revision=revision)
    notify(redis_client, publication, channel)
    return PublishResult(publication, gate)


def import_folder(
    store: KnowledgeStore,
    folder: Path,
    user: str,
    redis_client: Optional[redis.Redis] = None,
    *,
    tests_folder: Optional[Path] = ANSWER_TESTS_FOLDER,
    today: Optional[date] = None,
    channel: str = PUBLISHED_CHANNEL,
) -> ImportResult:
    """Imports article (and test) files, all or nothing; the files' published articles
    that differ from what is live go through the gate first, with the imported tests."""
    revision = store.revision()
    articles = load_articles(folder)
    tests = {**store.answer_tests(), **(load_answer_tests(tests_folder) if tests_folder is not None else {})}
    live = {article.id: article for article in store.published_articles()}
    going_live = [
        article
        for article in articles
        if article.status == PUBLISHED
        and (article.id not in live or replace(live[article.id], version=article.version) != article)
    ]
    gate = check(store, going_live, today, tests) if going_live else None
    if gate and gate.refused:
        raise PublishRefused(gate)
    summary = store.import_yaml(folder, user, tests_folder, expected_revision=revision)
    if summary.publication:
        notify(redis_client, summary.publication, channel)
    return ImportResult(summary, gate)


def notify(redis_client: Optional[redis.Redis], publication: Publication, channel: str = PUBLISHED_CHANNEL) -> None:
    """Tells every LiveIndex to reload now. The publication is already committed, so a
    failure here only costs the second until their next poll."""
    if redis_client is None:
        return
    message = json.dumps({
        "version": publication.revision,
        "articles": [{"id": article_id, "version": version} for article_id, version in publication.articles],
    })
    try:
        redis_client.publish(channel, message)
    except redis.RedisError as error:
        logger.warning("Could not announce knowledge revision %s (%s); processes will find it by polling.",
                       publication.revision, error)

