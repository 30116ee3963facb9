"""The human-handoff queue: skill queues, agents, leases, SLA alerts and callbacks, on Redis.

Every change of state is one Lua script (handoff/lua/, each with lib.lua in front), so
a conversation goes to exactly one agent however many claim at once, and no change is
ever seen half done. Times are epoch seconds; every method takes `now` so that tests
can fix the clock.

Redis keys, all under the prefix (QueueSettings.key_prefix, default "handoff:"):

  ticket:{conversation}  HASH    conversation_id, skill, priority, reason, channel,
                                 language, context (JSON, opaque here), enqueued_at,
                                 state (waiting | assigned), waiting_since, agent_id,
                                 assigned_at, last_agent_reply_at, escalated_at
  queue:{skill}          ZSET    waiting conversations; score = priority * 10**13
                                 + lane + enqueued_at in ms, lane 0 for the front of
                                 the line (lost agent, transfer), 5 * 10**12 otherwise
  waiting:{skill}        ZSET    waiting conversations by waiting_since (SLA, stats)
  agent:{agent}          HASH    agent_id, capacity, presence, last_assigned_at
  agent:{agent}:skills   SET     the agent's skills
  agent:{agent}:chats    SET     conversations assigned to the agent; SCARD is the load
  skill:{skill}:agents   SET     agents having the skill
  agents                 SET     every registered agent
  leases                 ZSET    agents not offline, by last heartbeat
  sla:reply              ZSET    assigned conversations awaiting the agent's first
                                 reply, by assigned_at
  callbacks              STREAM  callback tickets left for later

Only this module (with its Lua scripts) reads or writes these keys. Other handoff state
under the same prefix belongs to its own module: notes:{conversation} (notes.py),
alerts (alerts.py), told-positions and position-check (position_notices.py), and
login:* (foundation/staff/auth.py). The records the queue takes and returns are in
queue_records.py; ticket_fields.py converts a ticket to and from its hash.

The estimated wait told to a waiting customer is
    ceil(position * average_handling_seconds / online agents of the skill),
and unknown (None) while nobody of the skill is online.
"""
import math
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, List, Optional, Sequence, Tuple

import redis.asyncio as redis

from handoff.queue_records import (
    AgentStats,
    Breach,
    Callback,
    Overdue,
    Placement,
    Presence,
    QueueStats,
    Requeued,
    SkillStats,
    Ticket,
)
from handoff.ticket_fields import (
    requeued_from_rows,
    stored_fields,
    ticket_fields,
    ticket_from_mapping,
    ticket_from_reply,
)
from foundation.redis_client import connect

DEFAULT_SKILLS = ("tracking", "returns", "complaints", "general")
_LUA = Path(__file__).resolve().parent / "lua"

# Priorities are small ints, 0 served first; handoff/routing.yml gives each reason its
# own. The queue score has room for priorities 0..LOWEST_PRIORITY.
LOWEST_PRIORITY = 9
# An SLA breach moves a conversation into the top band, where it keeps its lane and its
# waiting time: it goes ahead of everything there that has waited less.
ESCALATED_PRIORITY = 0


class UnknownConversation(LookupError):
    pass


class UnknownAgent(LookupError):
    pass


class AgentUnavailable(Exception):
    """The agent is not online or has no free slot."""


class NotAssigned(Exception):
    """The acting agent does not have the conversation (any more): their lease ran out
    and it went back to the queue, or it was passed on. Nothing was changed."""


@dataclass(frozen=True)
class QueueSettings:
    lease_seconds: float = 30.0
    sla_wait_seconds: float = 120.0
    sla_reply_seconds: float = 60.0
    average_handling_seconds: float = 300.0
    agent_capacity: int = 3
    skills: Tuple[str, ...] = DEFAULT_SKILLS
    key_prefix: str = "handoff:"

    @classmethod
    def from_environment(cls) -> "QueueSettings":
        env = os.environ
        defaults = cls()
        skills = tuple(s.strip() for s in env.get("HANDOFF_SKILLS", "").split(",") if s.strip())
        return cls(
            lease_seconds=float(env.get("HANDOFF_LEASE_SECONDS", defaults.lease_seconds)),
            sla_wait_seconds=float(env.get("HANDOFF_SLA_WAIT_SECONDS", defaults.sla_wait_seconds)),
            sla_reply_seconds=float(
                env.get("HANDOFF_SLA_REPLY_SECONDS", defaults.sla_reply_seconds)
            ),
            average_handling_seconds=float(
                env.get("HANDOFF_AVERAGE_HANDLING_SECONDS", defaults.average_handling_seconds)
            ),
            agent_capacity=int(env.get("HANDOFF_AGENT_CAPACITY", defaults.agent_capacity)),
            skills=skills or defaults.skills,
            key_prefix=env.get("HANDOFF_KEY_PREFIX", defaults.key_prefix),
        )


class HandoffQueue:
    def __init__(self, client: redis.Redis, settings: Optional[QueueSettings] = None) -> None:
        """`client` must decode responses (see from_url)."""
        self.redis = client
        self.settings = settings or QueueSettings.from_environment()
        library = (_LUA / "lib.lua").read_text()
        self._scripts = {
            path.stem: client.register_script(library + "\n" + path.read_text())
            for path in sorted(_LUA.glob("*.lua"))
            if path.stem != "lib"
        }

    @classmethod
    def from_url(cls, url: str, settings: Optional[QueueSettings] = None) -> "HandoffQueue":
        return cls(connect(url), settings)

    async def disconnect(self) -> None:
        await self.redis.close(close_connection_pool=True)

    # Agents

    async def register_agent(
        self,
        agent_id: str,
        skills: Sequence[str],
        capacity: Optional[int] = None,
        presence: Presence = Presence.ONLINE,
        now: Optional[float] = None,
    ) -> List[Requeued]:
        """Adds an agent or replaces their skills and capacity (default from settings)."""
        for skill in skills:
            self._check_skill(skill)
        capacity = self.settings.agent_capacity if capacity is None else capacity
        requeued = await self._run(
            "register_agent", agent_id, _now(now), capacity, Presence(presence).value, *skills
        )
        return requeued_from_rows(requeued)

    async def set_presence(
        self, agent_id: str, presence: Presence, now: Optional[float] = None
    ) -> List[Requeued]:
        """Going offline puts the agent's chats back at the front; they are returned."""
        requeued = await self._run("set_presence", agent_id, Presence(presence).value, _now(now))
        if requeued is None:
            raise UnknownAgent(agent_id)
        return requeued_from_rows(requeued)

    async def heartbeat(self, agent_id: str, now: Optional[float] = None) -> bool:
        """Renews the agent's lease; False means it already ran out (log in again)."""
        return bool(await self._run("heartbeat", agent_id, _now(now)))

    async def expire_leases(self, now: Optional[float] = None) -> List[Requeued]:
        """Agents silent for longer than lease_seconds go offline; their chats go back
        to the front of their queues and are returned, so their customers can be told."""
        now = _now(now)
        deadline = now - self.settings.lease_seconds
        return requeued_from_rows(await self._run("expire_leases", now, deadline))

    async def anyone_online(self, skill: str) -> bool:
        self._check_skill(skill)
        return await self._run("online_agents", skill) > 0

    # Conversations

    async def enqueue(self, ticket: Ticket, now: Optional[float] = None) -> Placement:
        """Queues the conversation once; asking again (also while an agent has it)
        changes nothing and returns where it stands."""
        self._check_skill(ticket.skill)
        if not 0 <= ticket.priority <= LOWEST_PRIORITY:
            raise ValueError(f"priority must be 0..{LOWEST_PRIORITY}, not {ticket.priority}")
        created, fields, position, online = await self._run(
            "enqueue", ticket.conversation_id, _now(now), *ticket_fields(ticket)
        )
        return Placement(ticket_from_reply(fields), position, self._estimate(position, online), bool(created))

    async def ticket(self, conversation_id: str) -> Optional[Ticket]:
        fields = await self.redis.hgetall(self._key("ticket", conversation_id))
        return ticket_from_mapping(fields) if fields else None

    async def tickets(self, conversation_ids: Sequence[str]) -> List[Optional[Ticket]]:
        """The tickets of those conversations in one round trip, in the same order;
        None for one no longer handed off."""
        async with self.redis.pipeline(transaction=False) as pipe:
            for conversation_id in conversation_ids:
                pipe.hgetall(self._key("ticket", conversation_id))
            rows = await pipe.execute()
        return [ticket_from_mapping(fields) if fields else None for fields in rows]

    async def waiting_in_line(self, skill: str) -> List[str]:
        """The skill's waiting conversations, next in line first."""
        return await self.redis.zrange(self._key("queue", skill), 0, -1)

    async def chats_of(self, agent_id: str) -> List[str]:
        """The conversations the agent has, sorted by id."""
        return sorted(await self.redis.smembers(self._key("agent", agent_id, "chats")))

    async def position(self, conversation_id: str) -> Optional[int]:
        """1 = next in line; None when it is not waiting."""
        position, _ = await self._run("place", conversation_id)
        return position

    async def estimated_wait_seconds(self, conversation_id: str) -> Optional[int]:
        position, online = await self._run("place", conversation_id)
        return self._estimate(position, online)

    async def claim_next(self, agent_id: str, now: Optional[float] = None) -> Optional[Ticket]:
        """Pull: the most urgent, longest waiting conversation across the agent's skills.
        None when nothing waits or the agent is not online with a free slot."""
        fields = await self._run("claim_next", agent_id, _now(now))
        return ticket_from_reply(fields) if fields else None

    async def assign_next(self, skill: str, now: Optional[float] = None) -> Optional[Ticket]:
        """Push: the head of the skill's queue to the least busy online agent of the skill
        with a free slot; ties go to the longest idle (oldest last assignment), then to
        the lowest agent id. The returned ticket's agent_id says who got it."""
        self._check_skill(skill)
        fields = await self._run("assign_next", skill, _now(now))
        return ticket_from_reply(fields) if fields else None

    async def transfer(
        self,
        conversation_id: str,
        *,
        skill: Optional[str] = None,
        agent_id: Optional[str] = None,
        by_agent: Optional[str] = None,
        now: Optional[float] = None,
    ) -> Placement:
        """To the front of another skill's queue, or straight to an agent who is online
        with a free slot (else AgentUnavailable). Give exactly one of skill, agent_id.
        `by_agent` is the agent passing it on, who must have it (else NotAssigned);
        None for a supervisor."""
        if (skill is None) == (agent_id is None):
            raise ValueError("transfer to a skill or to an agent, not both or neither")
        if skill is not None:
            self._check_skill(skill)
        status, *rest = await self._run(
            "transfer", conversation_id, _now(now), skill or "", agent_id or "", by_agent or ""
        )
        if status == "no_conversation":
            raise UnknownConversation(conversation_id)
        if status == "not_assigned":
            raise NotAssigned(conversation_id)
        if status == "agent_unavailable":
            raise AgentUnavailable(agent_id)
        fields, position, online = rest
        return Placement(ticket_from_reply(fields), position, self._estimate(position, online))

    async def close(self, conversation_id: str, by_agent: Optional[str] = None) -> Optional[Ticket]:
        """Ends the handoff: frees the agent's slot (or leaves the queue). Returns the
        ticket as it was, None when the conversation was not in the queue. `by_agent`
        is the agent closing it, who must have it (else NotAssigned); None for a
        supervisor."""
        status, *rest = await self._run("close", conversation_id, by_agent or "")
        if status == "not_assigned":
            raise NotAssigned(conversation_id)
        return ticket_from_reply(rest[0]) if status == "ok" else None

    async def abandon(self, conversation_id: str) -> Optional[Ticket]:
        """A waiting customer leaves the queue. Returns the ticket as it was; None when
        the conversation is not waiting (an agent has it, or it is not handed off),
        which is left as it is."""
        status, *rest = await self._run("abandon", conversation_id)
        return ticket_from_reply(rest[0]) if status == "ok" else None

    async def reopen(self, ticket: Ticket, now: Optional[float] = None) -> bool:
        """Undoes close() when what had to follow it failed: the conversation goes back to
        its agent (or to the front of its queue if they went offline). False when it
        was handed off anew meanwhile, which is left as it is."""
        return bool(await self._run(
            "reopen", ticket.conversation_id, _now(now), *stored_fields(ticket)
        ))

    async def record_agent_reply(
        self, conversation_id: str, by_agent: Optional[str] = None, now: Optional[float] = None
    ) -> bool:
        """Stops the no-reply watch; False when no agent has the conversation. A reply
        by `by_agent` counts only while they have it (else NotAssigned); None is a
        supervisor's."""
        recorded = bool(await self._run(
            "record_agent_reply", conversation_id, _now(now), by_agent or ""
        ))
        if not recorded and by_agent is not None:
            raise NotAssigned(conversation_id)
        return recorded

    async def overdue(self, now: Optional[float] = None) -> List[Overdue]:
        """Conversations newly past an SLA limit: waiting longer than sla_wait_seconds,
        or with an agent who has not replied within sla_reply_seconds of taking it.
        Each is reported once and escalated to ESCALATED_PRIORITY."""
        now = _now(now)
        raised = await self._run(
            "overdue",
            now,
            now - self.settings.sla_wait_seconds,
            now - self.settings.sla_reply_seconds,
            ESCALATED_PRIORITY,
            *self.settings.skills,
        )
        return [
            Overdue(conversation_id, Breach(breach), skill, agent_id, float(since))
            for conversation_id, breach, skill, agent_id, since in raised
        ]

    # Callbacks: for outside business hours or when nobody is online

    async def leave_callback(
        self, ticket: Ticket, message: str, now: Optional[float] = None
    ) -> str:
        """Stores a callback ticket; a customer waiting in the queue leaves it.
        Returns the callback id."""
        self._check_skill(ticket.skill)
        return await self._run(
            "leave_callback",
            ticket.conversation_id,
            _now(now),
            "message",
            message,
            *ticket_fields(ticket),
        )

    async def callbacks(self) -> List[Callback]:
        """Every callback not yet closed, oldest first."""
        entries = await self.redis.xrange(self._key("callbacks"))
        return [
            Callback(
                callback_id,
                ticket_from_mapping(entry),
                entry["message"],
                float(entry["left_at"]),
            )
            for callback_id, entry in entries
        ]

    async def close_callback(self, callback_id: str) -> bool:
        return bool(await self.redis.xdel(self._key("callbacks"), callback_id))

    # Supervisor

    async def stats(self, now: Optional[float] = None) -> QueueStats:
        now = _now(now)
        skills, agents = await self._run("stats", *self.settings.skills)
        return QueueStats(
            skills={
                skill: SkillStats(
                    waiting=waiting,
                    longest_wait_seconds=None if oldest is None else now - float(oldest),
                    online_agents=online,
                )
                for skill, waiting, oldest, online in skills
            },
            agents=[
                AgentStats(agent_id, Presence(presence), load, int(capacity), agent_skills)
                for agent_id, presence, capacity, load, agent_skills in agents
            ],
        )

    def _estimate(self, position: Optional[int], online_agents: int) -> Optional[int]:
        if position is None or online_agents == 0:
            return None
        return math.ceil(position * self.settings.average_handling_seconds / online_agents)

    def _check_skill(self, skill: str) -> None:
        if skill not in self.settings.skills:
            raise ValueError(f"unknown skill {skill!r}; known: {', '.join(self.settings.skills)}")

    def _key(self, *parts: str) -> str:
        return self.settings.key_prefix + ":".join(parts)

    async def _run(self, script: str, *args: Any) -> Any:
        return await self._scripts[script](args=[self.settings.key_prefix, *args])


def _now(now: Optional[float]) -> float:
    return time.time() if now is None else now
