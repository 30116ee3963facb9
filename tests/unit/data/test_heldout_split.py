"""The project's held-out split (tests/heldout/) chooses models and thresholds, so none
of its messages may be trained on: not in the NLU data, not among article questions."""
import csv
import re
from pathlib import Path

from rasa.shared.nlu.training_data.loading import load_data

from foundation.language import normalise
from foundation.settings import ROOT
from knowledge.article import LANGUAGES, load_articles

HELD_OUT = sorted((ROOT / "tests" / "heldout").glob("**/*.tsv"))


def key(text: str) -> str:
    """The text as the model sees it, without spaces and punctuation."""
    return re.sub(r"[\s\W_]+", "", normalise(text)[0].lower())


def held_out_texts(path: Path):
    with path.open(encoding="utf-8", newline="") as handle:
        return [row["text"] for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)]


def test_no_held_out_message_is_trained_on():
    trained = {key(example.get("text")) for example in load_data(str(ROOT / "data" / "nlu")).training_examples}
    trained |= {key(q) for article in load_articles() for language in LANGUAGES for q in article.questions[language]}
    assert len(HELD_OUT) == 14  # the split, its harder second part (hard/), voice/ and situations/
    leaked = [text for path in HELD_OUT for text in held_out_texts(path) if key(text) in trained]
    assert not leaked, f"held-out messages found in the training data: {leaked[:10]}"
