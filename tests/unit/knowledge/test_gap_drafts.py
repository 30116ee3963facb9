"""A gap group drafted as an article, and handled when that article is published
(knowledge/gaps.py, knowledge/store.py); a database made before the gaps table had
those columns gets them at start-up (knowledge/tables.py)."""
from dataclasses import replace

import pytest
from sqlalchemy import create_engine, inspect

from knowledge.article import Answer
from knowledge.gaps import GapAlreadyDrafted, UnknownGap
from knowledge.store import KnowledgeStore


def log_mars_questions(store):
    store.log_gap("寄到火星多少钱？", "zh-Hans", "socketio", None, None, "c1")
    store.log_gap("寄到火星 多少钱", "zh-Hans", "rest", None, None, "c2")
    store.log_gap("寄到火星多少錢", "zh-Hant", "socketio", None, None, "c3")
    store.log_gap("天气怎么样", "zh-Hans", "socketio", None, None, "c4")


def mars_article(fields, seeded_article):
    """The editor's article: the draft's questions and title, the rest written."""
    return replace(
        seeded_article, id="mars-shipping", title={"zh": fields["title"]["zh"], "en": "Shipping to Mars"},
        questions={
            "zh": (*fields["questions"]["zh"], "能寄火星吗", "火星运费", "往火星发快递"),
            "en": ("How much is shipping to Mars?", "Can I send a parcel to Mars?", "Mars shipping fee",
                   "Do you deliver to Mars?", "Parcel to Mars price", "Ship to Mars"),
        },
        answer={"zh": Answer("我们暂不寄往火星。", "暂不寄往火星。"), "en": Answer("We do not ship to Mars.", "No Mars.")},
        version=1,
    )


def test_a_group_s_draft_has_its_questions_and_a_title_from_the_first(store):
    log_mars_questions(store)
    group_id = next(gap.group_id for gap in store.gaps() if "火星" in gap.question)

    group = store.gap_group(group_id)
    fields = group.draft_fields()

    assert fields["questions"] == {"zh": ["寄到火星多少钱？", "寄到火星 多少钱", "寄到火星多少錢"], "en": []}
    assert fields["title"] == {"zh": "寄到火星多少钱", "en": ""}
    assert fields["answer"]["zh"] == {"web": "", "voice": ""}
    assert fields["id"] == f"gap-{group_id}"


def test_publishing_the_drafted_article_handles_its_group_only(seeded):
    log_mars_questions(seeded)
    group = seeded.gap_group(next(gap.group_id for gap in seeded.gaps() if "火星" in gap.question))
    article = mars_article(group.draft_fields(), seeded.get("shipping-fee").article)
    seeded.save_draft(article, "lin", None)
    seeded.link_gap_group(group, article.id)
    assert [gap.article_id for gap in seeded.gaps() if "火星" in gap.question] == ["mars-shipping"]
    with pytest.raises(GapAlreadyDrafted, match="mars-shipping"):
        seeded.link_gap_group(group, "another-article")

    seeded.mark_published({"mars-shipping": 1}, "zhou")

    assert [gap.question for gap in seeded.gaps()] == ["天气怎么样"]
    handled = seeded.handled_gaps()
    assert [(gap.count, gap.article_id) for gap in handled] == [(3, "mars-shipping")]
    assert handled[0].handled_at is not None
    with pytest.raises(UnknownGap):
        seeded.gap_group(group.group_id)


def test_an_unknown_group_is_refused(store):
    with pytest.raises(UnknownGap, match="12345"):
        store.gap_group(12345)


def test_a_database_made_before_gap_drafts_gets_the_new_columns(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql(
            "CREATE TABLE gaps (id INTEGER PRIMARY KEY AUTOINCREMENT, at DATETIME NOT NULL, question TEXT NOT NULL, "
            "question_key TEXT NOT NULL, language VARCHAR(16), channel VARCHAR(16), best_article VARCHAR(200), "
            "best_score FLOAT, conversation_id VARCHAR(200))"
        )
        connection.exec_driver_sql(
            "INSERT INTO gaps (at, question, question_key, language) VALUES ('2026-11-18 02:00:00', '旧问题', '旧问题', 'zh-Hans')"
        )
    engine.dispose()

    store = KnowledgeStore(url)
    try:
        columns = {column["name"] for column in inspect(store._engine).get_columns("gaps")}
        assert {"article_id", "handled_at"} <= columns
        assert [(gap.question, gap.article_id) for gap in store.gaps()] == [("旧问题", None)]
    finally:
        store.close()
