"""What the handoff queue (handoff/queue.py) takes and hands back: plain data, no Redis.

Times are epoch seconds.
"""
from dataclasses import dataclass, field
from enum import Enum
from typing import Any, Dict, List, Optional


class Presence(str, Enum):
    ONLINE = "online"
    AWAY = "away"  # keeps their chats, gets no new ones
    OFFLINE = "offline"


class Breach(str, Enum):
    WAITING = "waiting"  # waited in the queue longer than sla_wait_seconds
    NO_REPLY = "no_reply"  # the agent has not replied within sla_reply_seconds


@dataclass
class Ticket:
    conversation_id: str
    skill: str
    priority: int
    reason: str = ""
    channel: str = ""
    language: str = ""
    context: Dict[str, Any] = field(default_factory=dict)
    # Kept by the queue; ignored by enqueue().
    enqueued_at: Optional[float] = None
    state: Optional[str] = None  # waiting | assigned
    agent_id: Optional[str] = None
    escalated_at: Optional[float] = None
    waiting_since: Optional[float] = None  # None while with an agent
    assigned_at: Optional[float] = None
    last_agent_reply_at: Optional[float] = None


@dataclass
class Placement:
    ticket: Ticket
    position: Optional[int]  # 1 = next in line; None when with an agent
    estimated_wait_seconds: Optional[int]
    created: bool = False  # enqueue(): False when it was already queued or with an agent


@dataclass
class Requeued:
    conversation_id: str
    skill: str
    agent_id: str  # the agent who lost it
    position: int


@dataclass
class Overdue:
    conversation_id: str
    breach: Breach
    skill: str
    agent_id: Optional[str]
    since: float  # waiting since (WAITING) or assigned at (NO_REPLY)


@dataclass
class Callback:
    callback_id: str
    ticket: Ticket
    message: str
    left_at: float


@dataclass
class SkillStats:
    waiting: int
    longest_wait_seconds: Optional[float]
    online_agents: int


@dataclass
class AgentStats:
    agent_id: str
    presence: Presence
    load: int
    capacity: int
    skills: List[str]


@dataclass
class QueueStats:
    skills: Dict[str, SkillStats]
    agents: List[AgentStats]
