"""Finds the knowledge-base article that answers a customer's question, and how sure
that is (one score, 0..1).

Method: two lexical fields and one dense one, per language (zh, en), each language
with its own statistics; text becomes terms in knowledge/analysis.py.

- questions (BM25, knowledge/bm25.py): every question of an article is a document,
  and so are its title and its tags; the article takes its best document.
- articles (BM25): one document per article, its questions, title, tags and web
  answer together, for queries whose words are spread over several questions or only
  found in the answer; weighted ARTICLE_FIELD_WEIGHT.
- meaning (dense, knowledge/embeddings.py): cosine between the query and the centroid
  of the article's questions and title; it finds paraphrases that share few words.
  Weighted SIMILARITY_WEIGHT; it re-ranks the DENSE_CANDIDATES best lexical
  candidates. Embedding the query is most of a search's time (about 3 ms on one core).

Ranking: the lexical part is divided by the query's self-score (its BM25 against
itself as a document). Per article:

  coverage   = (best question BM25 + ARTICLE_FIELD_WEIGHT * article BM25) / self-score
  similarity = cosine of the query to the article's centroid
  relevance  = coverage + SIMILARITY_WEIGHT * similarity     (articles ranked by it)

Off topic (knowledge/off_topic.py): a query closer to one of the NLU's out-of-scope
examples than to any question of the article found is likely off topic:

  off_topic = cosine of the query to its nearest out-of-scope example
  question  = cosine of the query to the hit's nearest question

Calibration: a hit's score is the estimated chance that it answers the question,

  margin = relevance - the best other article's relevance
  score  = 1 / (1 + exp(-(CALIBRATION_SIMILARITY * similarity + CALIBRATION_MARGIN * margin
                          + CALIBRATION_OFF_TOPIC * off_topic + CALIBRATION_QUESTION * question
                          + CALIBRATION_BIAS)))

a logistic regression fitted by `python -m knowledge.evaluate --calibrate` on whether
the top hit was right: article questions searched with their own copy left out of the
index (5 folds), the answer tests, and off-topic questions (never right) searched with
their own copy left out of the out-of-scope examples (5 folds). Coverage adds nothing
there once the margin is known. `ANSWER_THRESHOLD` is the one cut between "answer" and
"not sure", chosen on the project's held-out questions (`tests/heldout/kb.tsv` and
`kb_offtopic.tsv`); `--calibrate` prints what each cut costs.
"""
import math
from dataclasses import dataclass
from datetime import date
from typing import Dict, Iterable, List, Optional, Tuple

import numpy as np

from foundation.language import normalise
from knowledge.analysis import EN, LANGUAGE_OF_TAG, ZH, Analyser, load_synonyms
from knowledge.article import PUBLISHED, Article
from knowledge.bm25 import BM25Field, Postings
from knowledge.embeddings import centroids, embed
from knowledge.off_topic import load_off_topic, off_topic_vectors

ANSWER_THRESHOLD = 0.5
# Fitted by `python -m knowledge.evaluate --calibrate`.
CALIBRATION_SIMILARITY = 5.80
CALIBRATION_MARGIN = 7.81
CALIBRATION_OFF_TOPIC = -8.76
CALIBRATION_QUESTION = 5.12
CALIBRATION_BIAS = -2.77

# Ranking, tuned on the answer tests and held-out article questions.
ARTICLE_FIELD_WEIGHT = 2.0
SIMILARITY_WEIGHT = 0.75
DENSE_CANDIDATES = 100


@dataclass(frozen=True)
class Hit:
    article_id: str
    score: float  # calibrated 0..1; answer when >= ANSWER_THRESHOLD
    matched_question: str



class _LanguageIndex:
    """The fields of one language.

    Question scores form a grid of (question slot, article): document j of article i
    is cell j * article_count + i, so every article's best document is one vectorised
    max down the columns (a reduceat over ragged articles is 30 times slower)."""

    def __init__(
        self,
        articles: List[Article],
        language: str,
        analyser: Analyser,
        tag_terms: List[List[str]],
        centroids: np.ndarray,
        question_vectors: List[np.ndarray],
        off_topic: np.ndarray,
    ):
        self.article_count = len(articles)
        self.off_topic = off_topic
        # Each article's questions embedded (half precision, shared with the centroid
        # cache): how close the query comes to a hit's nearest question, against the
        # nearest off-topic example.
        self.question_vectors = question_vectors
        # Every question, the title, and the tags (shown as the title when matched).
        self.texts = [
            [*article.questions[language], article.title[language], article.title[language]]
            for article in articles
        ]
        self.slots = max((len(texts) for texts in self.texts), default=1)
        questions, whole_articles = Postings(), Postings()
        for position, (article, texts, tags) in enumerate(zip(articles, self.texts, tag_terms)):
            documents = [analyser.indexed_terms(text) for text in texts[:-1]] + [tags]
            for slot, terms in enumerate(documents):
                questions.add(slot * self.article_count + position, terms)
            answer = analyser.indexed_terms(article.answer[language].web)
            whole_articles.add(position, [term for terms in documents for term in terms] + answer)
        self.questions = BM25Field(questions, self.slots * self.article_count)
        self.articles = BM25Field(whole_articles, self.article_count)
        self.centroids = centroids

    def nearest_off_topic(self, query: np.ndarray) -> float:
        """Cosine of the query to its nearest out-of-scope example (0 without any)."""
        if not len(self.off_topic):
            return 0.0
        # einsum, like the products below, stays off BLAS and its second thread.
        return float(np.einsum("ij,j->i", self.off_topic, query).max())

    def nearest_question(self, position: int, query: np.ndarray) -> Optional[float]:
        """Cosine of the query to the article's nearest question (None without any)."""
        rows = self.question_vectors[position]
        return float(np.einsum("ij,j->i", rows, query).max()) if len(rows) else None

    def self_score(self, terms: List[str]) -> float:
        whole = self.articles.self_score(terms)
        return self.questions.self_score(terms) + ARTICLE_FIELD_WEIGHT * whole

    def lexical_scores(self, terms: List[str]) -> Tuple[np.ndarray, np.ndarray]:
        """Every article's BM25, and the (question slot, article) grid of question BM25."""
        grid = self.questions.scores(terms).reshape(self.slots, self.article_count)
        return grid.max(axis=0) + ARTICLE_FIELD_WEIGHT * self.articles.scores(terms), grid


class KnowledgeIndex:
    """Every article, searchable on any date: drafts and articles outside their
    validity window are filtered out at each search."""

    def __init__(
        self, articles: List[Article], analyser: Analyser, indexes: Dict[str, _LanguageIndex]
    ):
        self._articles = articles
        self._analyser = analyser
        self._indexes = indexes
        self._published = np.array([article.status == PUBLISHED for article in articles])
        self._valid_from = np.array(
            [(article.valid_from or date.min).toordinal() for article in articles],
            dtype=np.int64,
        )
        self._valid_until = np.array(
            [(article.valid_until or date.max).toordinal() for article in articles],
            dtype=np.int64,
        )

    @classmethod
    def build(
        cls,
        articles: Iterable[Article],
        synonym_groups: Optional[List[List[str]]] = None,
        off_topic: Optional[List[str]] = None,
    ) -> "KnowledgeIndex":
        """Indexes every article; drafts and expired ones are filtered at search time,
        so one index serves any date. `off_topic`: questions no article answers (by
        default the NLU's out-of-scope examples)."""
        articles = list(articles)
        ids = [article.id for article in articles]
        if len(set(ids)) != len(ids):
            raise ValueError("article ids must be unique")
        analyser = Analyser(load_synonyms() if synonym_groups is None else synonym_groups)
        tag_terms = [analyser.indexed_terms(" ".join(article.tags)) for article in articles]
        centroid_vectors, question_vectors = centroids(articles)
        off_topic_by_language = off_topic_vectors(load_off_topic() if off_topic is None else off_topic)
        indexes = {
            language: _LanguageIndex(
                articles, language, analyser, tag_terms, centroid_vectors[language],
                question_vectors[language], off_topic_by_language[language],
            )
            for language in (ZH, EN)
        }
        return cls(articles, analyser, indexes)

    def search(
        self,
        text: str,
        language: Optional[str] = None,
        today: Optional[date] = None,
        limit: int = 3,
    ) -> List[Hit]:
        """Best servable articles for `text`, best first, at most `limit`.

        `language` is zh/en or a normaliser tag (zh-Hans, zh-Hant, en); by default the
        language `text` is written in. No language (only digits or emoji), or no word
        that is not a stop word: no hits."""
        return [
            Hit(candidate.article_id, candidate.score, candidate.matched_question)
            for candidate in self.rank(text, language, today, limit)
        ]

    def rank(
        self,
        text: str,
        language: Optional[str] = None,
        today: Optional[date] = None,
        limit: int = 3,
    ) -> List["Candidate"]:
        """`search` with the features each score was computed from."""
        folded, detected = normalise(text)
        index = self._indexes.get(LANGUAGE_OF_TAG.get(language or detected, ""))
        if index is None or limit <= 0 or not self._articles:
            return []
        terms = self._analyser.terms(folded)
        self_score = index.self_score(terms)
        if self_score <= 0:
            return []
        lexical, question_scores = index.lexical_scores(terms)
        day = (today or date.today()).toordinal()
        in_window = (self._valid_from <= day) & (day <= self._valid_until)
        positions = np.flatnonzero(self._published & in_window)
        if len(positions) == 0:
            return []
        coverage = lexical[positions] / self_score
        # Meaning re-ranks the best lexical candidates only: with thousands of articles
        # a product with every centroid would cost as much as the rest of the search.
        if len(positions) > DENSE_CANDIDATES:
            pool = np.argpartition(-coverage, DENSE_CANDIDATES - 1)[:DENSE_CANDIDATES]
            positions, coverage = positions[pool], coverage[pool]
        # Multiply and sum rather than `@`: a BLAS call here would wake OpenBLAS's
        # second thread, which then spins on the other core after every search.
        query = embed([folded])[0]
        similarity = (index.centroids[positions] * query).sum(axis=1)
        relevance = coverage + SIMILARITY_WEIGHT * similarity
        off_topic = index.nearest_off_topic(query)

        # One more than asked for: the top hit's margin is over the runner-up.
        order = np.argsort(-relevance, kind="stable")[: limit + 1]
        top = [
            (int(positions[row]), float(relevance[row]), float(similarity[row])) for row in order
        ]
        candidates = []
        ceiling = 1.0
        for rank, (position, hit_relevance, hit_similarity) in enumerate(top[:limit]):
            rival = top[0][1] if rank else top[1][1] if len(top) > 1 else 0.0
            column = question_scores[:, position]
            # Found by meaning alone: the title says best what was matched.
            matched = int(np.argmax(column)) if column.max() > 0 else len(index.texts[position]) - 1
            nearest_question = index.nearest_question(position, query)
            if nearest_question is None:
                nearest_question = hit_similarity
            features = (hit_similarity, hit_relevance - rival, off_topic, nearest_question)
            # A lower-ranked hit with a closer centroid could otherwise outscore the one above.
            ceiling = min(ceiling, calibrated_score(*features))
            candidates.append(
                Candidate(
                    self._articles[position].id, ceiling, *features,
                    matched_question=index.texts[position][matched],
                )
            )
        return candidates


@dataclass(frozen=True)
class Candidate:
    """A hit with the features its score was calibrated from."""

    article_id: str
    score: float
    similarity: float
    margin: float
    off_topic: float  # cosine of the query to the nearest off-topic example
    nearest_question: float  # cosine of the query to the hit's nearest question
    matched_question: str


def calibrated_score(similarity: float, margin: float, off_topic: float, nearest_question: float) -> float:
    logit = (CALIBRATION_SIMILARITY * similarity + CALIBRATION_MARGIN * margin
             + CALIBRATION_OFF_TOPIC * off_topic + CALIBRATION_QUESTION * nearest_question
             + CALIBRATION_BIAS)
    return 1.0 / (1.0 + math.exp(-logit))
