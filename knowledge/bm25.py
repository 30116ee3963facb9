"""BM25 over one kind of document (an article's questions, or whole articles), in flat
arrays so that scoring a query is a few vectorised additions.

BM25 depends on the query (its length, how rare its words are), so the search divides
it by the query's self-score, its BM25 against itself as a document; a word the index
has never seen counts at the highest idf, so unknown words such as 天气 pull it down.
Numbers are indexed (2027, 618) but a query's number the index has never seen (a
waybill number, a price) is ignored.
"""
import re
from array import array
from collections import Counter
from typing import Dict, List

import numpy as np

from knowledge.analysis import NGRAM_WEIGHT, is_ngram, term_weight

# Tuned on the answer tests and held-out article questions.
K1 = 2.0
B = 0.75

_DIGIT = re.compile(r"[0-9]")


class Postings:
    """One field's documents, collected compactly while the articles are analysed."""

    def __init__(self):
        self.vocabulary: Dict[str, int] = {}
        self.cells, self.lengths, self.distinct_terms = array("q"), array("q"), array("q")
        self.term_ids, self.frequencies = array("q"), array("q")

    def add(self, cell: int, terms: List[str]) -> None:
        counts = Counter(terms)
        self.cells.append(cell)
        self.lengths.append(max(len(terms), 1))
        self.distinct_terms.append(len(counts))
        for term, count in counts.items():
            self.term_ids.append(self.vocabulary.setdefault(term, len(self.vocabulary)))
            self.frequencies.append(count)


class BM25Field:
    """BM25 over one kind of document. All terms' postings sit in two flat arrays (a
    term owns one slice); each document scores into its cell of the result."""

    def __init__(self, postings: Postings, cell_count: int):
        self.cell_count = cell_count
        self.vocabulary = postings.vocabulary
        self.document_count = len(postings.cells)
        lengths = np.array(postings.lengths, dtype=np.float64)
        self.average_length = float(lengths.mean()) if self.document_count else 1.0

        term_ids = np.array(postings.term_ids, dtype=np.int64)
        order = np.argsort(term_ids, kind="stable")
        term_of_posting = term_ids[order]
        posting_document = np.repeat(np.arange(self.document_count), postings.distinct_terms)[order]
        self.posting_cells = np.array(postings.cells, dtype=np.int32)[posting_document]
        document_frequency = np.bincount(term_of_posting, minlength=len(self.vocabulary))
        self.offsets = np.concatenate([[0], np.cumsum(document_frequency)]).tolist()

        ngrams = np.array([is_ngram(term) for term in self.vocabulary], dtype=bool)
        self.term_weights = self._idf(document_frequency) * np.where(ngrams, NGRAM_WEIGHT, 1.0)
        self.unknown_weight = float(self._idf(np.zeros(1))[0])
        frequency = np.array(postings.frequencies, dtype=np.float64)[order]
        length = lengths[posting_document]
        length_norm = K1 * (1 - B + B * length / self.average_length)
        saturation = frequency * (K1 + 1) / (frequency + length_norm)
        self.posting_weights = (self.term_weights[term_of_posting] * saturation).astype(np.float32)

    def _idf(self, document_frequency: np.ndarray) -> np.ndarray:
        rest = self.document_count - document_frequency
        return np.log(1 + (rest + 0.5) / (document_frequency + 0.5))

    def self_score(self, terms: List[str]) -> float:
        """BM25 of the query against itself as a document; a term the index has
        never seen weighs as much as the rarest possible."""
        length_norm = K1 * (1 - B + B * len(terms) / self.average_length)
        score = 0.0
        for term, count in Counter(terms).items():
            known = self.vocabulary.get(term)
            if known is not None:
                weight = self.term_weights[known]
            elif _DIGIT.search(term):
                continue  # a waybill number or a price: says nothing about the topic
            else:
                weight = self.unknown_weight * term_weight(term)
            score += weight * count * (K1 + 1) / (count + length_norm)
        return float(score)

    def scores(self, terms: List[str]) -> np.ndarray:
        scores = np.zeros(self.cell_count, dtype=np.float32)
        for term in set(terms):
            known = self.vocabulary.get(term)
            if known is not None:
                start, end = self.offsets[known], self.offsets[known + 1]
                scores[self.posting_cells[start:end]] += self.posting_weights[start:end]
        return scores
