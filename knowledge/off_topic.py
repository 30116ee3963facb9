"""Questions no article answers, as the search knows them: the assistant's out-of-scope
training examples (`data/nlu/out_of_scope.yml`: product questions, chit-chat, other
businesses), embedded per language. A query closer to one of them than to any
question of the article found is likely off topic however many words it shares with
the article (the `off_topic` feature of the calibrated score, knowledge/search.py).
"""
from functools import lru_cache
from pathlib import Path
from typing import Dict, List, Tuple

import numpy as np
import yaml

from foundation.language import normalise
from knowledge.analysis import EN, LANGUAGE_OF_TAG, ZH
from knowledge.embeddings import embedded_off_topic

OFF_TOPIC_FILE = Path(__file__).resolve().parent.parent / "data" / "nlu" / "out_of_scope.yml"


def load_off_topic(path: Path = OFF_TOPIC_FILE) -> List[str]:
    """The out-of-scope examples of the NLU training data, as customers wrote them."""
    if not path.exists():
        return []
    return list(_read_off_topic(path, path.stat().st_mtime_ns))


@lru_cache(maxsize=4)
def _read_off_topic(path: Path, modified: int) -> Tuple[str, ...]:
    """Read once per version of the file: every publication rebuilds the index."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    texts = []
    for block in data.get("nlu") or []:
        if block.get("intent") == "out_of_scope":
            texts += [line[2:].strip() for line in str(block.get("examples", "")).splitlines()
                      if line.strip().startswith("- ")]
    return tuple(dict.fromkeys(text for text in texts if text))


def off_topic_vectors(texts: List[str]) -> Dict[str, np.ndarray]:
    """Per language, the unit vectors of the off-topic questions written in it."""
    by_language: Dict[str, List[str]] = {ZH: [], EN: []}
    for text in texts:
        folded, language = normalise(text)
        if LANGUAGE_OF_TAG.get(language or "") in by_language:
            by_language[LANGUAGE_OF_TAG[language]].append(folded)
    return {language: embedded_off_topic(language_texts) for language, language_texts in by_language.items()}
