"""Suggested answers for agents come from the published knowledge base."""
import asyncio

from handoff.suggestions import KnowledgeSuggestions


def suggestions_for(question, language, tmp_path, monkeypatch, redis_url):
    monkeypatch.setenv("KNOWLEDGE_DATABASE_URL", f"sqlite:///{tmp_path / 'knowledge.db'}")

    async def ask():
        suggestions = KnowledgeSuggestions()
        await suggestions.start(redis_url)
        try:
            return suggestions.for_question(question, language)
        finally:
            await suggestions.stop()

    return asyncio.run(ask())


def test_the_best_articles_are_suggested_in_the_customers_script(tmp_path, monkeypatch, redis_url):
    found = suggestions_for("寄到北京运费多少钱", "zh-Hant", tmp_path, monkeypatch, redis_url)
    assert len(found) == 3
    assert found[0]["article_id"] == "shipping-fee"
    assert "續重" in found[0]["text"] and "续重" not in found[0]["text"]


def test_nothing_is_suggested_for_an_empty_question(tmp_path, monkeypatch, redis_url):
    assert suggestions_for("  ", "zh-Hans", tmp_path, monkeypatch, redis_url) == []
