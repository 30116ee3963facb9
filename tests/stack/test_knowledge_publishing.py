"""Publishing through the answer-test gate, on real SQL and a real Redis: a change that
breaks an answer is refused with the failing questions named and nothing changed; the
fix goes live and every process is told."""
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
from dataclasses import replace
from datetime import date

import pytest
import redis

from foundation.settings import ROOT
from knowledge.answer_tests import ANSWER_TESTS_FOLDER, run_answer_tests
from knowledge.article import ARTICLES_FOLDER, Answer, article_to_yaml
from knowledge.publishing import PublishRefused, check, import_folder, publish, rollback
from knowledge.search import KnowledgeIndex
from knowledge.store import KnowledgeStore
from knowledge.versions import EditConflict
from articles import new_article, table_counts

# Questions about logging in: given to the shipping-fee article, they take away the
# phrasings its answer tests are found by.
LOGIN_QUESTIONS = {
    "zh": ("账号登录不了", "密码忘了怎么办", "怎么注册账号", "验证码收不到", "手机号换了怎么登录", "怎么注销账号"),
    "en": ("cannot log in", "forgot my password", "how to register", "no verification code",
           "changed my phone number", "delete my account"),
}


@pytest.fixture
def channel():
    return f"test-{uuid.uuid4().hex[:8]}:knowledge:published"


@pytest.fixture
def redis_client(redis_url):
    client = redis.Redis.from_url(redis_url)
    yield client
    client.close()


def next_message(subscriber, timeout: float = 5.0) -> dict:
    """The next published message's data; get_message returns None for the
    subscription confirmation it skips, so it is asked until one arrives."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        message = subscriber.get_message(timeout=deadline - time.monotonic())
        if message is not None:
            return json.loads(message["data"])
    raise AssertionError(f"no message within {timeout} s")


def with_zh_web(article, text: str):
    return replace(article, answer={**article.answer, "zh": Answer(text, article.answer["zh"].voice)})


def test_a_change_that_breaks_an_answer_test_is_refused_and_the_fix_goes_live(seeded, redis_client, channel):
    original = seeded.get("shipping-fee")
    broken = seeded.save_draft(replace(original.article, questions=LOGIN_QUESTIONS), "alice", 1, "oops")
    before = table_counts(seeded)

    with pytest.raises(PublishRefused) as refused:
        publish(seeded, {"shipping-fee": broken.version}, "bob", redis_client, channel=channel)
    gate = refused.value.gate
    assert gate.blocking, "the broken questions must fail answer tests that passed"
    message = str(refused.value)
    assert message.startswith("Publishing refused; nothing was changed.")
    for outcome in gate.blocking:
        assert not outcome.passed
        assert f'"{outcome.question}"' in message
    # Answer tests of shipping-fee that passed before are among them, by name.
    assert any(outcome.article_id == "shipping-fee" for outcome in gate.blocking)
    assert table_counts(seeded) == before
    assert seeded.get("shipping-fee").status == "draft"
    assert {a.id: a for a in seeded.published_articles()}["shipping-fee"] == original.article

    subscriber = redis_client.pubsub(ignore_subscribe_messages=True)
    subscriber.subscribe(channel)
    fixed = with_zh_web(original.article, original.article.answer["zh"].web + "\n\n价格自12月1日起执行。")
    fixed_draft = seeded.save_draft(fixed, "alice", broken.version, "questions back, new price note")
    result = publish(seeded, {"shipping-fee": fixed_draft.version}, "bob", redis_client, channel=channel)
    assert result.publication.articles == (("shipping-fee", 3),)
    assert not result.gate.refused
    live = {a.id: a for a in seeded.published_articles()}["shipping-fee"]
    assert live.answer["zh"].web.endswith("价格自12月1日起执行。")
    assert seeded.audit(1)[0].action == "publish" and seeded.audit(1)[0].user == "bob"

    assert next_message(subscriber) == {
        "version": result.publication.revision,
        "articles": [{"id": "shipping-fee", "version": 3}],
    }
    subscriber.close()


def test_a_new_article_needs_three_passing_answer_tests(seeded):
    article = new_article()
    seeded.save_draft(article, "alice", None)
    with pytest.raises(PublishRefused) as refused:
        publish(seeded, {article.id: 1}, "bob")
    assert f"article '{article.id}' has 0 answer tests; needs at least 3" in str(refused.value)
    # One question per language is enough for a draft, not for a published article.
    assert "questions.zh has 1; needs at least 6" in str(refused.value)
    assert seeded.get(article.id).status == "draft"


def test_publishing_without_a_draft_is_refused_by_name(seeded):
    with pytest.raises(PublishRefused, match="'shipping-fee' has no draft to publish"):
        publish(seeded, {"shipping-fee": 1}, "alice")


def test_a_publication_landing_while_the_tests_run_is_a_conflict(seeded, monkeypatch):
    original = seeded.get("self-pickup")
    seeded.save_draft(with_zh_web(original.article, original.article.answer["zh"].web + "\n\n新增说明。"), "alice", 1)
    other = seeded.get("shipping-fee")
    seeded.save_draft(with_zh_web(other.article, other.article.answer["zh"].web + "\n\n新价格。"), "bob", 1)

    real_check = check

    def check_then_someone_publishes(*args, **kwargs):
        report = real_check(*args, **kwargs)
        seeded.mark_published({"shipping-fee": 2}, "bob")
        return report

    monkeypatch.setattr("knowledge.publishing.check", check_then_someone_publishes)
    with pytest.raises(EditConflict, match="bob published revision 2"):
        publish(seeded, {"self-pickup": 2}, "carol")
    assert seeded.get("self-pickup").status == "draft"


def test_rollback_goes_through_the_gate_and_is_announced(seeded, redis_client, channel):
    original = seeded.get("shipping-fee")
    seeded.save_draft(with_zh_web(original.article, original.article.answer["zh"].web + "\n\n错误的通知。"), "alice", 1)
    seeded.mark_published({"shipping-fee": 2}, "alice")
    subscriber = redis_client.pubsub(ignore_subscribe_messages=True)
    subscriber.subscribe(channel)
    result = rollback(seeded, "shipping-fee", 1, "bob", redis_client, channel=channel)
    assert result.publication.articles == (("shipping-fee", 3),)
    assert {a.id: a for a in seeded.published_articles()}["shipping-fee"] == replace(original.article, version=3)
    assert next_message(subscriber)["version"] == result.publication.revision
    subscriber.close()


def test_import_of_a_breaking_file_is_refused_whole(seeded, tmp_path):
    folder = tmp_path / "articles"
    shutil.copytree(ARTICLES_FOLDER, folder)
    shipping_fee = seeded.get("shipping-fee").article
    (folder / "shipping-fee.yml").write_text(
        article_to_yaml(replace(shipping_fee, questions=LOGIN_QUESTIONS)), encoding="utf-8"
    )
    self_pickup = seeded.get("self-pickup").article
    (folder / "self-pickup.yml").write_text(
        article_to_yaml(with_zh_web(self_pickup, self_pickup.answer["zh"].web + "\n\n新增说明。")), encoding="utf-8"
    )
    before = table_counts(seeded)
    with pytest.raises(PublishRefused) as refused:
        import_folder(seeded, folder, "alice", tests_folder=ANSWER_TESTS_FOLDER)
    assert any(outcome.article_id == "shipping-fee" for outcome in refused.value.gate.blocking)
    assert table_counts(seeded) == before
    assert seeded.get("self-pickup").version == 1

    (folder / "shipping-fee.yml").write_text(article_to_yaml(shipping_fee), encoding="utf-8")
    result = import_folder(seeded, folder, "alice", tests_folder=ANSWER_TESTS_FOLDER)
    assert result.summary.changed == ("self-pickup",)
    assert result.summary.publication.articles == (("self-pickup", 2),)


def test_a_seasonal_article_is_tested_inside_its_window(seeded):
    articles = seeded.published_articles()
    index = KnowledgeIndex.build(articles)
    tests = {"spring-festival-2027": seeded.answer_tests()["spring-festival-2027"]}
    before = run_answer_tests(index, articles, tests, date(2026, 6, 1))
    after = run_answer_tests(index, articles, tests, date(2027, 6, 1))
    assert {outcome.day for outcome in before.outcomes} == {date(2027, 1, 20)}
    assert {outcome.day for outcome in after.outcomes} == {date(2027, 2, 20)}
    # Searched on a day it is served, the article is found at all.
    assert all(outcome.got is not None for outcome in before.outcomes)
    assert sum(outcome.got == "spring-festival-2027" for outcome in before.outcomes) >= len(before.outcomes) // 2


def test_the_cli_publishes_named_versions_only_by_someone_else_and_lists_failing_tests(database_url, tmp_path):
    editing = KnowledgeStore(database_url)
    editing.ensure_seeded()
    original = editing.get("shipping-fee")
    editing.save_draft(replace(original.article, questions=LOGIN_QUESTIONS), "alice", 1)
    editing.close()
    environment = {**os.environ, "KNOWLEDGE_DATABASE_URL": database_url, "PYTHONPATH": str(ROOT), "REDIS_URL": ""}

    def cli(*arguments: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "knowledge.cli", *arguments],
                              cwd=ROOT, env=environment, capture_output=True, text=True, timeout=300)

    # A version must be named, and alice may not publish what she wrote.
    unnamed = cli("publish", "--article", "shipping-fee", "--user", "bob")
    assert unnamed.returncode == 1 and "--article shipping-fee=VERSION" in unnamed.stderr
    listed = cli("publish", "--user", "bob")
    assert listed.returncode == 1 and "--article shipping-fee=2   by alice" in listed.stdout
    own = cli("publish", "--article", "shipping-fee=2", "--user", "alice")
    assert own.returncode == 1 and "alice wrote version 2 of what would go live" in own.stderr

    finished = cli("publish", "--article", "shipping-fee=2", "--user", "bob")
    assert finished.returncode == 1, finished.stdout + finished.stderr
    assert "publishing shipping-fee v2 as bob; running the answer tests" in finished.stdout
    assert "Publishing refused; nothing was changed." in finished.stderr
    assert "FAIL shipping-fee: " in finished.stderr

    exported = cli("export", "--folder", str(tmp_path / "a"), "--tests-folder", str(tmp_path / "t"))
    assert exported.returncode == 0, exported.stderr
    seed_files = len(list(ARTICLES_FOLDER.glob("*.yml"))) + len(list(ANSWER_TESTS_FOLDER.glob("*.yml")))
    assert f"wrote {seed_files} files" in exported.stdout
