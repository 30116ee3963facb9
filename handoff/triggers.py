"""When the bot hands off by itself: thresholds and word lists from triggers.yml."""
from dataclasses import dataclass
from pathlib import Path
from typing import FrozenSet, Tuple

import yaml

from foundation.language import to_simplified

TRIGGERS_FILE = Path(__file__).with_name("triggers.yml")


@dataclass(frozen=True)
class Triggers:
    consecutive_fallbacks: int
    faq_misses: int
    form_attempts: int
    negative_words: Tuple[str, ...]
    vip_metadata_key: str
    vip_channels: FrozenSet[str]

    @classmethod
    def load(cls, path: Path = TRIGGERS_FILE) -> "Triggers":
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        return cls(
            consecutive_fallbacks=int(data["nlu_fallback"]["consecutive"]),
            faq_misses=int(data["faq_no_answer"]["misses"]),
            form_attempts=int(data["form_failed"]["attempts"]),
            negative_words=tuple(w.lower() for w in data["negative_sentiment"]["words"]),
            vip_metadata_key=data["vip"]["metadata_key"],
            vip_channels=frozenset(data["vip"]["trusted_channels"]),
        )

    def is_clearly_negative(self, text: str) -> bool:
        """True when the text holds one of the angry words (any script, any case)."""
        folded = to_simplified(text).lower()
        return any(word in folded for word in self.negative_words)


TRIGGERS = Triggers.load()
