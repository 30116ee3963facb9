"""The demo teams `make run` logs in with, made on the first start of a fresh checkout:
agents and a supervisor for the handoff service, an editor and a reviewer for the
knowledge editor.

Passwords are random per checkout and are nowhere kept in clear: the process that makes
a team gets them back (the launcher prints them once), and the users file holds only
their hashes. A forgotten one is replaced with `python -m foundation.staff.auth
add-user`. Production sets HANDOFF_USERS_FILE and KNOWLEDGE_USERS_FILE to its own files
and no demo users are made.
"""
import secrets
from pathlib import Path
from typing import Dict, Tuple

from foundation.staff.auth import User, hash_password, save_user

ALL_SKILLS = ["tracking", "returns", "complaints", "general"]
HANDOFF_TEAM = (
    ("agent1", "小王", "agent"),
    ("agent2", "小李", "agent"),
    ("supervisor", "陈主管", "supervisor"),
)
KNOWLEDGE_TEAM = (
    ("editor1", "周编辑", "editor"),
    ("reviewer1", "吴审核", "reviewer"),
)

# {users file: {user: password}} of the teams this process made, so that a later call
# in the same process (the tests' fixtures) gets them too; no other process can.
_made_here: Dict[Path, Dict[str, str]] = {}


def ensure_demo_users(users_file: Path, team: Tuple[Tuple[str, str, str], ...] = HANDOFF_TEAM
                      ) -> Dict[str, str]:
    """Creates `team` when `users_file` does not exist and returns {user: password};
    returns the same to later calls in this process, and {} in any other process or for
    a team of one's own. The clear-text passwords file of earlier versions is deleted,
    its passwords returned this last time."""
    key = users_file.resolve()
    legacy = users_file.with_name(users_file.stem + "-passwords.txt")
    if legacy.exists():
        # Earlier versions kept the passwords here in clear: handed out one last time
        # and deleted.
        _made_here[key] = dict(line.split(":", 1) for line in legacy.read_text(encoding="utf-8").split())
        legacy.unlink()
    if users_file.exists():
        return dict(_made_here.get(key, {}))
    passwords = {user_id: secrets.token_urlsafe(9) for user_id, _, _ in team}
    for user_id, name, role in team:
        skills = ALL_SKILLS if role == "agent" else []
        save_user(users_file, User(user_id, name, role, hash_password(passwords[user_id]), skills))
    _made_here[key] = passwords
    return dict(passwords)
