"""Trains the Rasa model only when its inputs changed.

The model file is named after a fingerprint of everything that shapes it (pipeline
config, domain, training data, the custom NLU components and the pinned packages), so a
second run, the tests and the evaluation reuse it instead of training again.
The load benchmark's stock Rasa model (commands/stock_rasa/) is cached the same way.

Rasa keeps each pipeline component's training output in a cache keyed by the training
data and the component's settings, not by its code: after a change to one of the
project's components (or the rules they read) it would hand the next training the old
output. So each version of that code gets a cache of its own (`var/rasa-cache/`).
"""
import argparse
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterable

from foundation.segmenter import build_pipeline
from foundation.settings import ROOT, VAR

MODELS = ROOT / "models"
SPACY_PIPELINE = VAR / "spacy" / "zh_jieba"
TRAINING_INPUTS = (
    "config.yml", "domain", "data", "bot/nlu", "requirements.txt",
    # The ground rules the NLU components read: scripts, numbers, cue words, words.
    "foundation/language.py", "foundation/numbers.py", "foundation/cue_words.py",
    "foundation/cue_words.yml", "foundation/segmenter.py", "foundation/userdict.txt",
    "foundation/sentence_encoder.py",
)
# What shapes the model besides the data: one Rasa training cache per version of it.
CODE_INPUTS = tuple(name for name in TRAINING_INPUTS if name not in ("domain", "data"))
RASA_CACHES = VAR / "rasa-cache"
STOCK_CONFIG = "commands/stock_rasa/config.yml"
# Rasa's own version stands for the packages: the stock model uses nothing else of ours,
# and a new development tool in requirements.txt must not cost a 20-minute training.
STOCK_INPUTS = (STOCK_CONFIG, "domain", "data")
STOCK_MODELS = MODELS / "stock"
MODELS_KEPT = 3


def _input_files(inputs: Iterable[str]) -> Iterable[Path]:
    for name in inputs:
        path = ROOT / name
        files = [path] if path.is_file() else sorted(path.rglob("*"))
        yield from (f for f in files if f.is_file() and "__pycache__" not in f.parts)


def fingerprint(inputs: Iterable[str] = TRAINING_INPUTS, salt: str = "") -> str:
    digest = hashlib.sha256(salt.encode())
    for path in _input_files(inputs):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def model_path() -> Path:
    return MODELS / f"{fingerprint()}.tar.gz"


def ensure_model(force: bool = False) -> Path:
    """Returns the model for the current inputs, training it first if needed."""
    build_pipeline(SPACY_PIPELINE)
    return _ensure(model_path(), "config.yml", "about 2-4 minutes on 2 cores", force)


def ensure_stock_model() -> Path:
    """Stock Rasa's model for the load benchmark, trained on the same domain and data."""
    from rasa import __version__ as rasa_version

    target = STOCK_MODELS / f"{fingerprint(STOCK_INPUTS, salt=rasa_version)}.tar.gz"
    return _ensure(target, STOCK_CONFIG, "stock Rasa: 45-60 minutes on 2 cores, once")


def _ensure(target: Path, config: str, how_long: str, force: bool = False) -> Path:
    """One process trains a model at a time (a lock file beside it): a second one, a
    test run started alongside say, waits and then finds the model made."""
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".training.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if target.exists() and not force:
            print(f"[train] model is up to date: {target.relative_to(ROOT)}", flush=True)
            return target
        print(f"[train] training {target.relative_to(ROOT)} (inputs changed; {how_long})",
              flush=True)
        started = time.monotonic()
        subprocess.run(
            [
                sys.executable, "-m", "rasa", "train",
                "--config", config,
                "--domain", "domain",
                "--data", "data",
                "--out", str(target.parent),
                "--fixed-model-name", target.name[: -len(".tar.gz")],
            ],
            cwd=ROOT,
            check=True,
            env={**os.environ, "RASA_CACHE_DIRECTORY": str(_rasa_cache())},
        )
        print(f"[train] trained in {time.monotonic() - started:.0f} s", flush=True)
        _remove_old_models(keep=target)
        return target


def _rasa_cache() -> Path:
    """Rasa's training cache for the current code; those of other versions are removed."""
    current = RASA_CACHES / fingerprint(CODE_INPUTS)
    for other in RASA_CACHES.glob("*"):
        if other != current:
            shutil.rmtree(other, ignore_errors=True)
    current.mkdir(parents=True, exist_ok=True)
    return current


def _remove_old_models(keep: Path) -> None:
    others = sorted(
        (m for m in keep.parent.glob("*.tar.gz") if m != keep),
        key=lambda m: m.stat().st_mtime,
        reverse=True,
    )
    for old in others[MODELS_KEPT - 1 :]:
        old.unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--force", action="store_true", help="train even if up to date")
    print(ensure_model(parser.parse_args().force))


if __name__ == "__main__":
    main()
