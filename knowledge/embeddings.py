"""Meaning for the search: the multilingual sentence encoder the NLU pipeline already
uses (foundation/sentence_encoder.py), and the vectors kept between index builds.

Embedding is most of a build (about 1 ms a question), so each article's vectors are
kept by the texts they were computed from: a reload after an edit embeds only the
edited articles. Each build keeps just the entries it uses, so the cache stays
bounded; the lock keeps two builds in different threads from pruning each other's.
An entry: the unit centroid of the questions and title, and the questions' vectors
in half precision (a cosine needs no more, and it halves the memory).
"""
import threading
from typing import Dict, List, Tuple

import numpy as np

from foundation.language import normalise
from foundation.sentence_encoder import DIMENSIONS as EMBEDDING_SIZE, encode as embed
from knowledge.analysis import EN, ZH
from knowledge.article import Article

CENTROID_CHUNK = 256

_centroid_cache: Dict[Tuple[str, ...], Tuple[np.ndarray, np.ndarray]] = {}
_centroid_lock = threading.Lock()
_off_topic_cache: Dict[str, np.ndarray] = {}


def embedded_off_topic(texts: List[str]) -> np.ndarray:
    """Unit vectors of normalised off-topic texts, one row each; kept by text (the list
    is the NLU's out-of-scope examples, so bounded), so a reload embeds none again."""
    with _centroid_lock:
        missing = [text for text in dict.fromkeys(texts) if text not in _off_topic_cache]
        for chunk in range(0, len(missing), CENTROID_CHUNK):
            texts_now = missing[chunk : chunk + CENTROID_CHUNK]
            _off_topic_cache.update(zip(texts_now, embed(texts_now)))
        return np.array([_off_topic_cache[text] for text in texts], dtype=np.float32).reshape(-1, EMBEDDING_SIZE)


def _centroid_texts(article: Article, language: str) -> Tuple[str, ...]:
    return (*article.questions[language], article.title[language])


def centroids(articles: List[Article]) -> Tuple[Dict[str, np.ndarray], Dict[str, List[np.ndarray]]]:
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
        centroid_vectors = {
            language: np.array([_centroid_cache[key][0] for key in language_keys], dtype=np.float32)
            .reshape(-1, EMBEDDING_SIZE)
            for language, language_keys in keys.items()
        }
        questions = {language: [_centroid_cache[key][1] for key in language_keys]
                     for language, language_keys in keys.items()}
        return centroid_vectors, questions
