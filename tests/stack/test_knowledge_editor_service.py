"""The knowledge editor service as a real process over HTTP, on a SQLite store seeded
from knowledge/articles and a real Redis: logging in and roles, creating and editing
(JSON and YAML) with conflicts and merges, bad input refused whole, previews, the
answer-test gate, publishing to a LiveIndex of this process, history, rollback, the
audit log and the gap list, and the OpenAPI document against the routes."""
import asyncio
import re
import threading
import time
from datetime import datetime, timezone
from typing import Any, Dict, Tuple

import pytest
import requests
import yaml

from foundation.language import to_traditional
from foundation.staff.login_throttle import LOCKOUT_SECONDS, MAX_FAILED_LOGINS
from articles import YAML_BOMB
from knowledge.article import ARTICLES_FOLDER, MAX_YAML_DEPTH, MAX_YAML_NODES, load_article
from knowledge.live_index import LiveIndex
from knowledge.service.app import OPENAPI_FILE, EditorSettings, create_app
from knowledge.search import ANSWER_THRESHOLD
from knowledge.store import KnowledgeStore
from knowledge.service.routes.requests import MAX_YAML_BYTES
from services import (EditorClient, documented_operations, password, route_operations,
                      start_editor_service)

USERS = {
    "lin": {"name": "林编辑", "role": "editor"},
    "wu": {"name": "吴编辑", "role": "editor"},
    "zhou": {"name": "周审核", "role": "reviewer"},
    "qian": {"name": "钱审核", "role": "reviewer"},
}
PUBLISH_TO_LIVE_LIMIT = 2.0


@pytest.fixture(scope="module")
def service(redis_url, tmp_path_factory):
    running = start_editor_service(tmp_path_factory.mktemp("editor"), redis_url, USERS)
    yield running
    running.process.stop()


class Client(EditorClient):
    """The editor API as one user, with the calls these tests repeat."""

    def get(self, path: str, **kwargs: Any) -> Tuple[int, Any]:
        return self.call("GET", path, **kwargs)

    def article(self, article_id: str) -> Dict[str, Any]:
        status, body = self.get(f"/api/articles/{article_id}")
        assert status == 200, body
        return body

    def save(self, article: Dict[str, Any], base_version: int, comment: str = "") -> Tuple[int, Any]:
        return self.call(
            "PUT", f"/api/articles/{article['id']}",
            json={"article": article, "base_version": base_version, "comment": comment},
        )


@pytest.fixture(scope="module")
def lin(service):
    return Client(service, "lin")


@pytest.fixture(scope="module")
def wu(service):
    return Client(service, "wu")


@pytest.fixture(scope="module")
def zhou(service):
    return Client(service, "zhou")


@pytest.fixture(scope="module")
def qian(service):
    return Client(service, "qian")


def typhoon_notice(article_id: str) -> Dict[str, Any]:
    return {
        "id": article_id,
        "title": {"zh": "台风期间的派送安排", "en": "Deliveries during typhoons"},
        "category": "notice",
        "tags": ["台风", "typhoon"],
        "valid_from": None,
        "valid_until": None,
        "questions": {"zh": ["台风天还送快递吗"], "en": ["Do you deliver during a typhoon?"]},
        "answer": {
            "zh": {"web": "台风红色预警期间暂停派送，预警解除后24小时内恢复。", "voice": "台风红色预警期间暂停派送。"},
            "en": {"web": "Deliveries pause during a red typhoon warning.", "voice": "Deliveries pause during a red warning."},
        },
    }


def with_answer(article: Dict[str, Any], language: str, channel: str, text: str) -> Dict[str, Any]:
    answer = {lang: dict(texts) for lang, texts in article["answer"].items()}
    answer[language][channel] = text
    return {**article, "answer": answer}


# Logging in and roles


def test_login_and_roles(service, lin, zhou):
    anonymous = Client(service)
    status, body = anonymous.call("POST", "/api/login", json={"user": "zhou", "password": password("zhou")})
    assert status == 200
    assert body["user"] == {"id": "zhou", "name": "周审核", "role": "reviewer"}
    assert body["expires_at"] > time.time() + 11 * 3600

    status, body = anonymous.call("POST", "/api/login", json={"user": "zhou", "password": "wrong"})
    assert (status, body["error"]) == (401, "invalid_credentials")
    status, body = anonymous.get("/api/articles")
    assert (status, body["error"]) == (401, "unauthorised")
    status, body = anonymous.get("/api/articles", headers={"Authorization": "Bearer forged.token"})
    assert (status, body["error"]) == (401, "unauthorised")

    # Editors read and write drafts; publishing and rollback are a reviewer's act.
    assert lin.get("/api/articles")[0] == 200
    status, body = lin.call("POST", "/api/publish", json={"articles": {"shipping-fee": 1}})
    assert (status, body["error"]) == (403, "forbidden")
    assert "reviewer" in body["message"]
    status, body = lin.call("POST", "/api/articles/shipping-fee/rollback", json={"version": 1})
    assert (status, body["error"]) == (403, "forbidden")


def test_a_user_name_is_locked_out_after_repeated_failed_logins(service):
    anonymous = Client(service)
    for _ in range(MAX_FAILED_LOGINS):
        status, _ = anonymous.call("POST", "/api/login", json={"user": "nobody", "password": "guess"})
        assert status == 401
    status, body = anonymous.call("POST", "/api/login", json={"user": "nobody", "password": "guess"})
    assert (status, body["error"]) == (429, "too_many_attempts")
    assert 0 < body["retry_after"] <= LOCKOUT_SECONDS


# Listing, creating and editing


def test_list_and_search(lin):
    status, body = lin.get("/api/articles")
    assert status == 200
    assert len(body["articles"]) == len(list(ARTICLES_FOLDER.glob("*.yml")))
    # Traditional and Simplified find the same.
    found = {a["id"] for a in lin.get("/api/articles", params={"query": "運費"})[1]["articles"]}
    assert "shipping-fee" in found
    assert found == {a["id"] for a in lin.get("/api/articles", params={"query": "运费"})[1]["articles"]}
    drafts = lin.get("/api/articles", params={"status": "draft"})[1]["articles"]
    assert all(a["latest_status"] == "draft" for a in drafts)
    status, body = lin.get("/api/articles", params={"status": "gone"})
    assert (status, body["error"], body["field"]) == (400, "invalid_field", "status")


def test_create_edit_conflict_and_merge(lin, wu):
    article = typhoon_notice("typhoon-notice")
    status, body = lin.call("POST", "/api/articles", json={"article": article, "comment": "新公告"})
    assert status == 201, body
    assert (body["latest"]["version"], body["latest"]["status"], body["latest"]["author"]) == (1, "draft", "lin")
    assert body["published"] is None and body["pending"]
    assert body["answer_tests"] == {
        "article_id": "typhoon-notice", "version": 0, "questions": [],
        "author": None, "author_name": None, "created_at": None,
    }

    # The same id again: refused, naming who made it.
    status, body = wu.call("POST", "/api/articles", json={"article": article})
    assert (status, body["error"]) == (409, "edit_conflict")
    assert "already exists" in body["message"] and "lin" in body["message"]

    # wu saves a new title on top of version 1.
    status, body = wu.save({**article, "title": {"zh": "台风天派送安排", "en": article["title"]["en"]}}, 1)
    assert status == 200 and body["latest"]["version"] == 2

    # lin, still on version 1, changes the same title: refused, naming wu and when.
    status, body = lin.save({**article, "title": {"zh": "台风季派送", "en": article["title"]["en"]}}, 1)
    assert (status, body["error"]) == (409, "edit_conflict")
    assert "version 2 was saved by wu at" in body["message"]
    assert "title.zh" in body["message"] and "Nothing was saved" in body["message"]
    assert lin.article("typhoon-notice")["latest"]["version"] == 2

    # lin, still on version 1, changes another part: merged with wu's title.
    mine = with_answer(article, "en", "voice", "Deliveries pause while a red typhoon warning is on.")
    status, body = lin.save(mine, 1, "英文语音")
    assert status == 200, body
    assert body["merged"]["with_version"] == 2 and body["merged"]["their_changes"] == ["title.zh"]
    latest = body["latest"]
    assert latest["version"] == 3 and latest["author"] == "lin" and latest["comment"] == "英文语音"
    assert latest["article"]["title"]["zh"] == "台风天派送安排"
    assert latest["article"]["answer"]["en"]["voice"] == "Deliveries pause while a red typhoon warning is on."

    # Saving what is already there makes no version.
    status, body = lin.save(latest["article"], 3)
    assert status == 200 and body["unchanged"] and body["latest"]["version"] == 3

    # Unknown articles and ids that do not match the address.
    assert lin.get("/api/articles/no-such-article")[1]["error"] == "unknown_article"
    status, body = lin.save({**article, "id": "no-such-article"}, 1)
    assert (status, body["error"]) == (404, "unknown_article")
    status, body = lin.call("PUT", "/api/articles/typhoon-notice",
                            json={"article": {**article, "id": "other"}, "base_version": 3})
    assert (status, body["field"]) == (400, "id")
    status, body = lin.call("PUT", "/api/articles/typhoon-notice", json={"article": article})
    assert (status, body["field"]) == (400, "base_version")


def test_concurrent_saves_of_the_same_part_one_wins_one_is_told(lin, wu):
    article = typhoon_notice("typhoon-race")
    assert lin.call("POST", "/api/articles", json={"article": article})[0] == 201
    outcomes = {}

    def save(client: Client, text: str) -> None:
        outcomes[text] = client.save(with_answer(article, "zh", "web", text), 1)

    threads = [threading.Thread(target=save, args=(client, f"{client_name}的版本"))
               for client_name, client in (("林", lin), ("吴", wu))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    statuses = sorted(status for status, _ in outcomes.values())
    assert statuses == [200, 409], outcomes
    refused = next(body for status, body in outcomes.values() if status == 409)
    assert refused["error"] == "edit_conflict" and "version 2 was saved by" in refused["message"]
    history = lin.get("/api/articles/typhoon-race/history")[1]["versions"]
    assert [v["version"] for v in history] == [2, 1]


def test_articles_as_yaml_text(lin):
    view = lin.article("weekend-delivery")
    base = view["latest"]["version"]
    voice = view["latest"]["article"]["answer"]["zh"]["voice"]
    text = view["latest"]["yaml"].replace(voice, voice + "节假日另行通知。")
    headers = {"Content-Type": "application/yaml"}
    status, body = lin.call("PUT", "/api/articles/weekend-delivery", params={"base_version": base, "comment": "YAML"},
                            data=text.encode("utf-8"), headers=headers)
    assert status == 200, body
    assert body["latest"]["version"] == base + 1 and body["latest"]["status"] == "draft"
    assert body["latest"]["article"]["answer"]["zh"]["voice"].endswith("节假日另行通知。")

    # Invalid YAML: the line is named, nothing is written.
    broken = text.replace("category:", "category: [unclosed", 1)
    status, body = lin.call("PUT", "/api/articles/weekend-delivery", params={"base_version": base + 1},
                            data=broken.encode("utf-8"), headers=headers)
    assert (status, body["error"]) == (400, "invalid_yaml")
    assert body["line"] >= 1 and f"line {body['line']}" in body["message"]
    # A key given twice would silently lose the first; it is refused instead.
    twice = text.replace("category:", "tags: [x]\ncategory:", 1)
    status, body = lin.call("PUT", "/api/articles/weekend-delivery", params={"base_version": base + 1},
                            data=twice.encode("utf-8"), headers=headers)
    assert (status, body["error"]) == (400, "invalid_yaml") and "'tags' twice" in body["message"]
    assert lin.article("weekend-delivery")["latest"]["version"] == base + 1

    # Creating from YAML text.
    new = yaml.safe_dump(typhoon_notice("typhoon-yaml"), allow_unicode=True)
    status, body = lin.call("POST", "/api/articles", data=new.encode("utf-8"), headers=headers)
    assert status == 201 and body["latest"]["article"]["title"]["zh"] == "台风期间的派送安排"


def peak_memory_kb(pid: int) -> int:
    """The most memory the process ever held (VmHWM), in kB."""
    status = open(f"/proc/{pid}/status", encoding="ascii").read()
    return int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M).group(1))


def test_a_yaml_bomb_is_answered_400_at_once_and_the_service_does_not_grow(service, lin):
    headers = {"Content-Type": "application/yaml"}
    pid = service.process.process.pid
    before = peak_memory_kb(pid)
    assert len(YAML_BOMB.encode("utf-8")) < 330
    started = time.monotonic()
    status, body = lin.call("POST", "/api/articles", data=YAML_BOMB.encode("utf-8"), headers=headers)
    took = time.monotonic() - started
    assert (status, body["error"]) == (400, "invalid_yaml"), body
    assert "found the alias *a" in body["message"] and body["line"] == 1
    assert took < 1.0
    assert peak_memory_kb(pid) - before < 10_000
    status, body = lin.call("PUT", "/api/articles/packaging", params={"base_version": 1},
                            data=YAML_BOMB.encode("utf-8"), headers=headers)
    assert (status, body["error"]) == (400, "invalid_yaml")
    assert lin.article("packaging")["latest"]["version"] == 1


def test_yaml_no_article_needs_is_refused_with_a_reason(lin):
    headers = {"Content-Type": "application/yaml"}
    cases = {
        "[" * 100_000: (400, f"nested more than {MAX_YAML_DEPTH} levels deep"),
        "questions:\n" + "- 问\n" * (MAX_YAML_NODES + 1): (400, f"more than {MAX_YAML_NODES} values"),
        "answer: " + "运" * MAX_YAML_BYTES: (413, f"larger than {MAX_YAML_BYTES // 1024} KB"),
    }
    for text, (expected_status, reason) in cases.items():
        status, body = lin.call("POST", "/api/articles", data=text.encode("utf-8"), headers=headers)
        assert status == expected_status and reason in body["message"], body


def test_bad_answers_are_refused_with_the_rules_message_and_nothing_is_written(service, lin):
    view = lin.article("coverage")
    article, base = view["latest"]["article"], view["latest"]["version"]
    audit_before = lin.get("/api/audit")[1]["entries"][0]["id"]
    cases = {
        "contains a <script> tag": with_answer(article, "en", "web", "Hi <script>alert(1)</script>"),
        "answer.zh.voice is empty": with_answer(article, "zh", "voice", "   "),
        "answer.zh.web has 102400 characters; at most 20000": with_answer(article, "zh", "web", "运费" * 51_200),
        "contains an HTML tag": with_answer(article, "zh", "web", '<img src=x onerror="alert(1)">'),
    }
    for expected, bad in cases.items():
        status, body = lin.save(bad, base)
        assert (status, body["error"]) == (400, "invalid_article"), expected
        assert any(expected in problem for problem in body["problems"]), body
        assert expected in body["message"]

    # Over a megabyte is refused before it is read.
    status, body = lin.save(with_answer(article, "zh", "web", "运" * 400_000), base)
    assert (status, body["error"]) == (413, "too_large")

    status, body = lin.call("PUT", "/api/articles/coverage", data=b"{not json", headers={"Content-Type": "application/json"})
    assert (status, body["error"]) == (400, "invalid_json")
    assert lin.article("coverage")["latest"]["version"] == base
    assert lin.get("/api/audit")[1]["entries"][0]["id"] == audit_before


# Preview


def test_preview_is_the_text_the_bot_sends(lin):
    article = load_article(ARTICLES_FOLDER / "service-hours.yml")

    def preview(channel: str, language: str) -> str:
        status, body = lin.get("/api/articles/service-hours/preview", params={"channel": channel, "language": language})
        assert status == 200, body
        assert body["spoken"] == (channel == "ivr")
        return body["text"]

    assert preview("web", "zh-Hans") == article.answer["zh"].web.strip()
    assert preview("ivr", "zh-Hans") == article.answer["zh"].voice.strip()
    assert preview("ivr", "zh-Hant") == to_traditional(article.answer["zh"].voice.strip())
    assert preview("ivr", "zh-Hant") != preview("ivr", "zh-Hans")
    assert preview("web", "en") == article.answer["en"].web.strip()
    assert preview("ivr", "en") == article.answer["en"].voice.strip()
    status, body = lin.get("/api/articles/service-hours/preview", params={"channel": "fax"})
    assert (status, body["field"]) == (400, "channel")
    status, body = lin.get("/api/articles/service-hours/preview", params={"language": "fr"})
    assert (status, body["field"]) == (400, "language")


# Answer tests, publishing, history and rollback


def test_answer_tests_are_edited_with_their_own_versions(lin, wu):
    article = typhoon_notice("typhoon-tests")
    assert lin.call("POST", "/api/articles", json={"article": article})[0] == 201
    path = "/api/articles/typhoon-tests/answer-tests"
    status, body = lin.call("PUT", path, json={"questions": ["台风天送吗", "台风天送吗"], "base_version": 0})
    assert (status, body["error"]) == (400, "invalid_answer_tests")
    assert any("needs at least 3" in problem for problem in body["problems"])
    questions = ["台风天送快递吗", "台风预警还派件吗", "Do you deliver in a typhoon?"]
    status, body = lin.call("PUT", path, json={"questions": questions, "base_version": 0})
    assert status == 200 and body["version"] == 1 and body["questions"] == questions and body["author_name"] == "林编辑"
    status, body = wu.call("PUT", path, json={"questions": questions[:2] + ["台风停运吗"], "base_version": 0})
    assert (status, body["error"]) == (409, "edit_conflict") and "saved by lin" in body["message"]
    status, body = lin.call("PUT", "/api/articles/no-such-article/answer-tests", json={"questions": questions, "base_version": 0})
    assert status == 404


class LiveIndexInThread:
    """A LiveIndex on an event loop of its own, as the action server holds one. Its
    polling is slowed to 30 s, so only the service's Redis notice reloads it in time."""

    def __init__(self, store_url: str, redis_url: str) -> None:
        self.store = KnowledgeStore(store_url)
        self.live = LiveIndex(self.store, redis_url, poll_seconds=30)
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self.live.start(), self.loop).result(120)

    def zh_web(self, article_id: str) -> str:
        return self.live.current().articles[article_id].answer["zh"].web

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self.live.stop(), self.loop).result(30)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.store.close()


@pytest.fixture()
def live_index(service, redis_url):
    """A LiveIndex on the service's store, as the action server holds one, for one test."""
    live = LiveIndexInThread(service.store_url, redis_url)
    yield live
    live.stop()


def about_parrots(article: Dict[str, Any]) -> Dict[str, Any]:
    """The article with a title, tags and questions about something else entirely."""
    return {
        **article,
        "title": {"zh": "鹦鹉的饲养", "en": "Keeping parrots"},
        "tags": ["鹦鹉", "parrot"],
        "questions": {
            "zh": ["鹦鹉吃什么", "鹦鹉怎么洗澡", "鹦鹉会说话吗", "鹦鹉能活多久", "鹦鹉掉毛怎么办", "鹦鹉笼子多大"],
            "en": ["what do parrots eat", "how to bathe a parrot", "can parrots talk", "how long do parrots live",
                   "why is my parrot losing feathers", "how big a cage for a parrot"],
        },
    }


def run_the_answer_tests(client: Client, article_id: str) -> Dict[str, Any]:
    """The answer tests run on the article's latest draft; returns their report."""
    status, report = client.call("POST", "/api/answer-tests/run", json={"articles": [article_id]})
    assert status == 200, report
    return report


def publish_and_time_until_live(
    reviewer: Client, live: LiveIndexInThread, article_id: str, version: int, text: str, capsys
):
    """The reviewer publishes while a thread watches the LiveIndex for the new text.
    Prints how long the publication took and how soon after it the index served the
    text; returns the publication's body and that delay in seconds."""
    seen = {}

    def watch() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and text not in live.zh_web(article_id):
            time.sleep(0.005)
        seen["at"] = time.time()

    watcher = threading.Thread(target=watch)
    watcher.start()
    started = time.monotonic()
    status, body = reviewer.call("POST", "/api/publish", json={"articles": {article_id: version}})
    took = time.monotonic() - started
    watcher.join()
    assert status == 200, body
    committed = datetime.fromisoformat(body["published_at"].rstrip("Z")).replace(tzinfo=timezone.utc).timestamp()
    to_live = seen["at"] - committed
    with capsys.disabled():
        print(f"\npublish through the editor service (answer tests included) took {took:.2f} s; "
              f"the LiveIndex served the new answer {to_live:.2f} s after the publication")
    return body, to_live


def wait_until_live(live: LiveIndexInThread, article_id: str, text: str, seconds: float) -> None:
    """Waits, at most `seconds`, for the LiveIndex to serve the text in the article's answer."""
    deadline = time.monotonic() + seconds
    while text not in live.zh_web(article_id) and time.monotonic() < deadline:
        time.sleep(0.02)


def check_the_history_and_diff_of_the_price_change(client: Client) -> None:
    """The history lists the published price change, the refused draft and the archived
    original, newest first; the diff and the old version show the old and new prices."""
    versions = client.get("/api/articles/shipping-fee/history")[1]["versions"]
    assert [(v["version"], v["status"]) for v in versions] == [(3, "published"), (2, "draft"), (1, "archived")]
    assert versions[0]["author_name"] == "林编辑" and versions[0]["comment"] == "同省首重涨价"
    status, body = client.get("/api/articles/shipping-fee/diff", params={"from": 1, "to": 3})
    assert status == 200
    assert re.search(r"^-.*首重12元", body["diff"], re.M) and re.search(r"^\+.*首重13元", body["diff"], re.M)
    assert client.get("/api/articles/shipping-fee/diff")[1]["from"] == 2
    status, body = client.get("/api/articles/shipping-fee/versions/1")
    assert status == 200 and body["status"] == "archived" and "首重12元" in body["yaml"]


def test_publishing_is_gated_by_the_answer_tests_and_reaches_a_live_index(lin, zhou, live_index, capsys):
    live = live_index
    view = lin.article("shipping-fee")
    original = view["latest"]["article"]
    assert view["latest"]["version"] == 1 and "首重12元" in original["answer"]["zh"]["web"]

    # A draft that no longer reads as the shipping fee article breaks its tests.
    status, body = lin.save(about_parrots(original), 1, "试试")
    assert status == 200 and body["latest"]["version"] == 2
    report = run_the_answer_tests(lin, "shipping-fee")
    assert report["refused"] and report["drafts"] == [{"id": "shipping-fee", "version": 2}]
    failing = {outcome["question"] for outcome in report["failures"]}
    assert "从上海寄2公斤到广州多少钱" in failing
    # Expected vs got: another article, or this one below the answer threshold.
    assert all(o["expected"] == "shipping-fee" and (o["got"] != "shipping-fee" or o["score"] < ANSWER_THRESHOLD)
               for o in report["failures"])

    status, body = zhou.call("POST", "/api/publish", json={"articles": {"shipping-fee": 2}})
    assert (status, body["error"]) == (409, "publish_refused"), body
    assert "从上海寄2公斤到广州多少钱" in body["message"]
    assert {o["question"] for o in body["report"]["failures"]} == failing
    assert lin.article("shipping-fee")["published"]["version"] == 1
    assert "首重12元" in live.zh_web("shipping-fee")

    # Fixed: the original text with this week's first-weight price.
    fixed = with_answer(original, "zh", "web", original["answer"]["zh"]["web"].replace("首重12元", "首重13元"))
    status, body = lin.save(fixed, 2, "同省首重涨价")
    assert status == 200 and body["latest"]["version"] == 3
    report = run_the_answer_tests(lin, "shipping-fee")
    assert not report["refused"] and report["failures"] == [], report["lines"]

    revision = live.live.current().revision
    body, to_live = publish_and_time_until_live(zhou, live, "shipping-fee", 3, "首重13元", capsys)
    assert body["revision"] == revision + 1 and body["articles"] == [{"id": "shipping-fee", "version": 3}]
    assert not body["report"]["refused"]
    assert "首重13元" in live.zh_web("shipping-fee")
    assert live.live.current().revision == body["revision"]
    assert to_live < PUBLISH_TO_LIVE_LIMIT

    check_the_history_and_diff_of_the_price_change(lin)

    # Rollback: version 1's content is live again, as version 4.
    status, body = zhou.call("POST", "/api/articles/shipping-fee/rollback", json={"version": 1})
    assert status == 200 and body["articles"] == [{"id": "shipping-fee", "version": 4}], body
    view = lin.article("shipping-fee")
    assert view["published"]["version"] == 4 and view["published"]["comment"] == "rollback to version 1"
    assert "首重12元" in lin.get("/api/articles/shipping-fee/preview", params={"channel": "web"})[1]["text"]
    wait_until_live(live, "shipping-fee", "首重12元", PUBLISH_TO_LIVE_LIMIT * 2)
    assert "首重12元" in live.zh_web("shipping-fee")

    # The audit log says who did what.
    entries = lin.get("/api/audit", params={"article": "shipping-fee"})[1]["entries"]
    assert [(e["action"], e["user"], e["user_name"], e["version"]) for e in entries[:4]] == [
        ("rollback", "zhou", "周审核", 4),
        ("publish", "zhou", "周审核", 3),
        ("edit", "lin", "林编辑", 3),
        ("edit", "lin", "林编辑", 2),
    ]
    assert entries[0]["at"].endswith("Z") and "rollback to version 1" in entries[0]["detail"]


def test_publishing_a_new_article_needs_answer_tests(lin, zhou):
    assert lin.call("POST", "/api/articles", json={"article": typhoon_notice("typhoon-untested")})[0] == 201
    status, body = zhou.call("POST", "/api/publish", json={"articles": {"typhoon-untested": 1}})
    assert (status, body["error"]) == (409, "publish_refused")
    assert any("has 0 answer tests" in problem for problem in body["report"]["problems"])
    assert any("questions.zh has 1; needs at least 6" in problem for problem in body["report"]["problems"])
    assert lin.article("typhoon-untested")["published"] is None
    status, body = zhou.call("POST", "/api/publish", json={"articles": {"no-such-article": 1}})
    assert (status, body["error"]) == (404, "unknown_article")
    status, body = zhou.call("POST", "/api/publish", json={"articles": {"typhoon-untested": 7}})
    assert (status, body["error"]) == (404, "unknown_article") and "has no version 7" in body["message"]


def with_note(article: Dict[str, Any], note: str) -> Dict[str, Any]:
    """The article with a note after its Chinese web answer."""
    return with_answer(article, "zh", "web", f"{article['answer']['zh']['web']}\n\n{note}")


def test_a_reviewer_publishing_their_own_draft_is_refused(lin, zhou, qian):
    view = zhou.article("holiday-service")
    live = view["published"]["version"]
    status, body = zhou.save(with_note(view["latest"]["article"], "审核员自己加的说明。"), view["latest"]["version"])
    assert status == 200
    own = body["latest"]["version"]
    status, body = zhou.call("POST", "/api/publish", json={"articles": {"holiday-service": own}})
    assert (status, body["error"]) == (403, "own_change"), body
    assert body["problems"] == [f"Article 'holiday-service': zhou wrote version {own} of what would go live."]
    assert lin.article("holiday-service")["published"]["version"] == live

    # An editor's edit on top does not carry the reviewer's own past the rule.
    status, body = lin.save(with_note(lin.article("holiday-service")["latest"]["article"], "编辑补充。"), own)
    on_top = body["latest"]["version"]
    status, body = zhou.call("POST", "/api/publish", json={"articles": {"holiday-service": on_top}})
    assert (status, body["error"]) == (403, "own_change")
    assert f"zhou wrote version {own} of what would go live" in body["message"]
    assert lin.article("holiday-service")["published"]["version"] == live

    # A second reviewer reads it and publishes it.
    status, body = qian.call("POST", "/api/publish", json={"articles": {"holiday-service": on_top}})
    assert status == 200, body
    assert body["articles"] == [{"id": "holiday-service", "version": on_top}]


def test_an_edit_saved_after_the_review_does_not_go_live(lin, wu, zhou):
    view = lin.article("self-pickup")
    live = view["published"]["version"]
    status, body = lin.save(with_note(view["latest"]["article"], "审核过的说明。"), view["latest"]["version"])
    reviewed = body["latest"]["version"]
    assert zhou.article("self-pickup")["latest"]["version"] == reviewed  # what the reviewer reads

    status, body = wu.save(with_note(body["latest"]["article"], "审核之后才加的话。"), reviewed)
    later = body["latest"]["version"]
    status, body = zhou.call("POST", "/api/publish", json={"articles": {"self-pickup": reviewed}})
    assert (status, body["error"]) == (409, "unreviewed"), body
    assert body["problems"][0].startswith(
        f"Article 'self-pickup': version {reviewed} was named for publishing, but version {later} (draft) "
        f"was saved after it by wu"
    )
    published = lin.article("self-pickup")["published"]
    assert published["version"] == live and "审核之后" not in published["article"]["answer"]["zh"]["web"]

    # Once the reviewer has read the later edit, it goes live.
    status, body = zhou.call("POST", "/api/publish", json={"articles": {"self-pickup": later}})
    assert status == 200 and body["articles"] == [{"id": "self-pickup", "version": later}], body


def test_a_rollback_to_a_draft_that_was_never_live_is_refused(lin, zhou):
    view = zhou.article("invoice")
    status, body = zhou.save(with_note(view["latest"]["article"], "从未上线。"), view["latest"]["version"])
    draft = body["latest"]["version"]
    status, body = zhou.call("POST", "/api/articles/invoice/rollback", json={"version": draft})
    assert (status, body["error"]) == (409, "unreviewed")
    assert f"version {draft} was never live" in body["message"]
    assert lin.article("invoice")["published"]["version"] == view["published"]["version"]


@pytest.mark.parametrize("body", [
    {}, {"articles": ["shipping-fee"]}, {"articles": {}}, {"articles": {"shipping-fee": "1"}},
    {"articles": {"shipping-fee": True}}, {"articles": {"shipping-fee": 0}},
    {"articles": {f"article-{number}": 1 for number in range(201)}},
])
def test_a_publication_that_does_not_name_the_versions_reviewed_is_refused(zhou, body):
    status, answer = zhou.call("POST", "/api/publish", json=body)
    assert (status, answer["error"], answer["field"]) == (400, "invalid_field", "articles")
    assert "the version you reviewed" in answer["message"]


def test_audit_log_names_who_changed_what(lin, wu):
    article = typhoon_notice("typhoon-audit")
    assert wu.call("POST", "/api/articles", json={"article": article, "comment": "台风季"})[0] == 201
    assert lin.save(with_answer(article, "zh", "voice", "红色预警期间暂停派送。"), 1)[0] == 200
    entries = lin.get("/api/audit", params={"article": "typhoon-audit"})[1]["entries"]
    assert [(e["action"], e["user"], e["user_name"], e["version"], e["detail"]) for e in entries] == [
        ("edit", "lin", "林编辑", 2, ""),
        ("create", "wu", "吴编辑", 1, "台风季"),
    ]
    seeded = lin.get("/api/audit", params={"limit": 1000})[1]["entries"]
    assert any(e["user"] == "seed" and e["action"] == "import" for e in seeded)
    assert lin.get("/api/audit", params={"limit": 0})[0] == 400


def test_gap_list_shows_unanswered_questions_masked(service, lin):
    store = KnowledgeStore(service.store_url)
    try:
        store.log_gap("我的手机13812345678换号了怎么收件", "zh-Hans", "socketio", "account-login", 0.41, "c1")
        store.log_gap("我的手机13900001111换号了怎么收件", "zh-Hans", "ivr", None, None, "c2")
    finally:
        store.close()
    status, body = lin.get("/api/gaps")
    assert status == 200
    gap = body["gaps"][0]
    assert gap["question"] == "我的手机139****1111换号了怎么收件"
    assert gap["count"] == 2 and gap["channel"] == "ivr"


# The service itself


def test_health_page_and_assets(service):
    anonymous = Client(service)
    status, body = anonymous.get("/health")
    assert status == 200 and body["status"] == "ok" and body["revision"] >= 1
    page = requests.get(f"{service.url}/editor", timeout=10)
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert page.headers["X-Frame-Options"] == "DENY"
    for asset in ("editor.js", "editor.css"):
        assert requests.get(f"{service.url}/editor/{asset}", timeout=10).status_code == 200
    status, body = anonymous.get("/editor/..%2Fstore.py")
    assert status == 404


def test_every_route_is_in_the_openapi_document_and_nothing_else(service, tmp_path):
    app = create_app(EditorSettings(database_url=f"sqlite:///{tmp_path / 'unused.db'}", users_file=tmp_path / "none.yml"))
    spec = yaml.safe_load(OPENAPI_FILE.read_text(encoding="utf-8"))
    assert route_operations(app) == documented_operations(spec)
    status, served = Client(service).get("/openapi.json")
    assert status == 200 and served == spec
