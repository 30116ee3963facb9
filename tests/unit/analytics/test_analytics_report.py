"""The analytics load and report over a hand-counted set of sources (analytics_sources.py):
real Redis stream through the bot's broker, the real archive, gap and return tables."""
import csv
import uuid
from datetime import date, datetime

import pytest
from sqlalchemy import func, select

from analytics.loading import load_all
from analytics.metrics import compute
from analytics.report import main as report_main
from analytics.warehouse import (
    conversation_events,
    conversations,
    handoff_cases,
    knowledge_gaps,
    open_warehouse,
    return_requests,
    turns,
)
from analytics_sources import (
    PHONE,
    change_return_status,
    conversations as synthetic_conversations,
    publish,
    write_cases,
    write_gaps,
    write_returns,
)

FIRST, LAST = date(2026, 11, 3), date(2026, 11, 4)
TABLES = (conversation_events, conversations, turns, handoff_cases, knowledge_gaps, return_requests)


@pytest.fixture
def sources(tmp_path, redis_url):
    """The sources, written except the last conversation (S10), which a test adds."""
    urls = {
        "redis_url": redis_url,
        "stream": f"test-{uuid.uuid4().hex[:8]}:rasa:events",
        "archive": f"sqlite:///{tmp_path / 'handoff.db'}",
        "knowledge": f"sqlite:///{tmp_path / 'knowledge.db'}",
        "carrier": f"sqlite:///{tmp_path / 'carrier.db'}",
    }
    publish(redis_url, urls["stream"], synthetic_conversations()[:9])
    write_cases(urls["archive"])
    write_gaps(urls["knowledge"])
    write_returns(urls["carrier"])
    return urls


@pytest.fixture
def warehouse(database_url):
    engine = open_warehouse(database_url)
    yield engine
    engine.dispose()


def load(engine, sources):
    return load_all(engine, sources["redis_url"], sources["stream"], sources["archive"],
                    sources["knowledge"], sources["carrier"])


def counts(engine):
    with engine.connect() as connection:
        return {table.name: connection.execute(select(func.count()).select_from(table)).scalar()
                for table in TABLES}


def test_loading_again_adds_nothing_and_new_events_and_changes_are_picked_up(sources, warehouse):
    load(warehouse, sources)
    first = counts(warehouse)
    assert first["conversations"] == 9
    assert first["handoff_cases"] == 3 and first["knowledge_gaps"] == 5 and first["return_requests"] == 3
    again = load(warehouse, sources)
    assert (again["events"], again["returns"]) == (0, 0)
    assert counts(warehouse) == first  # cases and gaps re-read near the position are replaced

    publish(sources["redis_url"], sources["stream"], synthetic_conversations()[9:])
    change_return_status(sources["carrier"], 1, "picked_up")
    load(warehouse, sources)
    load(warehouse, sources)
    after = counts(warehouse)
    assert after["conversations"] == 10
    assert after["return_requests"] == 3
    with warehouse.connect() as connection:
        outcome = connection.execute(select(return_requests.c.outcome)
                                     .where(return_requests.c.return_id == 1)).scalar()
        next_day = connection.execute(select(conversations.c.outcome)
                                      .where(conversations.c.started_at >= datetime(2026, 11, 4))).scalars().all()
    assert outcome == "picked_up"
    assert next_day == ["contained"]  # the handoff slot carried into a new session is no handoff


def test_phone_numbers_and_addresses_are_masked_in_the_stored_rows(sources, warehouse):
    load(warehouse, sources)
    with warehouse.connect() as connection:
        texts = connection.execute(select(conversation_events.c.text)).scalars().all()
        questions = connection.execute(select(knowledge_gaps.c.question)).scalars().all()
        addresses = connection.execute(select(return_requests.c.pickup_address)).scalars().all()
    stored = " ".join(filter(None, texts + questions + addresses))
    assert PHONE not in stored
    assert "我的快递到哪了 138****5678" in texts
    assert "浙江省杭州市西湖区****" in texts  # the return form's pickup address
    assert addresses == ["浙江省杭州市西湖区****"] * 3  # no street, no name


def test_every_figure_matches_the_hand_counted_mix(sources, warehouse):
    publish(sources["redis_url"], sources["stream"], synthetic_conversations()[9:])
    load(warehouse, sources)
    report = compute(warehouse, FIRST, LAST)
    value = report.value
    assert value("conversations") == 10
    assert dict(report.segments("conversations", "channel")) == {"socketio": 7, "app": 2, "ivr": 1}
    assert dict(report.segments("conversations", "day")) == {"2026-11-03": 9, "2026-11-04": 1}
    assert dict(report.segments("conversations", "hour"))["10"] == 2
    assert value("containment_rate") == pytest.approx(0.6)
    assert value("durable_containment_rate") == pytest.approx(0.5)  # web-a wrote again at 15:00
    assert value("handoff_rate") == pytest.approx(0.3)
    assert value("bot_abandonment_rate") == pytest.approx(0.1)
    assert value("containment_rate") + value("handoff_rate") + value("bot_abandonment_rate") == pytest.approx(1)
    assert dict(report.segments("handoff_rate", "reason")) == pytest.approx(
        {"customer_request": 0.1, "complaint": 0.1, "parcel_exception": 0.1})
    # The archive's team (after the transfer), not the one the bot routed to.
    assert dict(report.segments("handoff_rate", "team")) == pytest.approx(
        {"general": 0.1, "complaints": 0.1, "tracking": 0.1})
    assert value("queue_abandonment_rate") == pytest.approx(1 / 3)
    assert value("wait_p50_seconds") == pytest.approx(20)
    assert value("wait_p95_seconds") == pytest.approx(29)
    assert value("service_level") == pytest.approx(1 / 3)
    assert value("first_response_p50_seconds") == pytest.approx(57.5)
    assert value("handle_time_p50_seconds") == pytest.approx(250)
    assert value("sla_breaches") == 2
    assert dict(report.segments("csat_count", "score")) == {"1": 0, "2": 0, "3": 1, "4": 0, "5": 1}
    assert value("csat_average") == pytest.approx(4)
    assert value("csat_average", "team=complaints") == 3
    assert value("csat_average", "reason=customer_request") == 5
    intents = dict(report.segments("intent_count", "intent"))
    assert sum(intents.values()) == 16  # not what was said to the agent, nor the trigger
    assert intents["track_parcel"] == 3 and intents["ask_faq"] == 3 and "handoff_closed" not in intents
    assert value("fallback_rate") == pytest.approx(1 / 16)
    assert value("knowledge_answers") == 3
    assert value("knowledge_reask_rate") == pytest.approx(1 / 3)
    assert value("knowledge_to_person_rate") == pytest.approx(1 / 3)
    groups = {group.label: group for group in report.gap_groups}
    assert groups["能寄猫吗"].count == 3
    assert groups["能寄猫吗"].examples == ["能寄猫吗", "可以寄猫吗"]
    assert len(groups) == 3
    assert dict(report.segments("returns", "category")) == {"apparel": 2, "electronics": 1}
    assert dict(report.segments("returns", "outcome")) == {
        "pickup_scheduled": 1, "refunded": 1, "rejected": 1}
    for metric, _, rate in report.figures:
        if metric.endswith("_rate") or metric == "service_level":
            assert 0 <= rate <= 1


def test_a_day_outside_the_period_is_not_counted(sources, warehouse):
    publish(sources["redis_url"], sources["stream"], synthetic_conversations()[9:])
    load(warehouse, sources)
    report = compute(warehouse, date(2026, 11, 4), date(2026, 11, 4))
    assert report.value("conversations") == 1
    assert report.value("containment_rate") == 1
    assert report.value("queue_abandonment_rate") is None  # no case that day: no rate, not 0


def test_the_report_command_writes_the_page_charts_and_csv(sources, warehouse, tmp_path, capsys, monkeypatch):
    for name, key in (("REDIS_URL", "redis_url"), ("ANALYTICS_STREAM", "stream"),
                      ("HANDOFF_DATABASE_URL", "archive"), ("KNOWLEDGE_DATABASE_URL", "knowledge")):
        monkeypatch.setenv(name, sources[key])
    monkeypatch.setenv("CARRIER_DEMO_DB", sources["carrier"][len("sqlite:///"):])
    out = tmp_path / "report"
    url = str(warehouse.url.render_as_string(hide_password=False))
    assert report_main(["--from", "2026-11-03", "--to", "2026-11-04", "--out", str(out),
                        "--database-url", url]) == 0
    assert capsys.readouterr().out.strip().splitlines()[-1] == str((out / "index.html").resolve())

    with (out / "figures.csv").open(encoding="utf-8") as file:
        rows = list(csv.reader(file))
    assert rows[0] == ["metric", "segment", "value"]
    assert all(len(row) == 3 for row in rows)
    figures = {(metric, segment): float(value) for metric, segment, value in rows[1:]}
    assert figures[("conversations", "all")] == 9
    assert all(segment == "all" or "=" in segment for _, segment in figures)
    assert figures[("gap_group_count", "group=<script>alert(1)</script> 电池能寄到香港吗 138****5678")] == 1

    page = (out / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt; 电池能寄到香港吗 138****5678" in page
    assert PHONE not in page
    assert "自助解决率" in page and "Conversations resolved without a person" in page
    images = [name for name in page.split('src="')[1:]]
    assert len(images) == 12
    for image in images:
        png = out / image.split('"')[0]
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert 2_000 < png.stat().st_size < 80_000  # drawn, and small enough to load at once


def test_a_period_ending_before_it_starts_is_refused(capsys):
    with pytest.raises(SystemExit) as exit:
        report_main(["--from", "2026-11-04", "--to", "2026-11-03", "--no-load"])
    assert exit.value.code == 2
    assert "--to is before --from" in capsys.readouterr().err


def test_without_redis_url_the_redis_of_make_run_is_found_from_its_port_file(redis_url, tmp_path, monkeypatch):
    from urllib.parse import urlsplit

    import analytics.loading as loading

    parts = urlsplit(redis_url)
    monkeypatch.delenv("REDIS_URL", raising=False)
    monkeypatch.setattr(loading, "VAR", tmp_path)
    assert loading.stream_redis_url() is None  # no `make run` here
    (tmp_path / "redis").mkdir()
    (tmp_path / "secrets").mkdir()
    (tmp_path / "redis" / "port").write_text(f"{parts.port}")
    (tmp_path / "secrets" / "REDIS_PASSWORD").write_text((parts.password or "") + "\n")
    assert loading.stream_redis_url() == f"redis://:{parts.password or ''}@127.0.0.1:{parts.port}/0"
