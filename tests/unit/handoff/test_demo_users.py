"""The demo teams (handoff/demo_users.py): their passwords are shown to the process that
makes them and kept nowhere in clear."""
import subprocess
import sys

from foundation.settings import ROOT
from foundation.staff.auth import User, hash_password, load_users, save_user, verify_password
from handoff.demo_users import HANDOFF_TEAM, KNOWLEDGE_TEAM, ensure_demo_users


def test_the_demo_passwords_are_in_no_file_in_clear(tmp_path):
    passwords = ensure_demo_users(tmp_path / "handoff-users.yml", HANDOFF_TEAM)
    passwords.update(ensure_demo_users(tmp_path / "knowledge-users.yml", KNOWLEDGE_TEAM))
    assert set(passwords) == {user for user, _, _ in HANDOFF_TEAM + KNOWLEDGE_TEAM}
    for path in (p for p in tmp_path.rglob("*") if p.is_file()):
        content = path.read_bytes()
        assert not [user for user, password in passwords.items() if password.encode() in content], path
    # They do open the accounts they were made for.
    users = load_users(tmp_path / "handoff-users.yml")
    assert all(verify_password(passwords[user], users[user].password_hash) for user in users)


def test_the_process_that_made_the_team_gets_the_passwords_again(tmp_path):
    made = ensure_demo_users(tmp_path / "handoff-users.yml")
    assert ensure_demo_users(tmp_path / "handoff-users.yml") == made


def test_another_process_cannot_get_the_passwords(tmp_path):
    users_file = tmp_path / "handoff-users.yml"
    ensure_demo_users(users_file)
    later_start = subprocess.run(
        [sys.executable, "-c",
         "import sys; from pathlib import Path; from handoff.demo_users import ensure_demo_users; "
         "print(ensure_demo_users(Path(sys.argv[1])))", str(users_file)],
        cwd=ROOT, capture_output=True, text=True, check=True,
    )
    assert later_start.stdout.strip() == "{}"


def test_the_clear_text_passwords_file_of_earlier_versions_is_handed_out_once_and_deleted(tmp_path):
    # A checkout started by an earlier version: its team, and the passwords beside it.
    users_file = tmp_path / "handoff-users.yml"
    save_user(users_file, User("agent1", "小王", "agent", hash_password("old-pw", iterations=1000)))
    legacy = tmp_path / "handoff-users-passwords.txt"
    legacy.write_text("agent1:old-pw\n")
    assert ensure_demo_users(users_file) == {"agent1": "old-pw"}
    assert not legacy.exists()
