"""A small knowledge store of its own for the gap-draft tests (stack and browser): two
published articles with their answer tests, and a gap list with a group about
shipping to Mars. The publish gate runs only these tests, so the flow gap → draft →
publish does not hang on the seed articles' scores."""
from pathlib import Path
from typing import Any, Dict

import yaml

from knowledge.store import KnowledgeStore

MARS = ("寄到火星多少钱？", "寄到火星 多少钱", "寄到火星多少錢")
ARTICLES = {
    "insured-value": {
        "title": {"zh": "保价怎么收费", "en": "How insured value is charged"},
        "category": "pricing",
        "questions": {
            "zh": ["保价怎么收费", "贵重物品要保价吗", "保价费是多少", "保价以后丢了怎么赔", "不保价丢了赔多少", "怎么给包裹保价"],
            "en": ["how much is insurance", "should I insure a valuable parcel", "what does insured value cost",
                   "how is an insured parcel compensated", "what if I do not insure it", "how do I insure a parcel"],
        },
        "answer": {
            "zh": {"web": "保价费为声明价值的1%，最低1元。", "voice": "保价费是声明价值的百分之一。"},
            "en": {"web": "Insurance costs 1% of the declared value.", "voice": "Insurance costs one percent of the declared value."},
        },
        "tests": ["保价要多少钱", "贵重东西怎么保价", "how much does insurance cost"],
    },
    "service-hours": {
        "title": {"zh": "客服工作时间", "en": "Customer service hours"},
        "category": "service",
        "questions": {
            "zh": ["客服几点上班", "人工客服什么时候有人", "晚上有客服吗", "客服工作时间是几点到几点", "周末客服上班吗", "节假日有人工客服吗"],
            "en": ["when is customer service open", "what are your service hours", "is there an agent at night",
                   "when can I talk to a person", "are agents available at weekends", "is customer service open on holidays"],
        },
        "answer": {
            "zh": {"web": "人工客服每天8:00至22:00在线。", "voice": "人工客服每天早八点到晚十点在线。"},
            "en": {"web": "Agents answer daily from 08:00 to 22:00.", "voice": "Agents answer daily from eight to ten."},
        },
        "tests": ["客服几点下班", "晚上有人工吗", "when are your agents available"],
    },
}
# What the editor writes on the Mars draft besides the group's questions.
MARS_EXTRA_QUESTIONS = {
    "zh": ["能寄快递到火星吗", "火星的运费是多少", "往火星发快递"],
    "en": ["How much is shipping to Mars?", "Can I send a parcel to Mars?", "Mars shipping price",
           "Do you deliver to Mars?", "What does a parcel to Mars cost?", "Ship a parcel to Mars"],
}
MARS_ANSWER = {
    "zh": {"web": "我们暂不提供寄往火星的服务，敬请谅解。", "voice": "我们暂不寄往火星。"},
    "en": {"web": "We do not ship to Mars yet.", "voice": "We do not ship to Mars yet."},
}
MARS_TESTS = ["寄到火星多少钱", "能寄快递到火星吗", "How much is shipping to Mars?"]


def seed_gap_store(directory: Path, store_url: str) -> None:
    """Seeds the store at `store_url` (before the editor service first opens it, so the
    service does not seed it from knowledge/articles) and logs the gap list."""
    articles, tests = directory / "seed-articles", directory / "seed-tests"
    articles.mkdir(parents=True, exist_ok=True)
    tests.mkdir(parents=True, exist_ok=True)
    for article_id, fields in ARTICLES.items():
        (articles / f"{article_id}.yml").write_text(yaml.safe_dump(_article(article_id, fields), allow_unicode=True), "utf-8")
        (tests / f"{article_id}.yml").write_text(
            yaml.safe_dump({"article": article_id, "questions": fields["tests"]}, allow_unicode=True), "utf-8")
    store = KnowledgeStore(store_url)
    try:
        store.ensure_seeded(articles, tests)
        for number, question in enumerate(MARS):
            store.log_gap(question, "zh-Hant" if "錢" in question else "zh-Hans", "socketio", None, None, f"mars-{number}")
        store.log_gap("你们卖保险吗", "zh-Hans", "rest", None, None, "insurance")
        store.log_gap("Do you ship to the Moon?", "en", "socketio", None, None, "moon")
    finally:
        store.close()


def _article(article_id: str, fields: Dict[str, Any]) -> Dict[str, Any]:
    return {
        "id": article_id, "title": fields["title"], "category": fields["category"], "tags": [],
        "status": "published", "version": 1, "valid_from": None, "valid_until": None,
        "questions": fields["questions"], "answer": fields["answer"],
    }
