"""The JSON the editor service answers with, built from the knowledge library's
objects. Times are ISO 8601 in UTC ("...Z"); user ids come with their display name."""
from datetime import datetime
from typing import Any, Dict, List, Optional, Tuple

from foundation.staff.auth import User
from knowledge.answer_tests import Outcome
from knowledge.article import DRAFT, PUBLISHED, article_to_dict, article_to_yaml
from knowledge.gaps import Gap
from knowledge.publishing import GateReport
from knowledge.store import AnswerTestsVersion, ArticleSummary, AuditEntry
from knowledge.versions import ArticleVersion, Publication


def user_view(user: User) -> Dict[str, str]:
    return {"id": user.id, "name": user.name, "role": user.role}


def _name(users: Dict[str, User], user_id: str) -> str:
    """Display name of a user id; ids of the seed or the command line stay as they are."""
    user = users.get(user_id)
    return user.name if user else user_id


def _time(at: Optional[datetime]) -> Optional[str]:
    # The store's times are UTC without a zone.
    return None if at is None else at.isoformat() + "Z"


def summary_view(summary: ArticleSummary, users: Dict[str, User]) -> Dict[str, Any]:
    return {
        "id": summary.article_id,
        "title": summary.title,
        "category": summary.category,
        "latest_version": summary.latest_version,
        "latest_status": summary.latest_status,
        "published_version": summary.published_version,
        "updated_at": _time(summary.updated_at),
        "updated_by": summary.updated_by,
        "updated_by_name": _name(users, summary.updated_by),
    }


def version_view(version: ArticleVersion, users: Dict[str, User]) -> Dict[str, Any]:
    return {
        "id": version.article_id,
        "version": version.version,
        "status": version.status,
        "author": version.author,
        "author_name": _name(users, version.author),
        "created_at": _time(version.created_at),
        "comment": version.comment,
        "article": article_to_dict(version.article),
        "yaml": article_to_yaml(version.article),
    }


def history_entry_view(version: ArticleVersion, users: Dict[str, User]) -> Dict[str, Any]:
    """A version without its content."""
    return {key: value for key, value in version_view(version, users).items() if key not in ("article", "yaml")}


def tests_view(tests: AnswerTestsVersion, users: Dict[str, User]) -> Dict[str, Any]:
    return {
        "article_id": tests.article_id,
        "version": tests.version,
        "questions": list(tests.questions),
        "author": tests.author,
        "author_name": _name(users, tests.author) if tests.author else None,
        "created_at": _time(tests.created_at),
    }


def article_view(
    article_id: str, versions: List[ArticleVersion], tests: AnswerTestsVersion, users: Dict[str, User]
) -> Dict[str, Any]:
    """An article as the editor opens it: its latest version, the live one, and its
    answer tests. `versions` are its history, newest first."""
    published = next((version for version in versions if version.status == PUBLISHED), None)
    return {
        "id": article_id,
        "latest": version_view(versions[0], users),
        "published": version_view(published, users) if published else None,
        "pending": versions[0].status == DRAFT,
        "answer_tests": tests_view(tests, users),
    }


def _outcome_view(outcome: Outcome) -> Dict[str, Any]:
    return {
        "article_id": outcome.article_id,
        "question": outcome.question,
        "expected": outcome.article_id,
        "got": outcome.got,
        "score": round(outcome.score, 3),
        "day": outcome.day.isoformat(),
        "description": outcome.describe(),
    }


def gate_view(gate: Optional[GateReport], tested: Optional[List[Tuple[str, int]]]) -> Optional[Dict[str, Any]]:
    """The answer-test gate's verdict: what blocks publishing (problems, failing
    tests). `tested` are the (article id, version) tried as live, None when not known."""
    if gate is None:
        return None
    report = gate.report
    return {
        "refused": gate.refused,
        "drafts": None if tested is None else [{"id": article_id, "version": version} for article_id, version in tested],
        "problems": list(gate.problems),
        "failures": [_outcome_view(outcome) for outcome in gate.blocking],
        "total": len(report.outcomes) if report else 0,
        "passed": len(report.outcomes) - len(report.failures) if report else 0,
        "lines": gate.lines(),
    }


def publication_view(publication: Publication) -> Dict[str, Any]:
    return {
        "revision": publication.revision,
        "published_at": _time(publication.at),
        "articles": [{"id": article_id, "version": version} for article_id, version in publication.articles],
    }


def audit_entry_view(entry: AuditEntry, users: Dict[str, User]) -> Dict[str, Any]:
    return {
        "id": entry.id,
        "at": _time(entry.at),
        "user": entry.user,
        "user_name": _name(users, entry.user),
        "action": entry.action,
        "article_id": entry.article_id,
        "version": entry.version,
        "detail": entry.detail,
    }


def gap_view(gap: Gap) -> Dict[str, Any]:
    return {
        "question": gap.question,
        "count": gap.count,
        "first_seen": _time(gap.first_seen),
        "last_seen": _time(gap.last_seen),
        "language": gap.language,
        "channel": gap.channel,
        "best_article": gap.best_article,
        "best_score": gap.best_score,
        "group_id": gap.group_id,
        "article_id": gap.article_id,
        "handled_at": _time(gap.handled_at),
    }
