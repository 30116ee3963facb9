"""The Chinese word segmenter: a blank spaCy `zh` pipeline segmenting with jieba.

Nothing is downloaded: the pipeline is built locally from spaCy's blank `zh` language.
spaCy's jieba segmenter calls jieba's module-level tokenizer, so the domain dictionary
is loaded into that tokenizer before the first message is segmented.
"""
import argparse
from pathlib import Path

import jieba

USER_DICTIONARY = Path(__file__).with_name("userdict.txt")
SPACY_CONFIG = {"nlp": {"tokenizer": {"segmenter": "jieba"}}}

_loaded = False


def load_domain_dictionary() -> None:
    """Teaches jieba the courier's words (waybill, pickup station, ...); idempotent."""
    global _loaded
    if not _loaded:
        jieba.setLogLevel(jieba.logging.WARNING)
        jieba.load_userdict(str(USER_DICTIONARY))
        _loaded = True


def build_pipeline(target: Path) -> Path:
    """Writes the blank `zh` pipeline to `target` unless it is already there."""
    if (target / "config.cfg").exists():
        return target
    import spacy  # slow to import (it loads TensorFlow); only needed to build

    target.parent.mkdir(parents=True, exist_ok=True)
    nlp = spacy.blank("zh", config=SPACY_CONFIG)
    nlp.to_disk(target)
    return target


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("target", type=Path, help="folder for the spaCy pipeline")
    print(build_pipeline(parser.parse_args().target))


if __name__ == "__main__":
    main()
