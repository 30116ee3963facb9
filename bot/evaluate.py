"""Scores the trained model on real customer utterances (`make eval`).

Reads the hand-labelled evaluation files (columns: intent, text), parses every text with
the model in-process and prints accuracy and per-intent precision/recall/F1; writes a
confusion-matrix PNG and the misclassified texts to var/reports/. A fallback prediction
(`nlu_fallback`) is a miss: the customer was not understood.
"""
import argparse
import asyncio
import csv
import logging
from pathlib import Path
from typing import Dict, List, Tuple

import matplotlib

matplotlib.use("Agg")  # no screen on servers and CI
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.metrics import accuracy_score, classification_report, confusion_matrix  # noqa: E402
from tqdm import tqdm  # noqa: E402

from bot.settings import ROOT, VAR  # noqa: E402
from bot.training import ensure_model  # noqa: E402

EVAL_DIR = ROOT.parent / "shared" / "eval"
DEFAULT_FILES = ("routing_dev_zh.tsv", "routing_dev_en.tsv")
REPORTS = VAR / "reports"


def read_examples(path: Path) -> List[Tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [(row["intent"], row["text"]) for row in rows if row.get("text")]


async def predict(agent, texts: List[str], label: str) -> List[str]:
    predictions = []
    for text in tqdm(texts, desc=f"parsing {label}", unit="msg", leave=False):
        parsed = await agent.parse_message(text)
        predictions.append(parsed["intent"]["name"])
    return predictions


def score(name: str, examples: List[Tuple[str, str]], predicted: List[str]) -> Dict:
    expected = [intent for intent, _ in examples]
    labels = sorted(set(expected) | set(predicted))
    accuracy = accuracy_score(expected, predicted)
    print(f"\n== {name}: accuracy {accuracy:.3f} on {len(expected)} utterances ==")
    print(classification_report(expected, predicted, labels=labels, zero_division=0))
    _plot_confusion(name, expected, predicted, labels)
    misses = REPORTS / f"{Path(name).stem}_misses.tsv"
    with misses.open("w", encoding="utf-8") as handle:
        handle.write("expected\tpredicted\ttext\n")
        for (intent, text), guess in zip(examples, predicted):
            if intent != guess:
                handle.write(f"{intent}\t{guess}\t{text}\n")
    print(f"misclassified texts: {misses.relative_to(ROOT)}")
    return {"accuracy": accuracy}


def _plot_confusion(name: str, expected: List[str], predicted: List[str], labels: List[str]) -> None:
    matrix = confusion_matrix(expected, predicted, labels=labels)
    figure, axes = plt.subplots(figsize=(9, 8))
    axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(labels)), labels, rotation=60, ha="right")
    axes.set_yticks(range(len(labels)), labels)
    axes.set_xlabel("predicted")
    axes.set_ylabel("expected")
    axes.set_title(f"{name}: accuracy {accuracy_score(expected, predicted):.2f}")
    for row in range(len(labels)):
        for column in range(len(labels)):
            if matrix[row, column]:
                colour = "white" if matrix[row, column] > matrix.max() / 2 else "black"
                axes.text(column, row, matrix[row, column], ha="center", va="center", color=colour)
    figure.tight_layout()
    target = REPORTS / f"{Path(name).stem}_confusion.png"
    figure.savefig(target, dpi=110)
    plt.close(figure)
    print(f"confusion matrix: {target.relative_to(ROOT)}")


async def evaluate(model: Path, files: List[Path]) -> Dict[str, Dict]:
    from rasa.core.agent import Agent  # slow imports, after argument checks
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    REPORTS.mkdir(parents=True, exist_ok=True)
    agent = Agent.load(str(model))
    results = {}
    for path in files:
        examples = read_examples(path)
        predicted = await predict(agent, [text for _, text in examples], path.name)
        results[path.name] = score(path.name, examples, predicted)
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("files", nargs="*", type=Path, help="TSV files (intent, text)")
    parser.add_argument("--model", type=Path, help="model file (default: current one)")
    args = parser.parse_args()
    files = args.files or [EVAL_DIR / name for name in DEFAULT_FILES]
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise SystemExit(f"Evaluation file(s) not found: {', '.join(missing)}")
    results = asyncio.run(evaluate(args.model or ensure_model(), files))
    print("\nsummary: " + ", ".join(f"{n} {r['accuracy']:.3f}" for n, r in results.items()))


if __name__ == "__main__":
    main()
