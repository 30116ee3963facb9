"""Text to search terms, the same for articles and queries.

`normalise` (full-width folding, Traditional to Simplified), lower case, the shared
jieba segmentation with the courier dictionary, light stemming of English words,
synonym groups from `synonyms.yml` (each member read as the group's first word,
phrases matched as token sequences), stop words dropped. Chinese additionally gets
character 2- and 3-grams over each run of Chinese words, weighted lower than words,
so that differently segmented phrasings still meet.
"""
import re
from functools import lru_cache
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import jieba
import yaml

from foundation.language import ENGLISH, SIMPLIFIED, TRADITIONAL, normalise
from foundation.segmenter import load_domain_dictionary

SYNONYMS_FILE = Path(__file__).with_name("synonyms.yml")

# Character n-grams back up the words; weighted like words they would reward shared
# function characters.
NGRAM_WEIGHT = 0.2
NGRAM_SIZES = (2, 3)
NGRAM_PREFIX = "~"

# The index has one part per language; a normaliser's tag says which serves a text.
ZH = "zh"
EN = "en"
LANGUAGE_OF_TAG = {ZH: ZH, SIMPLIFIED: ZH, TRADITIONAL: ZH, EN: EN, ENGLISH: EN}

_CJK = re.compile(r"^[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+$")
_LATIN = re.compile(r"^[a-z]+$")
_WORD = re.compile(r"[0-9a-z\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")

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


# Segmenting is most of an index rebuild, and a rebuild after one publication
# re-analyses thousands of unchanged texts: the tokens are kept by text (bounded).
SEGMENTED_TEXTS_KEPT = 100_000


def load_synonyms(path: Path = SYNONYMS_FILE) -> List[List[str]]:
    path = Path(path)
    status = path.stat()
    version = (status.st_mtime_ns, status.st_size, status.st_ino)
    return [list(group) for group in _read_synonyms(path, version)]


@lru_cache(maxsize=4)
def _read_synonyms(path: Path, version: Tuple[int, int, int]) -> Tuple[Tuple[str, ...], ...]:
    """Read once per version of the file: every publication rebuilds the index."""
    groups = yaml.safe_load(path.read_text(encoding="utf-8")) or []
    if not all(isinstance(group, list) and len(group) >= 2 for group in groups):
        raise ValueError(f"{path}: every synonym group must be a list of two or more words")
    return tuple(tuple(str(word) for word in group) for group in groups)


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
        return self._terms(list(_segment(text)))

    def indexed_terms(self, text: str) -> List[str]:
        """`terms` of an article's text: its segmentation is kept for the next rebuild
        (customers' queries are not kept, so they neither push articles' texts out
        nor stay in memory)."""
        return self._terms(list(_kept_segmentation(text)))

    def _terms(self, tokens: List[str]) -> List[str]:
        words: List[str] = []
        grams: List[str] = []
        run: List[str] = []
        for word in self._words(tokens):
            if word is not None:
                words.append(word)
            if word is not None and _CJK.match(word):
                run.append(word)
            else:
                grams.extend(_ngrams("".join(run)))
                run = []
        grams.extend(_ngrams("".join(run)))
        return words + grams

    @staticmethod
    def _tokens(synonym: str) -> List[str]:
        return list(_kept_segmentation(synonym))

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


def _segment(text: str) -> Tuple[str, ...]:
    """Normalised, lower-cased, segmented by jieba (with the courier dictionary, loaded
    by every Analyser before its first text), English words stemmed; marks dropped."""
    folded, _ = normalise(text)
    tokens = []
    for token in jieba.lcut(folded.lower()):
        if not _WORD.search(token):
            continue
        # Stop words stay unstemmed so that "does" is still recognised as one.
        stemmed = _LATIN.match(token) and token not in STOP_WORDS
        tokens.append(stem(token) if stemmed else token)
    return tuple(tokens)


_kept_segmentation = lru_cache(maxsize=SEGMENTED_TEXTS_KEPT)(_segment)


def _ngrams(run: str) -> List[str]:
    return [
        NGRAM_PREFIX + run[start : start + size]
        for size in NGRAM_SIZES
        for start in range(len(run) - size + 1)
    ]


def is_ngram(term: str) -> bool:
    return term.startswith(NGRAM_PREFIX)


def term_weight(term: str) -> float:
    return NGRAM_WEIGHT if is_ngram(term) else 1.0
