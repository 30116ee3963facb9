"""Concurrent edits of one article: an edit started from an older version is merged
with the newer one someone else saved, part by part (a title, the questions of a
language, one answer...), as long as the two changed different parts.
"""
from dataclasses import replace
from typing import Any, Dict, Tuple

from knowledge.article import Article, article_to_dict, parse_article
from knowledge.versions import ArticleVersion, EditConflict, when


def merge_edit(base: ArticleVersion, latest: ArticleVersion, mine: Article) -> Tuple[Article, Dict[str, Any]]:
    """Merges an edit started from `base` with the newer `latest` someone else saved:
    each part (a title, the questions of a language, one answer...) changed by only
    one of the two is taken from that one. When both changed the same part
    differently, EditConflict names who, when and which parts, and nothing is saved."""
    before, theirs, ours = _parts(base.article), _parts(latest.article), _parts(mine)
    merged, both = {}, []
    for name in before:
        if ours[name] == before[name]:
            merged[name] = theirs[name]
        elif theirs[name] in (before[name], ours[name]):
            merged[name] = ours[name]
        else:
            both.append(name)
    saved = f"version {latest.version} was saved by {latest.author} at {when(latest.created_at)}"
    if both:
        raise EditConflict(
            f"Article '{mine.id}' was changed while you edited it: {saved}, but your edit started from "
            f"version {base.version}. You both changed {', '.join(both)}. Nothing was saved; reload version "
            f"{latest.version}, reapply your change and save again."
        )
    theirs_changed = [name for name in before if theirs[name] != before[name]]
    note = {
        "base_version": base.version,
        "with_version": latest.version,
        "author": latest.author,
        "their_changes": theirs_changed,
        "message": f"Merged with version {latest.version} ({saved}), which changed "
                   f"{', '.join(theirs_changed) or 'nothing you see'}; your edit started from version "
                   f"{base.version} and changed other parts.",
    }
    return _from_parts(replace(mine, version=latest.version + 1), merged), note


def same_content(article: Article, stored: Article) -> bool:
    """The same in every part an editor edits, whatever the status and version."""
    return _parts(article) == _parts(stored)


def _parts(article: Article) -> Dict[str, Any]:
    """The parts of an article two editors may change independently, by name
    (answer.zh.web...)."""
    data = article_to_dict(article)
    parts = {
        "category": data["category"],
        "tags": data["tags"],
        "valid_from": data["valid_from"],
        "valid_until": data["valid_until"],
    }
    for language in data["title"]:
        parts[f"title.{language}"] = data["title"][language]
        parts[f"questions.{language}"] = data["questions"][language]
        for channel, text in data["answer"][language].items():
            parts[f"answer.{language}.{channel}"] = text
    return parts


def _from_parts(template: Article, parts: Dict[str, Any]) -> Article:
    data = article_to_dict(template)
    for name, value in parts.items():
        *path, last = name.split(".")
        target = data
        for key in path:
            target = target[key]
        target[last] = value
    return parse_article(data, source=f"article '{template.id}'")
