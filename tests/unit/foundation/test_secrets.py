"""Shared secrets kept in var/secrets (foundation/secrets.py)."""
import stat
import threading

import pytest

from foundation.secrets import secrets_dir, stored_secret


def test_a_secret_is_made_once_and_then_read_back(tmp_path):
    first = stored_secret(tmp_path, "HANDOFF_SECRET")
    assert len(first) >= 32
    assert stored_secret(tmp_path, "HANDOFF_SECRET") == first
    assert stored_secret(tmp_path, "KNOWLEDGE_SECRET") != first


def test_a_kept_secret_is_readable_by_its_owner_only(tmp_path):
    stored_secret(tmp_path, "REST_APP_TOKEN")
    assert stat.S_IMODE((secrets_dir(tmp_path) / "REST_APP_TOKEN").stat().st_mode) == 0o600
    assert stat.S_IMODE(secrets_dir(tmp_path).stat().st_mode) & 0o077 == 0
    # No half-written draft is left beside it.
    assert [p.name for p in secrets_dir(tmp_path).iterdir()] == ["REST_APP_TOKEN"]


def test_processes_starting_together_agree_on_one_secret(tmp_path):
    values = []
    threads = [threading.Thread(target=lambda: values.append(stored_secret(tmp_path, "ACTION_SERVER_TOKEN")))
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(values) == 8 and len(set(values)) == 1


def test_an_emptied_secret_file_is_refused_rather_than_signing_with_nothing(tmp_path):
    stored_secret(tmp_path, "HANDOFF_SECRET")
    (secrets_dir(tmp_path) / "HANDOFF_SECRET").write_text("\n")
    with pytest.raises(ValueError, match="empty"):
        stored_secret(tmp_path, "HANDOFF_SECRET")
