"""The knowledge base from the command line.

    .venv/bin/python -m knowledge.cli import|export|test|publish|gaps
        [--user NAME] [--folder knowledge/articles] [--tests-folder knowledge/tests]
        [--article ID[=VERSION] ...] [--limit N] [--all]

  import   the article and test files into the store, all or nothing; changed
           published articles go live through the answer-test gate
  export   the store to files: one per article (its live version, or its draft
           when never published) and one per article's tests
  test     the answer tests against what would be live if every draft were
           published; exit 1 if publishing them would be refused
  publish  the versions named --article ID=VERSION (the ones reviewed), as on the
           editor page: refused, exit 1, when an article has a newer version, when
           --user wrote a version that would go live, or when the gate refuses
           (listing the failing answer tests); without --article it lists the drafts
  gaps     the questions the bot could not answer, most recent first

The store is KNOWLEDGE_DATABASE_URL (default var/knowledge.db); an empty store is
first seeded, without the gate, from knowledge/articles and knowledge/tests (for
import, from the folders given). REDIS_URL, when set, is
where running processes are told to reload; without it they notice within a second
by polling the store.

The command line takes --user at its word: whoever runs it holds the store's URL and
could change the tables directly, so it is an operators' tool. Editors and reviewers
use the editor service, where who publishes comes from their login.
"""
import argparse
import getpass
import os
import sys
from pathlib import Path
from typing import Dict, List, Optional

import redis
from sqlalchemy.engine import make_url

from knowledge.answer_tests import ANSWER_TESTS_FOLDER, AnswerTestError
from knowledge.article import ARTICLES_FOLDER, ArticleError
from knowledge.publishing import FourEyes, PublishRefused, check, import_folder, publish
from knowledge.store import KnowledgeStore
from knowledge.versions import EditConflict, UnknownArticle, when


class UsageError(ValueError):
    """A command line that names something wrongly."""


def main(argv: Optional[List[str]] = None) -> int:
    arguments = _parser().parse_args(argv)
    store = KnowledgeStore.from_environment()
    print(f"knowledge store: {make_url(store.url).render_as_string(hide_password=True)}")
    try:
        # An empty store has nothing live to protect: it is seeded without the gate,
        # from the files being imported or else from the seed files.
        if arguments.command == "import":
            seeded = store.ensure_seeded(arguments.folder, arguments.tests_folder, arguments.user)
        else:
            seeded = store.ensure_seeded()
        if seeded:
            print(f"seeded the empty store: {len(seeded.created)} articles, "
                  f"answer tests for {len(seeded.tests_changed)}")
        return COMMANDS[arguments.command](store, arguments)
    except (ArticleError, AnswerTestError, EditConflict, UnknownArticle, FourEyes, UsageError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    except PublishRefused as refused:
        print(refused, file=sys.stderr)
        return 1
    finally:
        store.close()


def import_command(store: KnowledgeStore, arguments) -> int:
    print(f"importing {arguments.folder} and {arguments.tests_folder} as {arguments.user} ...")
    result = import_folder(store, arguments.folder, arguments.user, _redis(), tests_folder=arguments.tests_folder)
    summary = result.summary
    print(f"created {len(summary.created)}, changed {len(summary.changed)}, unchanged {summary.unchanged}; "
          f"answer tests changed for {len(summary.tests_changed)} articles")
    for line in result.gate.lines() if result.gate else []:
        print(line)
    if summary.publication:
        print(f"revision {summary.publication.revision} is live "
              f"({len(summary.publication.articles)} articles published)")
    return 0


def export_command(store: KnowledgeStore, arguments) -> int:
    written = store.export_yaml(arguments.folder, arguments.tests_folder)
    print(f"wrote {len(written)} files to {arguments.folder} and {arguments.tests_folder}")
    return 0


def test_command(store: KnowledgeStore, arguments) -> int:
    drafts = store.pending_drafts(arguments.article or None)
    print(f"running the answer tests with {len(store.published_articles())} published articles "
          f"and {len(drafts)} drafts: {', '.join(draft.article_id for draft in drafts) or 'none'} ...")
    gate = check(store, [draft.article for draft in drafts])
    for line in gate.lines():
        print(line)
    print("publishing these drafts would be refused" if gate.refused else "ok to publish")
    return 1 if gate.refused else 0


def publish_command(store: KnowledgeStore, arguments) -> int:
    versions = _named_versions(arguments.article)
    if not versions:
        drafts = store.pending_drafts()
        print("name the versions you reviewed: --article ID=VERSION (repeatable); the drafts are:")
        for draft in drafts:
            print(f"  --article {draft.article_id}={draft.version}   by {draft.author}, {when(draft.created_at)}")
        return 1
    named = ", ".join(f"{article_id} v{version}" for article_id, version in sorted(versions.items()))
    print(f"publishing {named} as {arguments.user}; running the answer tests ...")
    result = publish(store, versions, arguments.user, _redis())
    for line in result.gate.lines():
        print(line)
    published = ", ".join(f"{article_id} v{version}" for article_id, version in result.publication.articles)
    print(f"revision {result.publication.revision} is live: {published}")
    return 0


def _named_versions(named: List[str]) -> Dict[str, int]:
    """{article id: version} of --article ID=VERSION arguments."""
    versions = {}
    for argument in named:
        article_id, _, version = argument.partition("=")
        if not version.isdigit() or int(version) < 1 or article_id in versions:
            raise UsageError(f"--article {argument}: name each article once, with the version you reviewed: "
                             f"--article {article_id}=VERSION")
        versions[article_id] = int(version)
    return versions


def gaps_command(store: KnowledgeStore, arguments) -> int:
    gaps = store.gaps(arguments.limit)
    print(f"{len(gaps)} unanswered questions, most recent first")
    for gap in gaps:
        best = f"{gap.best_article} {gap.best_score:.2f}" if gap.best_article and gap.best_score is not None else "-"
        print(f"{gap.count:>5}x  {gap.last_seen:%Y-%m-%d %H:%M}  {gap.language or '-':<7} {gap.channel or '-':<6} "
              f"{best:<32} {gap.question}")
    return 0


COMMANDS = {
    "import": import_command,
    "export": export_command,
    "test": test_command,
    "publish": publish_command,
    "gaps": gaps_command,
}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m knowledge.cli", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=COMMANDS)
    parser.add_argument("--user", default=os.environ.get("KNOWLEDGE_USER") or getpass.getuser(),
                        help="who is recorded in the audit log")
    parser.add_argument("--folder", type=Path, default=ARTICLES_FOLDER, help="article files")
    parser.add_argument("--tests-folder", type=Path, default=ANSWER_TESTS_FOLDER, help="answer test files")
    parser.add_argument("--article", action="append", default=[], metavar="ID",
                        help="test: only these articles' drafts; publish: ID=VERSION, the version reviewed "
                             "(repeatable)")
    parser.add_argument("--limit", type=int, default=50, help="how many gaps to list")
    return parser


def _redis() -> Optional[redis.Redis]:
    url = os.environ.get("REDIS_URL")
    if not url:
        print("REDIS_URL is not set: running processes will notice the change by polling within a second")
        return None
    return redis.Redis.from_url(url)


if __name__ == "__main__":
    sys.exit(main())
