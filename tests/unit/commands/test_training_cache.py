"""Rasa's training cache is kept per version of the project's model code, since Rasa
keys it by data and settings only and would reuse a changed component's old output."""
import pytest

from commands import training

pytestmark = pytest.mark.unit


def test_each_version_of_the_code_trains_with_a_cache_of_its_own(tmp_path, monkeypatch):
    monkeypatch.setattr(training, "RASA_CACHES", tmp_path)
    stale = tmp_path / "0123456789abcdef"
    stale.mkdir()

    cache = training._rasa_cache()

    assert cache.name == training.fingerprint(training.CODE_INPUTS)
    assert cache.is_dir() and not stale.exists()


def test_the_code_of_the_pipeline_components_and_their_rules_is_part_of_the_key():
    assert {"bot/nlu", "config.yml", "foundation/cue_words.yml"} <= set(training.CODE_INPUTS)
    assert "data" not in training.CODE_INPUTS
