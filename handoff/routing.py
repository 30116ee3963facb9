"""Decides where a handoff goes: its priority and skill group, from routing.yml."""
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, Optional

import yaml

ROUTING_FILE = Path(__file__).with_name("routing.yml")
GENERAL = "general"


@dataclass(frozen=True)
class Route:
    reason: str
    priority: int  # 0 is served first
    skill: str


class Routing:
    def __init__(self, reasons: Dict[str, dict], topics: Dict[str, str]) -> None:
        self._reasons = reasons
        self._topics = topics

    @classmethod
    def load(cls, path: Path = ROUTING_FILE) -> "Routing":
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(data["reasons"], data.get("topics") or {})

    def route(self, reason: str, recent_intents: Iterable[str] = ()) -> Route:
        """The route for `reason`; `recent_intents`, newest first, pick a general one's team."""
        if reason not in self._reasons:
            raise ValueError(f"{reason!r} is not a handoff reason of {ROUTING_FILE.name}.")
        rule = self._reasons[reason]
        skill = rule["skill"]
        if skill == GENERAL:
            skill = self._topic_skill(recent_intents) or GENERAL
        return Route(reason, int(rule["priority"]), skill)

    def _topic_skill(self, recent_intents: Iterable[str]) -> Optional[str]:
        return next((self._topics[i] for i in recent_intents if i in self._topics), None)
