"""The figures a generated month should produce (commands/generate_month.py), worked out
from what its customers and agent did, never from what the stack stored: the report
(`python -m analytics.report`) is checked against them. Metric names and segments are
those of the report's figures.csv."""
import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Dict, List, Optional, Tuple

# Answered within this many seconds counts for the service level; the queue's SLA
# limits (handoff/queue.py defaults): waiting, and taken but not yet answered.
SERVICE_LEVEL_SECONDS = 20.0
SLA_WAIT_SECONDS = 120.0
SLA_REPLY_SECONDS = 60.0
Figures = Dict[Tuple[str, str], float]


@dataclass
class Conversation:
    """One conversation as the generator played it."""

    sender: str  # the conversation id: "<front end>:<sender>"
    channel: str
    started_at: float  # epoch seconds, simulated
    outcome: str = "contained"  # contained | handoff | bot_abandoned
    # The intent of each message the bot answered; None for what a form reads.
    intents: List[Optional[str]] = field(default_factory=list)
    fallbacks: int = 0
    knowledge_answers: int = 0
    reasked: int = 0  # knowledge answers followed by the same question again
    to_person: int = 0  # knowledge answers followed by asking for a person
    reason: Optional[str] = None  # handoff reason and team
    team: Optional[str] = None
    wait: Optional[float] = None  # queued -> taken by the agent
    left_queue_after: Optional[float] = None  # queued -> the customer left
    reply: Optional[float] = None  # taken -> the agent's first message
    handle: Optional[float] = None  # taken -> closed
    rating: Optional[int] = None
    return_request: Optional[Tuple[str, str, str]] = None  # category, reason, outcome
    unanswered: Optional[str] = None  # a question the knowledge base had no answer to

    @property
    def user_messages(self) -> int:
        return len(self.intents)


def expected_figures(conversations: List[Conversation]) -> Figures:
    figures: Figures = {}
    total = len(conversations)
    add = figures.__setitem__

    add(("conversations", "all"), total)
    for name, counts in (
        ("channel", Counter(c.channel for c in conversations)),
        ("hour", Counter(_utc(c.started_at).strftime("%H") for c in conversations)),
        ("day", Counter(_utc(c.started_at).strftime("%Y-%m-%d") for c in conversations)),
    ):
        for value, count in counts.items():
            add(("conversations", f"{name}={value}"), count)

    contained = [c for c in conversations if c.outcome == "contained"]
    durable = [c for c in contained if not _came_back_within_a_day(c, conversations)]
    handoffs = [c for c in conversations if c.outcome == "handoff"]
    add(("containment_rate", "all"), _share(len(contained), total))
    add(("durable_containment_rate", "all"), _share(len(durable), total))
    add(("handoff_rate", "all"), _share(len(handoffs), total))
    for name in ("reason", "team"):
        for value, count in Counter(getattr(c, name) for c in handoffs).items():
            add(("handoff_rate", f"{name}={value}"), _share(count, total))
    abandoned_in_bot = sum(c.outcome == "bot_abandoned" for c in conversations)
    add(("bot_abandonment_rate", "all"), _share(abandoned_in_bot, total))

    left = [c for c in handoffs if c.left_queue_after is not None]
    answered = [c for c in handoffs if c.wait is not None]
    add(("queue_abandonment_rate", "all"), _share(len(left), len(handoffs)))
    waits = [c.wait for c in answered]
    add(("wait_p50_seconds", "all"), percentile(waits, 50))
    add(("wait_p95_seconds", "all"), percentile(waits, 95))
    within = sum(w <= SERVICE_LEVEL_SECONDS for w in waits)
    counted = len(answered) + sum(c.left_queue_after > SERVICE_LEVEL_SECONDS for c in left)
    add(("service_level", "all"), _share(within, counted))
    add(("first_response_p50_seconds", "all"), percentile([c.wait + c.reply for c in answered], 50))
    add(("handle_time_p50_seconds", "all"), percentile([c.handle for c in answered], 50))
    add(("sla_breaches", "all"), sum(
        (c.wait or c.left_queue_after) > SLA_WAIT_SECONDS or (c.reply or 0) > SLA_REPLY_SECONDS
        for c in handoffs))

    rated = [c for c in handoffs if c.rating is not None]
    for score in range(1, 6):
        add(("csat_count", f"score={score}"), sum(c.rating == score for c in rated))
    add(("csat_average", "all"), _mean([c.rating for c in rated]))
    for name in ("team", "reason"):
        for value in sorted({getattr(c, name) for c in rated}):
            add(("csat_average", f"{name}={value}"),
                _mean([c.rating for c in rated if getattr(c, name) == value]))

    for intent, count in Counter(i for c in conversations for i in c.intents if i).items():
        add(("intent_count", f"intent={intent}"), count)
    messages = sum(c.user_messages for c in conversations)
    add(("fallback_rate", "all"), _share(sum(c.fallbacks for c in conversations), messages))
    answers = sum(c.knowledge_answers for c in conversations)
    add(("knowledge_answers", "all"), answers)
    add(("knowledge_reask_rate", "all"), _share(sum(c.reasked for c in conversations), answers))
    add(("knowledge_to_person_rate", "all"), _share(sum(c.to_person for c in conversations), answers))

    for question, count in Counter(c.unanswered for c in conversations if c.unanswered).items():
        add(("gap_group_count", f"group={question}"), count)

    returns = [c.return_request for c in conversations if c.return_request]
    add(("returns", "all"), len(returns))
    for index, name in enumerate(("category", "reason", "outcome")):
        for value, count in Counter(r[index] for r in returns).items():
            add(("returns", f"{name}={value}"), count)
    # A rate or percentile of nothing is left out, as the report leaves it out.
    return {key: value for key, value in figures.items() if not math.isnan(value)}


def percentile(values: List[float], q: float) -> float:
    """Linear interpolation between the closest ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    position = (len(ordered) - 1) * q / 100
    low = math.floor(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def _came_back_within_a_day(conversation: Conversation, everyone: List[Conversation]) -> bool:
    return any(
        other.sender == conversation.sender
        and 0 < other.started_at - conversation.started_at <= 24 * 3600
        for other in everyone
    )


def _share(part: float, whole: float) -> float:
    return part / whole if whole else math.nan


def _mean(values: List[float]) -> float:
    return sum(values) / len(values) if values else math.nan


def _utc(moment: float) -> datetime:
    return datetime.fromtimestamp(moment, timezone.utc)
