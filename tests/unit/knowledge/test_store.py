"""The knowledge store on real SQL (SQLite always; PostgreSQL when it answers, and
required in CI): versions and history, optimistic concurrency, all-or-nothing imports,
lossless export, rollback, the audit log and the gap list."""
import shutil
import threading
from dataclasses import replace
from pathlib import Path

import pytest

from knowledge.answer_tests import ANSWER_TESTS_FOLDER, AnswerTestError, load_answer_tests
from knowledge.article import (
    ARTICLES_FOLDER,
    Answer,
    ArticleError,
    article_to_yaml,
    load_articles,
)
from articles import new_article, table_counts
from knowledge.store import KnowledgeStore
from knowledge.versions import EditConflict, UnknownArticle


def with_web_answer(article, zh_web: str):
    return replace(article, answer={**article.answer, "zh": Answer(zh_web, article.answer["zh"].voice)})


def copy_seed(tmp_path) -> Path:
    folder = tmp_path / "articles"
    shutil.copytree(ARTICLES_FOLDER, folder)
    return folder


def test_the_seed_articles_and_answer_tests_are_imported(store):
    summary = store.ensure_seeded()
    seed = load_articles()
    assert len(summary.created) == len(seed) >= 48  # the contract's 28 and at least 20 more
    assert summary.publication.revision == store.revision() == 1
    published = store.published_articles()
    assert published == [article for article in seed if article.status == "published"]
    assert store.answer_tests() == load_answer_tests()
    assert [entry.action for entry in store.audit(10_000)].count("import") == len(seed)
    # Seeding happens once only.
    assert store.ensure_seeded() is None
    assert len(store.list()) == len(seed)


def test_a_draft_round_trips_and_every_save_is_a_new_version(store):
    article = new_article()
    first = store.save_draft(article, "alice", None, "first draft")
    assert first.article == article
    assert (first.version, first.status, first.author, first.comment) == (1, "draft", "alice", "first draft")
    second = store.save_draft(with_web_answer(article, "第二版答案。"), "bob", 1, "wording")
    assert second.version == 2
    assert store.get(article.id).article.answer["zh"].web == "第二版答案。"
    assert store.get(article.id, 1).article == article
    history = store.history(article.id)
    assert [(entry.version, entry.author, entry.comment) for entry in history] == [
        (2, "bob", "wording"), (1, "alice", "first draft")
    ]


def test_the_diff_shows_what_changed_between_versions(store):
    article = new_article()
    store.save_draft(article, "alice", None)
    store.save_draft(with_web_answer(article, "第二版答案。"), "alice", 1)
    diff = store.diff(article.id, 1, 2)
    assert diff.startswith(f"--- {article.id} version 1 (draft)\n+++ {article.id} version 2 (draft)\n")
    assert "\n-    web: 第一版答案。\n+    web: 第二版答案。" in diff
    assert store.diff(article.id, 2, 2) == ""


def test_a_second_editor_from_the_same_base_is_refused_and_nothing_is_written(seeded):
    base = seeded.get("shipping-fee")
    seeded.save_draft(with_web_answer(base.article, "Alice的新答案。"), "alice", base.version)
    before = table_counts(seeded)
    with pytest.raises(EditConflict) as conflict:
        seeded.save_draft(with_web_answer(base.article, "Bob的新答案。"), "bob", base.version)
    message = str(conflict.value)
    saved = seeded.get("shipping-fee")
    assert "alice" in message and f"{saved.created_at:%Y-%m-%d %H:%M:%S} UTC" in message
    assert f"version {saved.version}" in message and f"from version {base.version}" in message
    assert saved.article.answer["zh"].web == "Alice的新答案。"
    assert table_counts(seeded) == before


def test_creating_an_article_that_exists_is_a_conflict(seeded):
    with pytest.raises(EditConflict, match="'shipping-fee' already exists: version 1 was saved by seed"):
        seeded.save_draft(seeded.get("shipping-fee").article, "bob", None)


def test_of_editors_saving_at_the_same_moment_exactly_one_wins(seeded):
    base = seeded.get("self-pickup")
    results = []
    start = threading.Barrier(6)

    def save(editor: str) -> None:
        start.wait()
        try:
            seeded.save_draft(with_web_answer(base.article, f"{editor}的答案。"), editor, base.version)
            results.append("saved")
        except EditConflict:
            results.append("conflict")

    threads = [threading.Thread(target=save, args=(f"editor{number}",)) for number in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["conflict"] * 5 + ["saved"]
    assert [entry.version for entry in seeded.history("self-pickup")] == [2, 1]


@pytest.mark.parametrize(
    "answer, problem",
    [
        ("", "answer.zh.web is empty"),
        ("长" * 100_000, "characters; at most"),
        ("点这里<script>alert(1)</script>", "contains a <script> tag"),
    ],
)
def test_invalid_articles_are_refused_with_the_reason(seeded, answer, problem):
    before = table_counts(seeded)
    base = seeded.get("shipping-fee")
    with pytest.raises(ArticleError, match=problem):
        seeded.save_draft(with_web_answer(base.article, answer), "alice", base.version)
    assert table_counts(seeded) == before


def test_unknown_articles_and_versions_are_named(seeded):
    with pytest.raises(UnknownArticle, match="no article 'no-such-article'"):
        seeded.get("no-such-article")
    with pytest.raises(UnknownArticle, match="'shipping-fee' has no version 9"):
        seeded.get("shipping-fee", 9)
    with pytest.raises(UnknownArticle, match="save it without a base version"):
        seeded.save_draft(new_article(id="no-such-article"), "alice", 3)
    with pytest.raises(UnknownArticle):
        seeded.save_answer_tests("no-such-article", ["一", "二", "三"], "alice", 0)


def test_publishing_archives_the_previous_live_version(seeded):
    base = seeded.get("shipping-fee")
    draft = seeded.save_draft(with_web_answer(base.article, "新价格。"), "alice", base.version)
    publication = seeded.mark_published({"shipping-fee": draft.version}, "alice", expected_revision=1)
    assert (publication.revision, publication.articles) == (2, (("shipping-fee", 2),))
    assert [(entry.version, entry.status) for entry in seeded.history("shipping-fee")] == [
        (2, "published"), (1, "archived")
    ]
    live = {article.id: article for article in seeded.published_articles()}
    assert live["shipping-fee"].answer["zh"].web == "新价格。"
    assert live["shipping-fee"].version == 2


def test_publishing_against_an_outdated_revision_changes_nothing(seeded):
    base = seeded.get("shipping-fee")
    draft = seeded.save_draft(with_web_answer(base.article, "新价格。"), "alice", base.version)
    before = table_counts(seeded)
    with pytest.raises(EditConflict, match="while the answer tests ran against revision 0"):
        seeded.mark_published({"shipping-fee": draft.version}, "alice", expected_revision=0)
    assert table_counts(seeded) == before
    assert seeded.get("shipping-fee").status == "draft"


def test_rollback_publishes_the_old_content_as_a_new_version(seeded):
    original = seeded.get("shipping-fee")
    draft = seeded.save_draft(with_web_answer(original.article, "错误的价格。"), "alice", original.version)
    seeded.mark_published({"shipping-fee": draft.version}, "alice")
    publication = seeded.rollback("shipping-fee", 1, "bob")
    assert publication.articles == (("shipping-fee", 3),)
    history = seeded.history("shipping-fee")
    assert [(entry.version, entry.status, entry.author) for entry in history] == [
        (3, "published", "bob"), (2, "archived", "alice"), (1, "archived", "seed")
    ]
    assert history[0].comment == "rollback to version 1"
    assert history[0].article == replace(original.article, version=3)
    live = {article.id: article for article in seeded.published_articles()}
    assert live["shipping-fee"] == replace(original.article, version=3)


def test_every_change_is_in_the_audit_log(store):
    article = new_article(questions={"zh": [f"问题{n}" for n in range(6)], "en": [f"question {n}" for n in range(6)]})
    store.save_draft(article, "alice", None, "new")
    store.save_draft(with_web_answer(article, "第二版。"), "bob", 1, "fix")
    store.save_answer_tests(article.id, ["问一", "问二", "问三"], "carol", 0)
    store.mark_published({article.id: 2}, "dave")
    store.rollback(article.id, 1, "erin")
    entries = [(entry.user, entry.action, entry.article_id, entry.version) for entry in store.audit(5)]
    assert entries == [
        ("erin", "rollback", article.id, 3),
        ("dave", "publish", article.id, 2),
        ("carol", "edit tests", article.id, 1),
        ("bob", "edit", article.id, 2),
        ("alice", "create", article.id, 1),
    ]
    assert store.audit(1)[0].detail == "rollback to version 1; revision 2"
    assert all(entry.at for entry in store.audit(5))


def test_answer_tests_are_versioned_and_checked(seeded):
    current = seeded.get_answer_tests("shipping-fee")
    assert current.version == 1 and len(current.questions) >= 3
    saved = seeded.save_answer_tests("shipping-fee", [*current.questions, "运费贵不贵"], "alice", 1)
    assert saved.version == 2 and saved.questions[-1] == "运费贵不贵"
    with pytest.raises(EditConflict, match="version 2 was saved by alice"):
        seeded.save_answer_tests("shipping-fee", ["一", "二", "三"], "bob", 1)
    with pytest.raises(AnswerTestError, match="needs at least 3"):
        seeded.save_answer_tests("shipping-fee", ["一", "二"], "bob", 2)
    assert seeded.answer_tests()["shipping-fee"] == saved.questions


def test_list_filters_by_status_and_finds_text_in_either_script(seeded):
    assert [summary.article_id for summary in seeded.list(status="draft")] == ["packaging-recycling"]
    assert len(seeded.list(status="published")) == len(load_articles()) - 1
    # Traditional Chinese finds the simplified article text.
    found = [summary.article_id for summary in seeded.list(query="運費")]
    assert "shipping-fee" in found and "packaging-recycling" not in found
    assert seeded.list(query="no text like this anywhere") == []


def test_import_with_invalid_yaml_imports_nothing_and_names_file_and_line(store, tmp_path):
    folder = copy_seed(tmp_path)
    (folder / "self-pickup.yml").write_text("id: self-pickup\ntitle: {zh: 取件\n  en: [\n", encoding="utf-8")
    with pytest.raises(ArticleError) as error:
        store.import_yaml(folder, "alice", ANSWER_TESTS_FOLDER)
    assert f"{folder / 'self-pickup.yml'}:" in str(error.value) and "invalid YAML" in str(error.value)
    assert table_counts(store) == (0, 0, 0, 0)


def test_import_with_a_duplicate_id_changes_nothing(seeded, tmp_path):
    folder = copy_seed(tmp_path)
    changed = with_web_answer(seeded.get("shipping-fee").article, "新价格。")
    (folder / "shipping-fee.yml").write_text(article_to_yaml(changed), encoding="utf-8")
    shutil.copy(folder / "self-pickup.yml", folder / "self-pickup.yaml")
    before = table_counts(seeded)
    with pytest.raises(ArticleError, match="duplicate id 'self-pickup'"):
        seeded.import_yaml(folder, "alice", ANSWER_TESTS_FOLDER)
    assert table_counts(seeded) == before
    assert seeded.get("shipping-fee").version == 1


def test_answer_tests_for_an_unknown_article_import_nothing(store, tmp_path):
    tests_folder = tmp_path / "tests"
    shutil.copytree(ANSWER_TESTS_FOLDER, tests_folder)
    (tests_folder / "no-such-article.yml").write_text(
        "article: no-such-article\nquestions: [一, 二, 三]\n", encoding="utf-8"
    )
    with pytest.raises(AnswerTestError, match="no-such-article.yml: answer tests for unknown article"):
        store.import_yaml(ARTICLES_FOLDER, "alice", tests_folder)
    assert table_counts(store) == (0, 0, 0, 0)


def test_reimport_makes_versions_only_of_changed_articles(seeded, tmp_path):
    folder = copy_seed(tmp_path)
    changed = with_web_answer(seeded.get("shipping-fee").article, "新价格。")
    (folder / "shipping-fee.yml").write_text(article_to_yaml(changed), encoding="utf-8")
    summary = seeded.import_yaml(folder, "alice", ANSWER_TESTS_FOLDER, expected_revision=1)
    unchanged = len(load_articles()) - 1
    assert (summary.created, summary.changed, summary.unchanged) == ((), ("shipping-fee",), unchanged)
    assert summary.publication.articles == (("shipping-fee", 2),)
    assert seeded.get("shipping-fee").status == "published"
    assert seeded.get("self-pickup").version == 1


def test_export_and_import_are_lossless(seeded, tmp_path):
    first_articles, first_tests = tmp_path / "first" / "articles", tmp_path / "first" / "tests"
    seeded.export_yaml(first_articles, first_tests)
    # Loading the export gives the seed's articles and tests back.
    assert load_articles(first_articles) == load_articles(ARTICLES_FOLDER)
    assert load_answer_tests(first_tests) == load_answer_tests(ANSWER_TESTS_FOLDER)

    fresh = KnowledgeStore(f"sqlite:///{tmp_path / 'fresh.db'}")
    fresh.import_yaml(first_articles, "alice", first_tests)
    second_articles, second_tests = tmp_path / "second" / "articles", tmp_path / "second" / "tests"
    fresh.export_yaml(second_articles, second_tests)
    fresh.close()
    for first, second in ((first_articles, second_articles), (first_tests, second_tests)):
        names = sorted(path.name for path in first.iterdir())
        assert names == sorted(path.name for path in second.iterdir())
        for name in names:
            assert (first / name).read_bytes() == (second / name).read_bytes(), name


def test_export_writes_the_live_version_while_a_draft_is_pending(seeded, tmp_path):
    live = seeded.get("shipping-fee").article
    seeded.save_draft(with_web_answer(live, "还没发布。"), "alice", 1)
    seeded.export_yaml(tmp_path)
    assert {article.id: article for article in load_articles(tmp_path)}["shipping-fee"] == live


def test_gaps_are_masked_grouped_and_newest_first(store):
    store.log_gap("我的手机13812345678收不到验证码", "zh", "web", "account-login", 0.41, "c1")
    store.log_gap("天气怎么样？", "zh", "voice", None, None, "c2")
    store.log_gap("天氣 怎麼樣", "zh", "web", "service-hours", 0.2, "c3")
    store.log_gap("我的手机 13912345678 收不到验证码!", "zh", "web", "account-login", 0.45, "c4")
    gaps = store.gaps()
    # Grouped by how the question reads: the numbers are masked the same way.
    assert [(gap.question, gap.count) for gap in gaps] == [
        ("我的手机 139****5678 收不到验证码!", 2),
        ("天氣 怎麼樣", 2),
    ]
    assert gaps[0].best_article == "account-login" and gaps[0].best_score == pytest.approx(0.45)
    assert gaps[0].first_seen <= gaps[0].last_seen
    assert "13812345678" not in str(gaps) and "13912345678" not in str(gaps)
    assert len(store.gaps(limit=1)) == 1
