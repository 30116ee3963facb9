"""A gap group becomes a draft article in one step, and is handled when the article is
published: the editor service as a real process over HTTP, on a SQLite store of this
module's own (tests/gap_drafts_seed.py) and a real Redis (knowledge/service/routes/gaps.py,
knowledge/gaps.py)."""
from typing import Any, Dict, Optional

import pytest

from gap_drafts_seed import MARS, MARS_ANSWER, MARS_EXTRA_QUESTIONS, MARS_TESTS, seed_gap_store
from services import EditorClient as Client, start_editor_service

USERS = {"lin": {"name": "林编辑", "role": "editor"}, "zhou": {"name": "周审核", "role": "reviewer"}}


@pytest.fixture(scope="module")
def service(redis_url, tmp_path_factory):
    directory = tmp_path_factory.mktemp("gap-drafts")
    seed_gap_store(directory, f"sqlite:///{directory / 'knowledge.db'}")  # the service's store
    running = start_editor_service(directory, redis_url, USERS)
    yield running
    running.process.stop()


@pytest.fixture(scope="module")
def lin(service):
    return Client(service, "lin")


@pytest.fixture(scope="module")
def zhou(service):
    return Client(service, "zhou")


def group_of(client: Client, text: str, handled: bool = False) -> Optional[Dict[str, Any]]:
    status, body = client.call("GET", "/api/gaps")
    assert status == 200, body
    return next((gap for gap in body["handled" if handled else "gaps"] if text in gap["question"]), None)


def mars_article(draft: Dict[str, Any]) -> Dict[str, Any]:
    """What the editor writes on the draft: the answers, English, more phrasings."""
    article = draft["article"]
    return {
        **article,
        "id": "mars-shipping",
        "category": "pricing",
        "title": {**article["title"], "en": "Shipping to Mars"},
        "questions": {
            "zh": [*article["questions"]["zh"], *MARS_EXTRA_QUESTIONS["zh"]],
            "en": [*article["questions"]["en"], *MARS_EXTRA_QUESTIONS["en"]],
        },
        "answer": MARS_ANSWER,
    }


def test_the_gap_routes_need_a_login(service):
    anonymous = Client(service)
    assert anonymous.call("GET", "/api/gaps")[0] == 401
    assert anonymous.call("GET", "/api/gaps/1/draft")[0] == 401
    status, body = anonymous.call("POST", "/api/gaps/1/draft", json={"article": {}})
    assert (status, body["error"]) == (401, "unauthorised")


def test_bad_and_unknown_group_ids_are_refused_clearly(lin):
    status, body = lin.call("GET", "/api/gaps/mars/draft")
    assert (status, body["error"]) == (400, "invalid_field") and "whole number" in body["message"]
    status, body = lin.call("POST", "/api/gaps/-3/draft", json={"article": {}})
    assert status == 400 and body["field"] == "group_id"
    status, body = lin.call("GET", "/api/gaps/987654/draft")
    assert (status, body["error"]) == (404, "unknown_gap") and "987654" in body["message"]
    status, body = lin.call("POST", "/api/gaps/987654/draft", json={"article": {}})
    assert status == 404


def test_a_draft_without_answers_is_not_saved_and_the_group_stays_unlinked(lin):
    group = group_of(lin, "火星")
    status, draft = lin.call("GET", f"/api/gaps/{group['group_id']}/draft")
    assert status == 200
    status, body = lin.call("POST", f"/api/gaps/{group['group_id']}/draft", json={"article": draft["article"]})
    assert (status, body["error"]) == (400, "invalid_article")
    assert any("answer.zh.web is empty" in problem for problem in body["problems"])
    assert group_of(lin, "火星")["article_id"] is None


def test_a_group_becomes_a_draft_and_is_handled_when_the_article_is_published(lin, zhou):
    group = group_of(lin, "火星")
    assert group["count"] == 3

    status, draft = lin.call("GET", f"/api/gaps/{group['group_id']}/draft")
    assert status == 200 and draft["article_id"] is None
    # The group's questions, first asked first, and a title from the first question.
    assert draft["article"]["questions"] == {"zh": list(MARS), "en": []}
    assert draft["article"]["title"] == {"zh": "寄到火星多少钱", "en": ""}
    assert draft["article"]["answer"]["zh"] == {"web": "", "voice": ""}

    status, created = lin.call("POST", f"/api/gaps/{group['group_id']}/draft",
                               json={"article": mars_article(draft)})
    assert status == 201, created
    assert (created["id"], created["latest"]["version"], created["latest"]["status"]) == ("mars-shipping", 1, "draft")
    assert created["gap_group"] == group["group_id"]
    # Linked, still open until the article is live; a second draft of it is refused.
    assert group_of(lin, "火星")["article_id"] == "mars-shipping"
    status, body = lin.call("POST", f"/api/gaps/{group['group_id']}/draft", json={"article": mars_article(draft)})
    assert (status, body["error"], body["article_id"]) == (409, "gap_drafted", "mars-shipping")
    assert lin.call("GET", f"/api/gaps/{group['group_id']}/draft")[1]["article_id"] == "mars-shipping"

    status, body = lin.call("PUT", "/api/articles/mars-shipping/answer-tests",
                            json={"questions": MARS_TESTS, "base_version": 0})
    assert status == 200, body
    # An editor may not publish; the reviewer does, through the answer-test gate.
    assert lin.call("POST", "/api/publish", json={"articles": {"mars-shipping": 1}})[0] == 403
    status, body = zhou.call("POST", "/api/publish", json={"articles": {"mars-shipping": 1}})
    assert status == 200, body

    assert group_of(lin, "火星") is None
    handled = group_of(lin, "火星", handled=True)
    assert handled["article_id"] == "mars-shipping" and handled["count"] == 3 and handled["handled_at"]
    # The other groups are still open, and not linked.
    assert group_of(lin, "保险")["article_id"] is None and group_of(lin, "Moon")["article_id"] is None
    status, body = lin.call("GET", f"/api/gaps/{group['group_id']}/draft")
    assert (status, body["error"]) == (404, "unknown_gap")


def test_an_english_group_s_draft_is_titled_in_english(lin):
    group = group_of(lin, "Moon")
    status, draft = lin.call("GET", f"/api/gaps/{group['group_id']}/draft")
    assert status == 200
    assert draft["article"]["title"] == {"zh": "", "en": "Do you ship to the Moon"}
    assert draft["article"]["questions"] == {"zh": [], "en": ["Do you ship to the Moon?"]}
