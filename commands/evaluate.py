"""Scores understanding on real customer messages (`make eval`).

Two kinds of sets, each read if present:

- the project's own held-out splits, `tests/heldout/`, the harder `tests/heldout/hard/`,
  `tests/heldout/voice/` in the voice of online-shop chats and `tests/heldout/situations/`
  (knowledge questions that describe a situation, written from the article titles alone;
  each written apart from the training data by a writer who did not see it, never
  trained on): models and thresholds are chosen on them;
- the dev files in `../shared/eval/`: a final figure only. Their misses are not written
  out, so nobody tunes data to them.

For routing sets (columns intent, text) it prints accuracy, recall per intent,
out-of-scope recall and the share of off-topic messages the bot would answer with an
article (classified ask_faq and found by the knowledge search), and draws a confusion
matrix into var/reports/. For knowledge sets (topic_id, text) it prints top-1 / top-3;
for off-topic questions (text) the share the knowledge search would answer. A fallback
prediction (`nlu_fallback`) is a miss: the customer was not understood.
"""
import argparse
import asyncio
import csv
import logging
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

import matplotlib

matplotlib.use("Agg")  # no screen on servers and CI
import matplotlib.pyplot as plt  # noqa: E402
from sklearn.metrics import confusion_matrix  # noqa: E402
from tqdm import tqdm  # noqa: E402

from foundation.settings import ROOT, VAR  # noqa: E402
from commands.training import ensure_model  # noqa: E402

DEV_DIR = ROOT.parent / "shared" / "eval"
HELD_OUT_DIR = ROOT / "tests" / "heldout"
REPORTS = VAR / "reports"
OUT_OF_SCOPE = "out_of_scope"
FAQ = "ask_faq"

# name → (file, kind); kinds: routing (intent, text), kb (topic_id, text), off_topic (text)
SETS: Dict[str, Tuple[Path, str]] = {
    "held-out zh": (HELD_OUT_DIR / "routing_zh.tsv", "routing"),
    "held-out en": (HELD_OUT_DIR / "routing_en.tsv", "routing"),
    "held-out kb": (HELD_OUT_DIR / "kb.tsv", "kb"),
    "held-out off-topic": (HELD_OUT_DIR / "kb_offtopic.tsv", "off_topic"),
    "hard zh": (HELD_OUT_DIR / "hard" / "routing_zh.tsv", "routing"),
    "hard en": (HELD_OUT_DIR / "hard" / "routing_en.tsv", "routing"),
    "hard kb": (HELD_OUT_DIR / "hard" / "kb.tsv", "kb"),
    "hard off-topic": (HELD_OUT_DIR / "hard" / "kb_offtopic.tsv", "off_topic"),
    "voice zh": (HELD_OUT_DIR / "voice" / "routing_zh.tsv", "routing"),
    "voice en": (HELD_OUT_DIR / "voice" / "routing_en.tsv", "routing"),
    "voice kb": (HELD_OUT_DIR / "voice" / "kb.tsv", "kb"),
    "voice off-topic": (HELD_OUT_DIR / "voice" / "kb_offtopic.tsv", "off_topic"),
    "situations kb": (HELD_OUT_DIR / "situations" / "kb.tsv", "kb"),
    "situations off-topic": (HELD_OUT_DIR / "situations" / "kb_offtopic.tsv", "off_topic"),
    "dev zh": (DEV_DIR / "routing_dev_zh.tsv", "routing"),
    "dev en": (DEV_DIR / "routing_dev_en.tsv", "routing"),
    "dev kb": (DEV_DIR / "kb_dev.tsv", "kb"),
}


def read_rows(path: Path) -> List[Dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        return [row for row in rows if row.get("text")]


@dataclass
class Knowledge:
    """The published knowledge base as the bot searches it."""

    index: object
    threshold: float
    today: date

    @classmethod
    def load(cls, today: date) -> "Knowledge":
        from knowledge.article import load_articles
        from knowledge.search import ANSWER_THRESHOLD, KnowledgeIndex

        return cls(KnowledgeIndex.build(load_articles()), ANSWER_THRESHOLD, today)

    def top(self, text: str, limit: int = 3) -> Tuple[List[str], float]:
        hits = self.index.search(text, today=self.today, limit=limit)
        return [hit.article_id for hit in hits], (hits[0].score if hits else 0.0)

    def answers(self, text: str) -> bool:
        return self.top(text, 1)[1] >= self.threshold


async def parse_all(agent, texts: Sequence[str], label: str) -> List[str]:
    predictions = []
    for text in tqdm(texts, desc=f"parsing {label}", unit="msg", leave=False):
        parsed = await agent.parse_message(text)
        predictions.append(parsed["intent"]["name"])
    return predictions


def score_routing(name: str, rows: List[Dict[str, str]], predicted: List[str],
                  knowledge: Knowledge, write_misses: bool) -> Dict[str, float]:
    expected = [row["intent"] for row in rows]
    texts = [row["text"] for row in rows]
    correct = [e == p for e, p in zip(expected, predicted)]
    accuracy = sum(correct) / len(rows)
    print(f"\n== {name}: intent accuracy {accuracy:.3f} on {len(rows)} messages ==")
    print(f"{'intent':<22}{'n':>5}{'recall':>8}  most often taken for")
    for intent in sorted(set(expected)):
        picked = [p for e, p in zip(expected, predicted) if e == intent]
        wrong = [p for p in picked if p != intent]
        common = max(set(wrong), key=wrong.count) if wrong else ""
        print(f"{intent:<22}{len(picked):>5}{picked.count(intent) / len(picked):>8.2f}  {common}")
    figures = {"accuracy": accuracy}
    off_topic = [i for i, e in enumerate(expected) if e == OUT_OF_SCOPE]
    if off_topic:
        figures["oos_recall"] = sum(predicted[i] == OUT_OF_SCOPE for i in off_topic) / len(off_topic)
        # What the customer gets: an article only when the classifier says ask_faq and
        # the knowledge search is confident.
        found = {i: knowledge.answers(texts[i]) for i in off_topic}
        answered = sum(predicted[i] == FAQ and found[i] for i in off_topic)
        figures["off_topic_answered"] = answered / len(off_topic)
        # The knowledge search on its own, as if every off-topic message reached it.
        searched = sum(found.values())
        figures["off_topic_answered_by_search"] = searched / len(off_topic)
        print(f"out-of-scope recall {figures['oos_recall']:.3f}; off-topic messages answered "
              f"with an article {answered}/{len(off_topic)} = {figures['off_topic_answered']:.3f} "
              f"(by the knowledge search alone {searched}/{len(off_topic)})")
    plot_confusion(name, expected, predicted, accuracy)
    if write_misses:
        misses = REPORTS / f"{slug(name)}_misses.tsv"
        with misses.open("w", encoding="utf-8") as handle:
            handle.write("expected\tpredicted\ttext\n")
            for row, guess, right in zip(rows, predicted, correct):
                if not right:
                    handle.write(f"{row['intent']}\t{guess}\t{row['text']}\n")
        print(f"misclassified messages: {misses.relative_to(ROOT)}")
    return figures


def score_kb(name: str, rows: List[Dict[str, str]], knowledge: Knowledge) -> Dict[str, float]:
    top1 = top3 = 0
    for row in rows:
        ranked, _ = knowledge.top(row["text"])
        top1 += ranked[:1] == [row["topic_id"]]
        top3 += row["topic_id"] in ranked[:3]
    figures = {"top1": top1 / len(rows), "top3": top3 / len(rows)}
    print(f"\n== {name}: knowledge search top-1 {figures['top1']:.3f}, top-3 {figures['top3']:.3f}"
          f" on {len(rows)} questions ==")
    return figures


def score_off_topic(name: str, rows: List[Dict[str, str]], knowledge: Knowledge) -> Dict[str, float]:
    answered = sum(knowledge.answers(row["text"]) for row in rows)
    share = answered / len(rows)
    print(f"\n== {name}: {answered} of {len(rows)} off-topic questions answered by the "
          f"knowledge search = {share:.3f} ==")
    return {"off_topic_answered": share}


def slug(name: str) -> str:
    return name.replace(" ", "_").replace("-", "")


def plot_confusion(name: str, expected: List[str], predicted: List[str], accuracy: float) -> None:
    labels = sorted(set(expected) | set(predicted))
    matrix = confusion_matrix(expected, predicted, labels=labels)
    figure, axes = plt.subplots(figsize=(9, 8))
    axes.imshow(matrix, cmap="Blues")
    axes.set_xticks(range(len(labels)), labels, rotation=60, ha="right")
    axes.set_yticks(range(len(labels)), labels)
    axes.set_xlabel("predicted")
    axes.set_ylabel("expected")
    axes.set_title(f"{name}: accuracy {accuracy:.2f}")
    for row in range(len(labels)):
        for column in range(len(labels)):
            if matrix[row, column]:
                colour = "white" if matrix[row, column] > matrix.max() / 2 else "black"
                axes.text(column, row, matrix[row, column], ha="center", va="center", color=colour)
    figure.tight_layout()
    target = REPORTS / f"{slug(name)}_confusion.png"
    figure.savefig(target, dpi=110)
    plt.close(figure)
    print(f"confusion matrix: {target.relative_to(ROOT)}")


async def evaluate(model: Path, chosen: Dict[str, Tuple[Path, str]], today: date) -> Dict[str, Dict]:
    from rasa.core.agent import Agent  # slow imports, after argument checks
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.log_utils import configure_structlog

    configure_logging_and_warnings(logging.WARNING)
    configure_structlog(logging.WARNING)
    REPORTS.mkdir(parents=True, exist_ok=True)
    knowledge = Knowledge.load(today)
    agent: Optional[object] = None
    results = {}
    for name, (path, kind) in chosen.items():
        rows = read_rows(path)
        if kind == "routing":
            agent = agent or Agent.load(str(model))
            predicted = await parse_all(agent, [row["text"] for row in rows], name)
            results[name] = score_routing(name, rows, predicted, knowledge,
                                          write_misses=not is_dev(path))
        elif kind == "kb":
            results[name] = score_kb(name, rows, knowledge)
        else:
            results[name] = score_off_topic(name, rows, knowledge)
    return results


def is_dev(path: Path) -> bool:
    return DEV_DIR in path.parents


def summary(results: Dict[str, Dict]) -> None:
    print("\nsummary")
    for name, figures in results.items():
        print(f"  {name:<22}" + ", ".join(f"{key} {value:.3f}" for key, value in figures.items()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", type=Path,
                        help="routing TSV files (intent, text) instead of the default sets")
    parser.add_argument("--model", type=Path, help="model file (default: current one)")
    parser.add_argument("--held-out-only", action="store_true",
                        help="skip ../shared/eval (choosing models and thresholds)")
    parser.add_argument("--today", type=date.fromisoformat, default=date.today(),
                        help="day the knowledge base is searched on (YYYY-MM-DD)")
    args = parser.parse_args()
    if args.files:
        chosen = {path.name: (path, "routing") for path in args.files}
    else:
        chosen = {name: entry for name, entry in SETS.items()
                  if entry[0].exists() and not (args.held_out_only and is_dev(entry[0]))}
    missing = [str(path) for path, _ in chosen.values() if not path.exists()]
    if missing or not chosen:
        raise SystemExit(f"Evaluation file(s) not found: {', '.join(missing) or 'none of the sets'}")
    summary(asyncio.run(evaluate(args.model or ensure_model(), chosen, args.today)))


if __name__ == "__main__":
    main()
