"""Unanswered questions grouped by similarity, for the report's list of what to write.

Questions are compared by the TF-IDF vectors of their character 1–2-grams (Chinese has
no spaces to split words on, and character n-grams catch 运费 / 運費 after folding to
Simplified), cosine similarity. Greedy: the most asked question opens the first group,
and each question joins the first group whose representative it resembles at least
SIMILAR, else opens a group of its own. The representative (the group's label) is its
most asked question.
"""
from collections import Counter
from dataclasses import dataclass, field
from typing import Dict, List

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.metrics.pairwise import cosine_similarity

from foundation.language import fold_full_width, to_simplified

SIMILAR = 0.5
EXAMPLES = 3


@dataclass
class GapGroup:
    label: str
    count: int = 0
    examples: List[str] = field(default_factory=list)


def group_questions(questions: List[str]) -> List[GapGroup]:
    """Groups, most asked first; each with up to EXAMPLES distinct questions."""
    asked = Counter(question.strip() for question in questions if question and question.strip())
    if not asked:
        return []
    distinct = [question for question, _ in sorted(asked.items(), key=lambda item: (-item[1], item[0]))]
    folded = [_folded(question) for question in distinct]
    vectors = TfidfVectorizer(analyzer="char", ngram_range=(1, 2)).fit_transform(folded)
    similarity = cosine_similarity(vectors)
    groups: List[GapGroup] = []
    representatives: List[int] = []
    by_index: Dict[int, GapGroup] = {}
    for index, question in enumerate(distinct):
        home = next((by_index[rep] for rep in representatives if similarity[index, rep] >= SIMILAR), None)
        if home is None:
            home = GapGroup(label=question)
            groups.append(home)
            representatives.append(index)
            by_index[index] = home
        home.count += asked[question]
        if len(home.examples) < EXAMPLES:
            home.examples.append(question)
    return sorted(groups, key=lambda group: (-group.count, group.label))


def _folded(question: str) -> str:
    return " ".join(to_simplified(fold_full_width(question)).lower().split()) or question
