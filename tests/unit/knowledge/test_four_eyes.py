"""The four eyes of publishing, which refuse before any answer test runs: a reviewer
publishes the version they reviewed and no later edit, never an edit of their own,
and rolls back only to what was live before. A refusal changes nothing."""
from dataclasses import replace

import pytest

from articles import table_counts
from knowledge.article import Answer
from knowledge.publishing import OwnChange, Unreviewed, publish, rollback
from knowledge.versions import UnknownArticle


def edited(store, article_id: str, author: str, note: str):
    """`author` saves the latest version with `note` added to its Chinese web answer."""
    latest = store.get(article_id)
    zh = latest.article.answer["zh"]
    answer = {**latest.article.answer, "zh": Answer(f"{zh.web}\n\n{note}", zh.voice)}
    return store.save_draft(replace(latest.article, answer=answer), author, latest.version)


def live(store, article_id: str):
    return {article.id: article for article in store.published_articles()}[article_id]


def test_a_reviewer_publishing_their_own_draft_is_refused(seeded):
    draft = edited(seeded, "shipping-fee", "zhou", "审核员自己写的价格。")
    before = table_counts(seeded)
    with pytest.raises(OwnChange) as refused:
        publish(seeded, {"shipping-fee": draft.version}, "zhou")
    assert refused.value.problems == ["Article 'shipping-fee': zhou wrote version 2 of what would go live."]
    assert "nothing was published" in str(refused.value)
    assert table_counts(seeded) == before
    assert live(seeded, "shipping-fee").version == 1


def test_a_reviewer_cannot_publish_their_edit_under_someone_elses_later_one(seeded):
    edited(seeded, "shipping-fee", "zhou", "审核员自己写的价格。")
    on_top = edited(seeded, "shipping-fee", "lin", "编辑补充的说明。")
    with pytest.raises(OwnChange, match="zhou wrote version 2 of what would go live"):
        publish(seeded, {"shipping-fee": on_top.version}, "zhou")
    assert live(seeded, "shipping-fee").version == 1


def test_an_edit_saved_after_the_review_is_not_published_and_both_versions_are_named(seeded):
    reviewed = edited(seeded, "shipping-fee", "lin", "审核过的改动。")
    edited(seeded, "shipping-fee", "lin", "审核之后偷偷加的改动。")
    other = edited(seeded, "self-pickup", "lin", "另一篇的改动。")
    before = table_counts(seeded)
    with pytest.raises(Unreviewed) as refused:
        # All or nothing: the other article, reviewed as it is, waits too.
        publish(seeded, {"shipping-fee": reviewed.version, "self-pickup": other.version}, "zhou")
    [problem] = refused.value.problems
    assert problem.startswith(
        "Article 'shipping-fee': version 2 was named for publishing, but version 3 (draft) was saved after it by lin"
    )
    assert problem.endswith("review version 3.")
    assert table_counts(seeded) == before
    assert "偷偷" not in live(seeded, "shipping-fee").answer["zh"].web
    assert live(seeded, "self-pickup").version == 1


def test_a_rollback_to_a_draft_that_was_never_live_is_refused(seeded):
    draft = edited(seeded, "shipping-fee", "zhou", "从未上线的草稿。")
    before = table_counts(seeded)
    with pytest.raises(Unreviewed, match="version 2 was never live"):
        rollback(seeded, "shipping-fee", draft.version, "zhou")
    assert table_counts(seeded) == before
    assert live(seeded, "shipping-fee").version == 1


def test_unknown_articles_and_versions_are_named(seeded):
    with pytest.raises(UnknownArticle) as refused:
        publish(seeded, {"no-such-article": 1, "shipping-fee": 9}, "zhou")
    assert str(refused.value) == (
        "no article 'no-such-article'; article 'shipping-fee' has no version 9 (the latest is 1)"
    )


def test_the_versions_a_publication_would_make_live_are_listed_with_their_authors(seeded):
    edited(seeded, "shipping-fee", "lin", "一")
    edited(seeded, "shipping-fee", "wu", "二")
    [change] = seeded.pending_changes({"shipping-fee": 3})
    assert (change.named.version, change.latest.version) == (3, 3)
    assert change.unpublished == ((2, "lin"), (3, "wu"))
