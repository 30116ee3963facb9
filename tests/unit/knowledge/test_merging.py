"""Two editors' edits of one article: parts changed by only one of them are merged,
the same part changed by both is refused, naming who saved first and the parts."""
from dataclasses import replace
from datetime import datetime

import pytest

from articles import new_article
from knowledge.article import Answer
from knowledge.merging import merge_edit, same_content
from knowledge.versions import ArticleVersion, EditConflict

SAVED_AT = datetime(2026, 11, 23, 9, 30, 0)


def saved(article, version: int, author: str) -> ArticleVersion:
    return ArticleVersion(replace(article, version=version), "draft", author, SAVED_AT, "")


def with_zh_web(article, text: str):
    return replace(article, answer={**article.answer, "zh": Answer(text, article.answer["zh"].voice)})


def test_parts_changed_by_one_editor_each_are_merged():
    base = new_article()
    theirs = replace(base, title={**base.title, "en": "Their title"})
    mine = with_zh_web(base, "我的答案。")
    merged, note = merge_edit(saved(base, 1, "seed"), saved(theirs, 2, "wu"), mine)
    assert merged.title["en"] == "Their title"
    assert merged.answer["zh"].web == "我的答案。"
    assert merged.version == 3
    assert note["their_changes"] == ["title.en"]
    assert note["with_version"] == 2 and note["author"] == "wu"
    assert "2026-11-23 09:30:00 UTC" in note["message"]


def test_the_same_part_changed_by_both_is_a_conflict():
    base = new_article()
    with pytest.raises(EditConflict) as conflict:
        merge_edit(saved(base, 1, "seed"), saved(with_zh_web(base, "他的。"), 2, "wu"), with_zh_web(base, "我的。"))
    message = str(conflict.value)
    assert "saved by wu at 2026-11-23 09:30:00 UTC" in message
    assert "You both changed answer.zh.web" in message


def test_same_content_ignores_status_and_version():
    article = new_article()
    assert same_content(replace(article, version=7, status="published"), article)
    assert not same_content(with_zh_web(article, "别的。"), article)
