"""Knowledge-base search over the seed articles: what it finds, what it never serves,
and that the calibrated score separates answerable questions from nonsense."""
from dataclasses import replace
from datetime import date, timedelta

import pytest

from knowledge.analysis import Analyser, load_synonyms, stem
from knowledge.article import is_servable, load_articles
from knowledge.evaluate import ANSWER_TESTS_TOP1_TARGET, answer_test_examples, serving_days
from knowledge.search import ANSWER_THRESHOLD, KnowledgeIndex

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def articles():
    return load_articles()


@pytest.fixture(scope="module")
def index(articles):
    return KnowledgeIndex.build(articles)


@pytest.fixture(scope="module")
def analyser():
    return Analyser(load_synonyms())


def top(index, text, today=TODAY, **options):
    hits = index.search(text, today=today, **options)
    return hits[0] if hits else None


def found(index, text, limit=10):
    return {hit.article_id for hit in index.search(text, today=TODAY, limit=limit)}


def test_synonyms_give_the_same_terms(analyser):
    assert analyser.terms("邮费") == analyser.terms("运费") == analyser.terms("快递费")
    # 多少钱 is two jieba tokens (多少 + 钱): phrases are matched as token sequences.
    assert analyser.terms("多少钱") == analyser.terms("价格") == analyser.terms("收费")
    assert analyser.terms("提货码") == analyser.terms("取件码")
    assert analyser.terms("代收点") == analyser.terms("菜鸟驿站")
    assert analyser.terms("packages") == analyser.terms("parcel")
    assert analyser.terms("pick up") == analyser.terms("collect")


def test_words_of_different_groups_stay_apart(analyser):
    assert analyser.terms("退货") != analyser.terms("退款")
    assert analyser.terms("上门取件") != analyser.terms("取件")


def test_article_texts_are_kept_for_the_next_rebuild_and_customers_queries_are_not(analyser):
    from knowledge import analysis

    article_text = "周末和晚上能派送吗？Weekend deliveries"
    assert analyser.indexed_terms(article_text) == analyser.terms(article_text)
    kept = analysis._kept_segmentation.cache_info()
    analyser.indexed_terms(article_text)
    assert analysis._kept_segmentation.cache_info().hits == kept.hits + 1
    analyser.terms("我的手机号是13812345678，快递到哪了")
    assert analysis._kept_segmentation.cache_info().currsize == kept.currsize


def test_stop_words_are_dropped_and_english_is_stemmed(analyser):
    assert analyser.terms("请问运费吗") == analyser.terms("运费")
    assert stem("parcels") == stem("parcel")
    assert stem("shipping") == stem("shipped") == "ship"
    assert stem("boxes") == "box"


def test_a_word_in_two_synonym_groups_is_refused():
    with pytest.raises(ValueError, match="in two groups"):
        Analyser([["运费", "邮费"], ["邮费", "快递费"]])


@pytest.mark.parametrize(
    "text, article_id",
    [
        ("运费怎么算", "shipping-fee"),
        ("邮费咋收", "shipping-fee"),
        ("提货码在哪看", "self-pickup"),
        ("能寄电池吗", "prohibited-items"),
        ("保价怎么收费", "insured-shipping"),
        ("寄出去了还能改收货地址吗", "change-address"),
        ("how much does it cost to send a parcel", "shipping-fee"),
        ("Can I change the delivery address?", "change-address"),
    ],
)
def test_finds_the_article(index, text, article_id):
    assert top(index, text).article_id == article_id


def test_traditional_chinese_is_searched_as_simplified(index):
    traditional, simplified = top(index, "運費怎麼算"), top(index, "运费怎么算")
    assert traditional.article_id == simplified.article_id == "shipping-fee"
    assert traditional.score == pytest.approx(simplified.score)


def test_full_width_text_is_folded(index):
    folded, plain = top(index, "ｈｏｗ ｍｕｃｈ ｉｓ ｓｈｉｐｐｉｎｇ？"), top(index, "how much is shipping?")
    assert folded.article_id == plain.article_id == "shipping-fee"
    assert folded.score == pytest.approx(plain.score)


def test_the_matched_question_is_in_the_language_searched(articles, index):
    fees = next(article for article in articles if article.id == "shipping-fee")
    for language, text in (("zh", "运费怎么算"), ("en", "how much is shipping")):
        hit = top(index, text, language=language)
        assert hit.matched_question in (*fees.questions[language], fees.title[language])
    assert top(index, "運費怎麼算", language="zh-Hant").article_id == "shipping-fee"


def test_hits_are_ranked_distinct_and_scored_between_0_and_1(index):
    hits = index.search("快递丢了怎么赔", today=TODAY, limit=5)
    assert len(hits) == 5
    assert len({hit.article_id for hit in hits}) == 5
    assert [hit.score for hit in hits] == sorted((hit.score for hit in hits), reverse=True)
    assert all(0 <= hit.score <= 1 for hit in hits)
    assert index.search("快递丢了怎么赔", today=TODAY, limit=1) == hits[:1]


@pytest.mark.parametrize("text", ["", "   ", "12345678", "😀", "的了吗"])
def test_no_words_no_hits(index, text):
    assert index.search(text, today=TODAY) == []


def test_drafts_are_never_returned(articles):
    source = next(article for article in articles if article.id == "shipping-fee")
    draft = replace(source, id="shipping-fee-draft", status="draft")
    index = KnowledgeIndex.build([*articles, draft])
    for question in (*source.questions["zh"], *source.questions["en"]):
        assert "shipping-fee-draft" not in found(index, question)


def test_articles_outside_their_window_are_never_returned(articles):
    source = next(article for article in articles if article.id == "holiday-service")
    expired = replace(source, id="old-holiday", valid_until=TODAY - timedelta(days=1))
    future = replace(source, id="next-holiday", valid_from=TODAY + timedelta(days=1))
    others = [article for article in articles if article.id != "holiday-service"]
    index = KnowledgeIndex.build([*others, expired, future])
    question = source.questions["zh"][0]
    assert not found(index, question) & {"old-holiday", "next-holiday"}
    assert top(index, question, today=TODAY - timedelta(days=1)).article_id == "old-holiday"
    assert top(index, question, today=TODAY + timedelta(days=1)).article_id == "next-holiday"


def test_duplicate_ids_are_refused(articles):
    with pytest.raises(ValueError, match="unique"):
        KnowledgeIndex.build([articles[0], articles[0]])


@pytest.mark.parametrize("text", ["运费怎么算", "我的快递丢了能赔吗", "how much does shipping cost"])
def test_an_answerable_question_scores_above_the_threshold(index, text):
    assert top(index, text).score >= ANSWER_THRESHOLD


@pytest.mark.parametrize("text", ["今天天气怎么样", "给我讲个笑话", "tell me a joke", "帮我订机票"])
def test_nonsense_scores_below_the_threshold(index, text):
    hit = top(index, text)
    assert hit is None or hit.score < ANSWER_THRESHOLD


def test_answer_tests(articles, index):
    """Answer tests are paraphrases no article contains word for word. Each must be in
    the top 3; at the top a few may lose to a neighbouring article (free shipping vs
    shipping fee, parcel hold vs delayed parcel): ANSWER_TESTS_TOP1_TARGET.
    `python -m knowledge.evaluate` lists them; the fix is a phrasing in the article."""
    serving_day = serving_days(articles, TODAY)
    examples = answer_test_examples()
    by_id = {article.id: article for article in articles}
    assert examples
    assert {example.expected for example in examples} <= set(by_id)
    top1_misses, top3_misses = [], []
    for example in examples:
        day = serving_day[example.expected]
        assert is_servable(by_id[example.expected], day), f"{example.expected} is never served"
        ranked = [hit.article_id for hit in index.search(example.text, today=day, limit=3)]
        if ranked[:1] != [example.expected]:
            top1_misses.append(f"{example.expected}: {example.text} -> {ranked}")
        if example.expected not in ranked:
            top3_misses.append(f"{example.expected}: {example.text} -> {ranked}")
    assert not top3_misses, "\n".join(top3_misses)
    top1 = 1 - len(top1_misses) / len(examples)
    assert top1 >= ANSWER_TESTS_TOP1_TARGET, "\n".join(top1_misses)
