"""Closed cases archived for analysts, on SQLite and on PostgreSQL (handoff/cases.py)."""
import uuid
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from handoff.cases import (
    CaseArchive,
    CaseNote,
    ClosedCase,
    case_notes_table,
    cases_table,
)
from handoff.customer_keys import SECRET_VARIABLE, phone_key

ENQUEUED = 1795400000.0  # 2026-11-23T02:13:20+00:00
# Conversations and customers of this test run, told apart from any other run's.
RUN = uuid.uuid4().hex[:12]


@pytest.fixture(autouse=True)
def customer_key_secret(monkeypatch):
    monkeypatch.setenv(SECRET_VARIABLE, "test-customer-key-secret")


@pytest.fixture
def archive(database_url):
    archive = CaseArchive(database_url)
    yield archive
    archive.close()


def closed_case(conversation="web-1", phone="13812345678", closed_after=505.0, **fields):
    values = dict(
        conversation_id=f"{RUN}-{conversation}",
        customer_key=phone_key(f"{phone}-{RUN}"),
        reason="parcel_exception",
        skill="tracking",
        priority=1,
        category="parcel_located",
        department="delivery_branch",
        channel="socketio",
        language="zh-Hans",
        disposition="Parcel was left at the gatehouse; customer will collect it tonight.",
        summary="Tracking, complaint; parcel KD202611180005; bot answered tracking → complaint.",
        parcels=["KD202611180005"],
        returns=[],
        transcript=[
            {"time": ENQUEUED - 30, "sender": "customer", "text": "显示签收了但我没收到"},
            {"time": ENQUEUED + 100, "sender": "agent", "text": "我查到包裹在门卫室。"},
        ],
        agent_id="agent-7",
        enqueued_at=ENQUEUED,
        assigned_at=ENQUEUED + 95,
        closed_at=ENQUEUED + closed_after,
    )
    values.update(fields)
    return ClosedCase(**values)


def iso(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).isoformat()


def count(archive, table, case_id) -> int:
    with archive.engine.connect() as connection:
        return connection.execute(
            select(func.count()).select_from(table).where(table.c.case_id == case_id)
        ).scalar_one()


def test_a_closed_case_and_its_notes_read_back_as_archived(archive):
    case = closed_case(
        notes=[
            CaseNote("agent-7", "Called the branch: parcel at the gatehouse.", ENQUEUED + 300),
            CaseNote("agent-7", "Customer confirmed.", ENQUEUED + 500),
        ]
    )
    assert archive.archive(case) == case.case_id
    stored = archive.get(case.case_id)
    assert stored["conversation_id"] == case.conversation_id
    assert stored["customer_key"] == case.customer_key
    assert (stored["reason"], stored["skill"]) == ("parcel_exception", "tracking")
    assert stored["priority"] == 1
    assert (stored["category"], stored["department"]) == ("parcel_located", "delivery_branch")
    assert stored["disposition"] == case.disposition and stored["summary"] == case.summary
    assert stored["parcels"] == ["KD202611180005"] and stored["returns"] == []
    assert stored["transcript"] == case.transcript
    assert stored["enqueued_at"] == iso(ENQUEUED)
    assert stored["closed_at"] == iso(ENQUEUED + 505) == "2026-11-23T02:21:45+00:00"
    assert stored["rating"] is None and stored["rated_at"] is None
    assert stored["notes"] == [
        {"agent_id": "agent-7", "text": "Called the branch: parcel at the gatehouse.",
         "created_at": iso(ENQUEUED + 300)},
        {"agent_id": "agent-7", "text": "Customer confirmed.", "created_at": iso(ENQUEUED + 500)},
    ]
    assert archive.get(uuid.uuid4().hex) is None


def test_times_are_stored_with_their_time_zone(archive):
    case = closed_case()
    archive.archive(case)
    with archive.engine.connect() as connection:
        closed_at = connection.execute(
            select(cases_table.c.closed_at).where(cases_table.c.case_id == case.case_id)
        ).scalar_one()
    closed = datetime.fromtimestamp(ENQUEUED + 505, timezone.utc)
    if archive.engine.dialect.name == "postgresql":
        assert closed_at == closed and closed_at.tzinfo is not None
    else:  # SQLite keeps no zone: the time is in UTC
        assert closed_at == closed.replace(tzinfo=None)


def test_archiving_a_case_again_keeps_one_row_and_its_notes_once(archive):
    case = closed_case(notes=[CaseNote("agent-7", "Checked.", ENQUEUED + 200)])
    archive.archive(case)
    assert archive.archive(case) == case.case_id
    assert count(archive, cases_table, case.case_id) == 1
    assert count(archive, case_notes_table, case.case_id) == 1


def test_waiting_and_handling_times_are_worked_out(archive):
    taken = closed_case()
    archive.archive(taken)
    stored = archive.get(taken.case_id)
    assert (stored["waiting_seconds"], stored["handling_seconds"]) == (95.0, 410.0)

    callback = closed_case(conversation="ivr-2", assigned_at=None, agent_id=None,
                           category="callback_promised", closed_after=1800.0)
    archive.archive(callback)
    stored = archive.get(callback.case_id)
    assert (stored["waiting_seconds"], stored["handling_seconds"]) == (1800.0, None)


def test_phone_numbers_in_the_transcript_are_masked(archive):
    case = closed_case(transcript=[
        {"time": ENQUEUED, "sender": "customer", "text": "我的电话13812345678，打+86 139 8765 4321也行"},
        {"time": ENQUEUED + 1, "sender": "agent", "text": "好的，稍后回电。"},
    ])
    archive.archive(case)
    transcript = archive.get(case.case_id)["transcript"]
    assert transcript[0] == {
        "time": ENQUEUED, "sender": "customer", "text": "我的电话138****5678，打+86 139****4321也行",
    }
    assert transcript[1]["text"] == "好的，稍后回电。"


def test_phone_numbers_agents_write_in_notes_dispositions_and_summaries_are_masked(archive):
    case = closed_case(
        disposition="Customer asked to be called on 13812345678 tomorrow.",
        summary='Complaint "我的电话13812345678"; phone 138****5678 verified → complaint.',
        notes=[CaseNote("agent-7", "Alt number +86 139 8765 4321, after 6pm.", ENQUEUED + 300)],
    )
    archive.archive(case)
    stored = archive.get(case.case_id)
    assert stored["disposition"] == "Customer asked to be called on 138****5678 tomorrow."
    assert stored["summary"] == 'Complaint "我的电话138****5678"; phone 138****5678 verified → complaint.'
    assert stored["notes"][0]["text"] == "Alt number +86 139****4321, after 6pm."
    with archive.engine.connect() as connection:
        rows = [
            connection.execute(select(table).where(table.c.case_id == case.case_id)).mappings().all()
            for table in (cases_table, case_notes_table)
        ]
    assert not any(number in str(rows) for number in ("13812345678", "8765 4321"))


def test_cases_keyed_by_the_number_itself_are_rekeyed_when_the_archive_opens(database_url):
    # As archives made before customer keys were hashed hold them.
    old = closed_case(customer_key="phone:13812345678")
    archive = CaseArchive(database_url)
    archive.archive(old)
    archive.close()

    reopened = CaseArchive(database_url)
    try:
        assert reopened.get(old.case_id)["customer_key"] == phone_key("13812345678")
        assert [case["case_id"] for case in reopened.history(phone_key("13812345678"))] == [old.case_id]
        assert reopened.history("phone:13812345678") == []
    finally:
        reopened.close()


def test_a_rating_goes_to_the_newest_case_of_the_conversation_and_only_once(archive):
    first = closed_case(closed_after=600.0)
    second = closed_case(closed_after=3600.0)
    archive.archive(second)
    archive.archive(first)
    assert archive.set_rating(first.conversation_id, 4, now=ENQUEUED + 3700) == second.case_id
    assert archive.get(second.case_id)["rating"] == 4
    assert archive.get(second.case_id)["rated_at"] == iso(ENQUEUED + 3700)
    # A second rating (a double click) must not land on the older case.
    assert archive.set_rating(first.conversation_id, 1) is None
    assert archive.get(first.case_id)["rating"] is None
    assert archive.get(second.case_id)["rating"] == 4
    assert archive.set_rating(f"{RUN}-nobody", 5) is None


@pytest.mark.parametrize("rating", [0, 6, 4.5, "5", True, None])
def test_a_rating_outside_1_to_5_is_refused(archive, rating):
    case = closed_case()
    archive.archive(case)
    with pytest.raises(ValueError, match="1 to 5"):
        archive.set_rating(case.conversation_id, rating)
    assert archive.get(case.case_id)["rating"] is None


@pytest.mark.parametrize(
    "field, value", [("category", "sorted"), ("department", "marketing")]
)
def test_an_unknown_category_or_department_is_refused(archive, field, value):
    case = closed_case(**{field: value})
    with pytest.raises(ValueError, match=f"unknown {field} '{value}'"):
        archive.archive(case)
    assert archive.get(case.case_id) is None


def test_history_is_the_customers_own_cases_newest_first(archive):
    cases = [closed_case(conversation=f"web-{n}", closed_after=1000.0 * n) for n in (1, 3, 2)]
    for case in cases:
        archive.archive(case)
    someone_else = closed_case(conversation="web-9", phone="13900000000", closed_after=9e3)
    archive.archive(someone_else)
    archive.set_rating(cases[1].conversation_id, 5)

    history = archive.history(cases[0].customer_key, limit=2)
    assert [entry["case_id"] for entry in history] == [cases[1].case_id, cases[2].case_id]
    assert history[0] == {
        "case_id": cases[1].case_id,
        "closed_at": iso(ENQUEUED + 3000),
        "reason": "parcel_exception",
        "category": "parcel_located",
        "disposition": cases[1].disposition,
        "summary": cases[1].summary,
        "rating": 5,
    }
    assert len(archive.history(cases[0].customer_key)) == 3
    assert archive.history(f"conversation:{RUN}-unknown") == []


def test_a_case_is_made_from_the_context_package(archive):
    context = {
        "conversation_id": f"{RUN}-app-5",
        "channel": "app",
        "language": "en",
        "reason": "complaint",
        "priority": 1,
        "skill": "complaints",
        "customer": {"key": f"conversation:{RUN}-app-5", "verified": False, "phone": None},
        "summary": 'Complaint "the courier was rude"; bot apologised → complaint.',
        "parcels": [],
        "returns": ["RT20261118001"],
        "transcript": [{"time": ENQUEUED, "sender": "customer", "text": "the courier was rude"}],
    }
    case = ClosedCase.from_context(
        context, category="complaint_recorded", department="delivery_branch",
        agent_id="agent-2", enqueued_at=ENQUEUED, assigned_at=ENQUEUED + 10,
        closed_at=ENQUEUED + 70, disposition="Apologised; branch manager informed.",
    )
    archive.archive(case)
    stored = archive.get(case.case_id)
    assert stored["customer_key"] == f"conversation:{RUN}-app-5"
    assert (stored["channel"], stored["language"], stored["skill"]) == ("app", "en", "complaints")
    assert stored["returns"] == ["RT20261118001"] and stored["summary"] == context["summary"]


def test_the_database_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("HANDOFF_DATABASE_URL", f"sqlite:///{tmp_path / 'cases' / 'archive.db'}")
    archive = CaseArchive.from_environment()
    try:
        assert archive.history(phone_key("13812345678")) == []
        assert (tmp_path / "cases" / "archive.db").exists()
    finally:
        archive.close()
