"""Publishing: the answer-test gate, the switch to the new versions, and the notice
that makes every running process reload.

The gate builds the search index of what WOULD be live (the published articles with
the changes applied) and runs every answer test against it. It refuses when an
article to publish breaks the rules for published articles, has fewer than
MIN_ANSWER_TESTS answer tests, or when any answer test fails: a change must never
break an answer that worked, and what is live passes all of them (the seed does).
When the gate refuses, nothing changes.

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
from typing import Dict, Iterable, List, Optional, Tuple

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
from knowledge.article import PUBLISHED, Article, ArticleError, checked_as, load_articles
from knowledge.article_files import ImportSummary
from knowledge.search import KnowledgeIndex
from knowledge.store import KnowledgeStore
from knowledge.versions import Publication

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


class PublishRefused(Exception):
    def __init__(self, gate: GateReport):
        self.gate = gate
        super().__init__("\n".join(["Publishing refused; nothing was changed.", *gate.lines()]))


@dataclass(frozen=True)
class PublishResult:
    publication: Optional[Publication]  # None when there was nothing to publish
    gate: Optional[GateReport]


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
    article_ids: Optional[Iterable[str]],
    user: str,
    redis_client: Optional[redis.Redis] = None,
    *,
    today: Optional[date] = None,
    channel: str = PUBLISHED_CHANNEL,
) -> PublishResult:
    """Publishes the pending drafts of `article_ids`, or all pending drafts when None.
    Raises PublishRefused with the gate's report, or EditConflict when the store
    changed while the tests ran; in both cases nothing changes."""
    revision = store.revision()
    wanted = None if article_ids is None else sorted(set(article_ids))
    drafts = store.pending_drafts(wanted)
    if wanted is not None:
        without_draft = sorted(set(wanted) - {draft.article_id for draft in drafts})
        if without_draft:
            raise PublishRefused(GateReport(None, (), tuple(
                f"article '{article_id}' has no draft to publish: its latest version is live"
                for article_id in without_draft
            )))
    if not drafts:
        return PublishResult(None, None)
    gate = check(store, [draft.article for draft in drafts], today)
    if gate.refused:
        raise PublishRefused(gate)
    publication = store.mark_published(
        {draft.article_id: draft.version for draft in drafts}, user, expected_revision=revision
    )
    notify(redis_client, publication, channel)
    return PublishResult(publication, gate)


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
    """Makes an old version's content live again as a new version, through the gate."""
    revision = store.revision()
    old = store.get(article_id, version)
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

