"""The report's figures over a period, from the analytics tables (analytics/warehouse.py).

`compute(engine, first_day, last_day)` gives every figure as (metric, segment, value),
segment `all` or `key=value`, rates as fractions 0..1 (a rate whose denominator is
empty is left out rather than shown as 0). The definitions, as the report and the
README write them, are in DEFINITIONS.

Periods are UTC days, both included. Conversations count in the period they started
in, turns when written, handoff cases when queued, gaps when logged, returns when made.
"""
import os
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Dict, Iterable, List, Optional, Tuple

import numpy
from sqlalchemy import select
from sqlalchemy.engine import Engine

from analytics.gap_groups import GapGroup, group_questions
from analytics.warehouse import conversations, handoff_cases, knowledge_gaps, return_requests, turns

SERVICE_LEVEL_SECONDS = 20.0
DURABLE_HOURS = 24
# The handoff queue's SLA limits, read from the same variables as handoff/queue.py
# (analytics may not import the queue) with the same defaults.
SLA_WAIT_SECONDS = float(os.environ.get("HANDOFF_SLA_WAIT_SECONDS", 120.0))
SLA_REPLY_SECONDS = float(os.environ.get("HANDOFF_SLA_REPLY_SECONDS", 60.0))
# A case belongs to the handed-off conversation of the same id queued nearest in time.
CASE_MATCH = timedelta(hours=1)

Figure = Tuple[str, str, float]

DEFINITIONS: Dict[str, Tuple[str, str]] = {
    "conversations": ("会话数：客户至少发过一条消息的 Rasa 会话（按 session_started 划分），按开始时间计入。",
                      "Rasa sessions (split on session_started) with at least one customer message, counted when they start."),
    "containment_rate": ("自助解决率：未转人工、也未在机器人处放弃的会话 / 会话数。",
                         "Conversations resolved without a person and not abandoned in the bot / conversations."),
    "durable_containment_rate": ("持久自助解决率：自助解决，且同一客户（sender id）在会话结束后 24 小时内没有新会话 / 会话数。",
                                 "Contained and no new conversation from the same sender id within 24 h of its end / conversations."),
    "handoff_rate": ("转人工率：转入人工队列（无人在线时留言回电）的会话 / 会话数；按原因、团队细分（以案件存档为准）。",
                     "Conversations handed to the agents' queue (or to a callback when nobody was there) / conversations; by reason and team (the case archive's when it has the case)."),
    "bot_abandonment_rate": ("机器人内放弃率：未转人工，且客户最后一条消息得到的是“没听懂”或知识库未答上 / 会话数。自助 + 转人工 + 放弃 = 100%。",
                             "Not handed off, and the customer's last message got a fallback or an unanswered knowledge question / conversations. Containment + handoff + bot abandonment = 100 %."),
    "queue_abandonment_rate": ("排队放弃率：客服接起前客户离开的案件 / 排队案件（案件存档）。",
                               "Cases the customer left before an agent took them / queued cases (case archive)."),
    "wait_p50_seconds": ("等待时长中位数（秒）：排队到客服接起，仅已接起的案件。", "Median wait, queued to taken by an agent, answered cases."),
    "wait_p95_seconds": ("等待时长 95 分位（秒）：同上。", "95th percentile of the same wait."),
    "service_level": ("服务水平：20 秒内接起的案件 / 排队案件（20 秒内放弃的不计入分母，其余放弃的计为未达标）。",
                      "Cases taken within 20 s / queued cases, leaving out those abandoned within 20 s (other abandoned ones count as not within)."),
    "first_response_p50_seconds": ("首次响应中位数（秒）：排队到客服第一条消息。", "Median time from queued to the agent's first message."),
    "handle_time_p50_seconds": ("处理时长中位数（秒）：客服接起到结束。", "Median time from taken to closed."),
    "sla_breaches": ("SLA 违约数：等待超过 HANDOFF_SLA_WAIT_SECONDS（默认 120 秒），或接起后超过 HANDOFF_SLA_REPLY_SECONDS（默认 60 秒）客服仍未回复的案件。",
                     "Cases that waited longer than HANDOFF_SLA_WAIT_SECONDS (120 s) or whose agent had not replied HANDOFF_SLA_REPLY_SECONDS (60 s) after taking them."),
    "csat_count": ("满意度评分分布：各分数（1–5）的评分数。", "Ratings given, per score 1–5."),
    "csat_average": ("平均满意度：评分的平均值；按团队、转人工原因细分。", "Mean rating; by team and handoff reason."),
    "intent_count": ("意图数：机器人处理的客户消息按意图计数（客服接手期间的消息不计）。",
                     "Customer messages the bot handled, per intent (messages to an agent are not counted)."),
    "fallback_rate": ("兜底率：机器人回答“没听懂”的消息 / 客户消息。", "Messages answered with a fallback / customer messages."),
    "knowledge_answers": ("知识库回答数：给出了文章的回答。", "Knowledge articles served as an answer."),
    "knowledge_reask_rate": ("重复提问率：知识库回答后，客户下一条消息又问了同一问题 / 知识库回答数。",
                             "Knowledge answers whose next customer message asks the same question again / knowledge answers."),
    "knowledge_to_person_rate": ("回答后转人工率：知识库回答后，客户下一条消息要求人工 / 知识库回答数。",
                                 "Knowledge answers whose next customer message asks for a person / knowledge answers."),
    "gap_group_count": ("未答问题组：知识库答不上的问题按相似度（单字与双字 TF-IDF 余弦 ≥ 0.5）分组后的数量，标签为组内最常见的问题（已脱敏）。",
                        "Unanswered questions grouped by similarity (TF-IDF of characters and character pairs, cosine ≥ 0.5); the label is the group's most asked question, masked."),
    "returns": ("退货申请：按品类、原因、结果（最新状态）计数。", "Return requests by category, reason and outcome (latest status)."),
}


@dataclass
class Report:
    first_day: date
    last_day: date
    figures: List[Figure] = field(default_factory=list)
    waits: List[float] = field(default_factory=list)  # answered cases' waits, for the chart
    gap_groups: List[GapGroup] = field(default_factory=list)

    def add(self, metric: str, segment: str, value: float) -> None:
        self.figures.append((metric, segment, float(value)))

    def add_rate(self, metric: str, segment: str, part: int, whole: int) -> None:
        if whole:
            self.add(metric, segment, part / whole)

    def value(self, metric: str, segment: str = "all") -> Optional[float]:
        return next((value for name, seg, value in self.figures if (name, seg) == (metric, segment)), None)

    def segments(self, metric: str, key: str) -> List[Tuple[str, float]]:
        prefix = f"{key}="
        return [(seg[len(prefix):], value) for name, seg, value in self.figures
                if name == metric and seg.startswith(prefix)]


def compute(engine: Engine, first_day: date, last_day: date) -> Report:
    start = datetime.combine(first_day, time())
    end = datetime.combine(last_day + timedelta(days=1), time())
    report = Report(first_day, last_day)
    with engine.connect() as connection:
        talks = _rows(connection, conversations, conversations.c.started_at, start, end)
        cases = _rows(connection, handoff_cases, handoff_cases.c.enqueued_at, start, end)
        messages = _rows(connection, turns, turns.c.at, start, end)
        gaps = _rows(connection, knowledge_gaps, knowledge_gaps.c.at, start, end)
        returns = _rows(connection, return_requests, return_requests.c.created_at, start, end)
        senders = {talk["sender_id"] for talk in talks}
        later = _conversations_of(connection, senders)
        linked = _cases_of(connection, {t["sender_id"] for t in talks if t["outcome"] == "handoff"})
    _conversation_figures(report, talks, later, linked)
    _queue_figures(report, cases)
    _turn_figures(report, messages)
    report.gap_groups = group_questions([gap["question"] for gap in gaps])
    for group in report.gap_groups:
        report.add("gap_group_count", f"group={group.label}", group.count)
    for key in ("all", "category", "reason", "outcome"):
        _counts(report, "returns", key, returns)
    return report


def _rows(connection, table, column, start: datetime, end: datetime) -> List[dict]:
    return [dict(row) for row in connection.execute(
        select(table).where(column >= start, column < end).order_by(column)
    ).mappings()]


def _conversations_of(connection, senders: Iterable[str]) -> Dict[str, List[datetime]]:
    starts: Dict[str, List[datetime]] = defaultdict(list)
    senders = sorted(senders)
    for index in range(0, len(senders), 500):
        for sender_id, started in connection.execute(
            select(conversations.c.sender_id, conversations.c.started_at)
            .where(conversations.c.sender_id.in_(senders[index : index + 500]))
        ):
            starts[sender_id].append(started)
    return starts


def _cases_of(connection, senders: Iterable[str]) -> Dict[str, List[dict]]:
    found: Dict[str, List[dict]] = defaultdict(list)
    senders = sorted(senders)
    for index in range(0, len(senders), 500):
        for row in connection.execute(
            select(handoff_cases).where(handoff_cases.c.conversation_id.in_(senders[index : index + 500]))
        ).mappings():
            found[row["conversation_id"]].append(dict(row))
    return found


def _conversation_figures(report: Report, talks: List[dict], later: Dict[str, List[datetime]],
                          linked: Dict[str, List[dict]]) -> None:
    total = len(talks)
    report.add("conversations", "all", total)
    for key, value_of in (("channel", lambda t: t["channel"] or "unknown"),
                          ("hour", lambda t: f"{t['started_at'].hour:02d}"),
                          ("day", lambda t: t["started_at"].date().isoformat())):
        for value, count in sorted(Counter(value_of(talk) for talk in talks).items()):
            report.add("conversations", f"{key}={value}", count)
    outcomes = Counter(talk["outcome"] for talk in talks)
    durable = sum(1 for talk in talks if talk["outcome"] == "contained" and not any(
        talk["ended_at"] < started <= talk["ended_at"] + timedelta(hours=DURABLE_HOURS)
        for started in later.get(talk["sender_id"], [])))
    report.add_rate("containment_rate", "all", outcomes["contained"], total)
    report.add_rate("durable_containment_rate", "all", durable, total)
    report.add_rate("handoff_rate", "all", outcomes["handoff"], total)
    report.add_rate("bot_abandonment_rate", "all", outcomes["bot_abandoned"], total)
    reasons, teams = Counter(), Counter()
    for talk in talks:
        if talk["outcome"] != "handoff":
            continue
        case = _matching_case(talk, linked.get(talk["sender_id"], []))
        reasons[(case or {}).get("reason") or talk["handoff_reason"] or "unknown"] += 1
        teams[(case or {}).get("team") or talk["handoff_team"] or "unknown"] += 1
    for key, counts in (("reason", reasons), ("team", teams)):
        for value, count in sorted(counts.items()):
            report.add_rate("handoff_rate", f"{key}={value}", count, total)


def _matching_case(talk: dict, cases: List[dict]) -> Optional[dict]:
    handed_off = talk["handed_off_at"] or talk["started_at"]
    near = [case for case in cases if case["enqueued_at"] is not None
            and abs(case["enqueued_at"] - handed_off) <= CASE_MATCH]
    return min(near, key=lambda case: abs(case["enqueued_at"] - handed_off), default=None)


def _queue_figures(report: Report, cases: List[dict]) -> None:
    answered = [case for case in cases if case["assigned_at"] is not None]
    abandoned = [case for case in cases if case["category"] == "abandoned"]
    report.add_rate("queue_abandonment_rate", "all", len(abandoned), len(cases))
    report.waits = [case["waiting_seconds"] for case in answered if case["waiting_seconds"] is not None]
    _percentile(report, "wait_p50_seconds", report.waits, 50)
    _percentile(report, "wait_p95_seconds", report.waits, 95)
    left_early = [case for case in abandoned if (case["waiting_seconds"] or 0) <= SERVICE_LEVEL_SECONDS]
    within = [case for case in answered if (case["waiting_seconds"] or 0) <= SERVICE_LEVEL_SECONDS]
    report.add_rate("service_level", "all", len(within), len(cases) - len(left_early))
    _percentile(report, "first_response_p50_seconds",
                [c["first_response_seconds"] for c in cases if c["first_response_seconds"] is not None], 50)
    _percentile(report, "handle_time_p50_seconds",
                [c["handling_seconds"] for c in answered if c["handling_seconds"] is not None], 50)
    report.add("sla_breaches", "all", sum(1 for case in cases if _breached(case)))
    rated = [case for case in cases if case["rating"] is not None]
    for score in range(1, 6):
        report.add("csat_count", f"score={score}", sum(1 for case in rated if case["rating"] == score))
    _average(report, "csat_average", "all", [case["rating"] for case in rated])
    for key, column in (("team", "team"), ("reason", "reason")):
        by_value: Dict[str, List[int]] = defaultdict(list)
        for case in rated:
            by_value[case[column]].append(case["rating"])
        for value, ratings in sorted(by_value.items()):
            _average(report, "csat_average", f"{key}={value}", ratings)


def _breached(case: dict) -> bool:
    if (case["waiting_seconds"] or 0) > SLA_WAIT_SECONDS:
        return True
    if case["assigned_at"] is None:
        return False
    if case["reply_seconds"] is not None:
        return case["reply_seconds"] > SLA_REPLY_SECONDS
    # Taken and never answered: a breach once the agent held it past the limit.
    return (case["handling_seconds"] or 0) > SLA_REPLY_SECONDS


def _turn_figures(report: Report, messages: List[dict]) -> None:
    for intent, count in sorted(Counter(m["intent"] for m in messages if m["intent"]).items()):
        report.add("intent_count", f"intent={intent}", count)
    report.add_rate("fallback_rate", "all", sum(m["fallback"] for m in messages), len(messages))
    answers = [m for m in messages if m["knowledge_answer"]]
    report.add("knowledge_answers", "all", len(answers))
    report.add_rate("knowledge_reask_rate", "all", sum(m["reasked"] for m in answers), len(answers))
    report.add_rate("knowledge_to_person_rate", "all", sum(m["to_person"] for m in answers), len(answers))


def _counts(report: Report, metric: str, key: str, rows: List[dict]) -> None:
    if key == "all":
        report.add(metric, "all", len(rows))
        return
    for value, count in sorted(Counter(row[key] for row in rows).items()):
        report.add(metric, f"{key}={value}", count)


def _percentile(report: Report, metric: str, values: List[float], percent: float) -> None:
    if values:
        report.add(metric, "all", float(numpy.percentile(values, percent)))


def _average(report: Report, metric: str, segment: str, values: List[int]) -> None:
    if values:
        report.add(metric, segment, sum(values) / len(values))
