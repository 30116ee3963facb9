"""Cue words that tell how a message is meant, beside what it asks (cue_words.yml):
blame or impatience, a delay, "can I return this?", a refund, the name of a number. The near-miss rules of
the dialogue and the NLU's intent rules read them here, so each list lives once."""
from pathlib import Path
from typing import Dict, List

import yaml

from foundation.language import fold_full_width, to_simplified

CUES_FILE = Path(__file__).with_name("cue_words.yml")


def _load(path: Path) -> Dict[str, List[str]]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {kind: [str(word).lower() for word in by_language["zh"] + by_language["en"]]
            for kind, by_language in data.items()}


CUES = _load(CUES_FILE)


def _plain(text: str) -> str:
    return to_simplified(fold_full_width(text or "")).lower()


def says(kind: str, text: str) -> bool:
    """Whether `text` holds one of the cue words of `kind`."""
    plain = _plain(text)
    return any(cue in plain for cue in CUES[kind])


def without(kind: str, text: str) -> str:
    """`text`, plain, with the cue words of `kind` taken out, the longest first."""
    plain = _plain(text)
    for cue in sorted(CUES[kind], key=len, reverse=True):
        plain = plain.replace(cue, " ")
    return plain
