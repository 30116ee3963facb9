"""The demo teams `make run` logs in with, made on the first start of a fresh checkout:
agents and a supervisor for the handoff service, an editor and a reviewer for the
knowledge editor.

Passwords are random per checkout, printed at every start and kept, readable by the
owner only, beside the users file. Production sets HANDOFF_USERS_FILE and
KNOWLEDGE_USERS_FILE to its own files (python -m foundation.staff.auth add-user) and no demo
users are made.
"""
import os
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


def passwords_file(users_file: Path) -> Path:
    return users_file.with_name(users_file.stem + "-passwords.txt")


def ensure_demo_users(users_file: Path, team: Tuple[Tuple[str, str, str], ...] = HANDOFF_TEAM
                      ) -> Dict[str, str]:
    """Creates `team` when `users_file` does not exist; returns {user: password} of the
    demo team (also when it was made before), or {} for a team of one's own."""
    secret_file = passwords_file(users_file)
    if users_file.exists():
        if not secret_file.exists():
            return {}
        lines = secret_file.read_text(encoding="utf-8").split()
        return dict(line.split(":", 1) for line in lines)
    passwords = {user_id: secrets.token_urlsafe(9) for user_id, _, _ in team}
    for user_id, name, role in team:
        skills = ALL_SKILLS if role == "agent" else []
        save_user(users_file, User(user_id, name, role, hash_password(passwords[user_id]), skills))
    secret_file.write_text("".join(f"{u}:{p}\n" for u, p in passwords.items()), encoding="utf-8")
    os.chmod(secret_file, 0o600)
    return passwords
