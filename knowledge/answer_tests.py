"""Answer tests: the questions each article must answer, and running them.

One file per article, `knowledge/tests/<article id>.yml`:

    article: shipping-fee
    questions:
      - 寄一公斤到上海多少钱
      - how much to send 2 kg to Beijing

Each article needs at least MIN_ANSWER_TESTS questions. A question passes when its
article is the top hit with a score of at least ANSWER_THRESHOLD, searched on a day
the article is served: today, or the nearest day inside its validity window, so a
seasonal article is tested before it starts and still after it has ended.
"""
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

import yaml

from knowledge.article import Article
from knowledge.search import ANSWER_THRESHOLD, KnowledgeIndex

ANSWER_TESTS_FOLDER = Path(__file__).with_name("tests")
MIN_ANSWER_TESTS = 3

# Article id -> its test questions.
AnswerTests = Dict[str, Tuple[str, ...]]


class AnswerTestError(ValueError):
    """One or more answer test files are invalid; the message lists every problem."""

    def __init__(self, problems: Iterable[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


def check_questions(article_id: str, questions: object, source: str) -> Tuple[str, ...]:
    """The questions as clean text, or AnswerTestError saying what is wrong."""
    if not isinstance(questions, list):
        raise AnswerTestError([f"{source}: questions must be a list"])
    # Unquoted numbers in YAML are meant as text, as in articles.
    texts = [str(question).strip() if isinstance(question, (str, int, float)) else "" for question in questions]
    problems = []
    if not all(texts):
        problems.append(f"{source}: questions must contain only non-empty text")
    texts = [text for text in texts if text]
    repeated = sorted({text for text in texts if texts.count(text) > 1})
    if repeated:
        problems.append(f"{source}: repeated questions: {', '.join(repeated)}")
    if len(set(texts)) < MIN_ANSWER_TESTS:
        problems.append(
            f"{source}: article '{article_id}' has {len(set(texts))} answer tests; needs at least {MIN_ANSWER_TESTS}"
        )
    if problems:
        raise AnswerTestError(problems)
    return tuple(texts)


def load_answer_test_file(path: Path) -> Tuple[str, Tuple[str, ...]]:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark is not None else str(path)
        problem = getattr(error, "problem", None) or str(error)
        raise AnswerTestError([f"{where}: invalid YAML: {problem}"]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise AnswerTestError([f"{path}: cannot be read: {error}"]) from None
    if not isinstance(data, dict) or set(data) != {"article", "questions"}:
        raise AnswerTestError([f"{path}: expected exactly the keys article and questions"])
    if data["article"] != path.stem:
        raise AnswerTestError([f"{path}: article '{data['article']}' does not match the file name"])
    return path.stem, check_questions(path.stem, data["questions"], str(path))


def load_answer_tests(folder: Path = ANSWER_TESTS_FOLDER) -> AnswerTests:
    """Every test file in `folder`; all problems of all files in one error."""
    tests: AnswerTests = {}
    problems: List[str] = []
    for path in sorted([*Path(folder).glob("*.yml"), *Path(folder).glob("*.yaml")]):
        try:
            article_id, questions = load_answer_test_file(path)
        except AnswerTestError as error:
            problems.extend(error.problems)
            continue
        if article_id in tests:
            problems.append(f"{path}: a second test file for article '{article_id}'")
            continue
        tests[article_id] = questions
    if problems:
        raise AnswerTestError(problems)
    return tests


def answer_tests_to_yaml(article_id: str, questions: Iterable[str]) -> str:
    return yaml.safe_dump(
        {"article": article_id, "questions": list(questions)},
        allow_unicode=True,
        sort_keys=False,
        width=100,
    )


def testing_day(article: Article, today: date) -> date:
    """Today, moved into the article's validity window when it lies outside."""
    if article.valid_from and today < article.valid_from:
        return article.valid_from
    if article.valid_until and today > article.valid_until:
        return article.valid_until
    return today


@dataclass(frozen=True)
class Outcome:
    article_id: str  # the article that must answer
    question: str
    day: date  # the day it was searched on
    got: Optional[str]  # the top hit's article, None when nothing was found
    score: float  # the top hit's score, 0 when nothing was found

    @property
    def passed(self) -> bool:
        return self.got == self.article_id and self.score >= ANSWER_THRESHOLD

    def describe(self) -> str:
        if self.got is None:
            found = "nothing found"
        elif self.got == self.article_id:
            found = f"right article but score {self.score:.2f} < {ANSWER_THRESHOLD}"
        else:
            found = f"got {self.got} ({self.score:.2f})"
        return f"{self.article_id}: \"{self.question}\" -> {found}"


@dataclass(frozen=True)
class Report:
    outcomes: Tuple[Outcome, ...]
    # Tests of articles that are not in the tested set (never published drafts).
    skipped: Tuple[str, ...]

    @property
    def failures(self) -> List[Outcome]:
        return [outcome for outcome in self.outcomes if not outcome.passed]

    @property
    def passed(self) -> bool:
        return not self.failures


def run_answer_tests(
    index: KnowledgeIndex, articles: Iterable[Article], tests: AnswerTests, today: date
) -> Report:
    """Runs every test whose article is among `articles`, the set `index` was built from."""
    by_id = {article.id: article for article in articles}
    outcomes = []
    for article_id in sorted(tests):
        article = by_id.get(article_id)
        if article is None:
            continue
        day = testing_day(article, today)
        for question in tests[article_id]:
            hits = index.search(question, today=day, limit=1)
            top = hits[0] if hits else None
            outcomes.append(
                Outcome(article_id, question, day, top.article_id if top else None, top.score if top else 0.0)
            )
    return Report(tuple(outcomes), tuple(sorted(set(tests) - set(by_id))))
