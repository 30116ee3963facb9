"""Who may use the agent service: the users file, passwords, login tokens, throttling.

The users file (YAML, HANDOFF_USERS_FILE) lists every agent and supervisor (the
knowledge editor's file, KNOWLEDGE_USERS_FILE, has the same format with the roles
editor and reviewer):

    users:
      - id: ana                     # what they log in with
        name: Ana Li                # shown to colleagues and to customers
        role: agent                 # agent | supervisor
        skills: [tracking, general] # skill groups of handoff/queue.py (agents)
        capacity: 3                 # conversations at once (agents)
        password_hash: pbkdf2_sha256$600000$<salt>$<hash>

A password hash is `pbkdf2_sha256$<iterations>$<salt>$<hash>`: PBKDF2-HMAC-SHA256
(hashlib) of the UTF-8 password, salt and hash in unpadded URL-safe base64, the salt
16 random bytes, the hash 32 bytes. The iterations are stored with each hash, so they
can be raised later without invalidating the old ones.

A login token is `<payload>.<signature>`: the payload the URL-safe base64 of
`{"sub": user id, "role": role, "exp": epoch seconds}`, the signature the URL-safe
base64 of its HMAC-SHA256 under HANDOFF_SECRET. It is valid for TOKEN_SECONDS.

Add a user (the password is read from stdin, or generated and printed when none):

    python -m foundation.staff.auth add-user var/handoff-users.yml ana --name "Ana Li" \\
        --role agent --skills tracking,general --capacity 3
"""
import argparse
import base64
import getpass
import hashlib
import hmac
import json
import secrets
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import yaml

ROLES = ("agent", "supervisor")
# The knowledge editor service reads the same file format with its own roles.
EDITOR_ROLES = ("editor", "reviewer")
TOKEN_SECONDS = 12 * 3600
# OWASP's 2023 recommendation for PBKDF2-HMAC-SHA256.
DEFAULT_ITERATIONS = 600_000
_SCHEME = "pbkdf2_sha256"



@dataclass(frozen=True)
class User:
    id: str
    name: str
    role: str
    password_hash: str
    skills: List[str] = field(default_factory=list)
    capacity: Optional[int] = None  # None: the queue's default (HANDOFF_AGENT_CAPACITY)

    @property
    def is_supervisor(self) -> bool:
        return self.role == "supervisor"

    def public(self) -> dict:
        """What the API shows of a user: everything but the password hash."""
        return {
            "id": self.id,
            "name": self.name,
            "role": self.role,
            "skills": list(self.skills),
            "capacity": self.capacity,
        }


class InvalidToken(Exception):
    pass


@dataclass(frozen=True)
class TokenClaims:
    user_id: str
    role: str
    expires_at: int


# Passwords


def hash_password(password: str, iterations: int = DEFAULT_ITERATIONS) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.pbkdf2_hmac("sha256", password.encode("utf-8"), salt, iterations)
    return f"{_SCHEME}${iterations}${_b64encode(salt)}${_b64encode(digest)}"


def verify_password(password: str, password_hash: str) -> bool:
    """Takes as long as the stored iterations say: call it off the event loop."""
    try:
        scheme, iterations, salt, expected = password_hash.split("$")
        if scheme != _SCHEME:
            return False
        digest = hashlib.pbkdf2_hmac(
            "sha256", password.encode("utf-8"), _b64decode(salt), int(iterations)
        )
    except ValueError:  # a malformed hash in the users file matches no password
        return False
    return hmac.compare_digest(digest, _b64decode(expected))


# The users file


def load_users(path: Path, roles: Tuple[str, ...] = ROLES) -> Dict[str, User]:
    """The users by id; a missing file means no users (nobody can log in).

    `roles` are the ones this service knows: the knowledge editor service uses the
    same file format with its own roles (editor, reviewer).
    """
    if not path.exists():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    users = {}
    for entry in data.get("users") or []:
        user = User(
            id=str(entry["id"]),
            name=str(entry.get("name") or entry["id"]),
            role=entry.get("role", "agent"),
            password_hash=entry["password_hash"],
            skills=[str(skill) for skill in entry.get("skills") or []],
            capacity=entry.get("capacity"),
        )
        if user.role not in roles:
            raise ValueError(f"{path}: user {user.id!r} has role {user.role!r}; roles: {roles}")
        if user.id in users:
            raise ValueError(f"{path}: user {user.id!r} is listed twice")
        users[user.id] = user
    return users


def save_user(path: Path, user: User) -> None:
    """Adds the user to the file, or replaces the one with the same id. The file is
    rewritten, so comments in it are not kept."""
    data = {"users": []}
    if path.exists():
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or data
    entries = [entry for entry in data.get("users") or [] if str(entry["id"]) != user.id]
    entry = {"id": user.id, "name": user.name, "role": user.role}
    if user.skills:
        entry["skills"] = list(user.skills)
    if user.capacity is not None:
        entry["capacity"] = user.capacity
    entry["password_hash"] = user.password_hash
    entries.append(entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        yaml.safe_dump({"users": entries}, allow_unicode=True, sort_keys=False),
        encoding="utf-8",
    )


# Tokens


class TokenSigner:
    def __init__(self, secret: str) -> None:
        self._key = secret.encode("utf-8")

    def issue(self, user: User, now: Optional[float] = None) -> Tuple[str, TokenClaims]:
        """A new token for the user, and what it says."""
        now = time.time() if now is None else now
        claims = TokenClaims(user.id, user.role, int(now) + TOKEN_SECONDS)
        payload = _b64encode(
            json.dumps(
                {"sub": claims.user_id, "role": claims.role, "exp": claims.expires_at},
                separators=(",", ":"),
            ).encode("utf-8")
        )
        return f"{payload}.{self._sign(payload)}", claims

    def verify(self, token: str, now: Optional[float] = None) -> TokenClaims:
        """The token's claims; InvalidToken when forged, malformed or expired."""
        # Tokens are base64 text; anything else cannot be signed or compared as one.
        if not token.isascii():
            raise InvalidToken("The token is not valid; log in again.")
        payload, _, signature = token.partition(".")
        if not signature or not hmac.compare_digest(signature, self._sign(payload)):
            raise InvalidToken("The token is not valid; log in again.")
        try:
            fields = json.loads(_b64decode(payload))
            claims = TokenClaims(str(fields["sub"]), str(fields["role"]), int(fields["exp"]))
        except (ValueError, KeyError, TypeError):
            raise InvalidToken("The token is not valid; log in again.")
        if claims.expires_at <= (time.time() if now is None else now):
            raise InvalidToken("The token has expired; log in again.")
        return claims

    def _sign(self, payload: str) -> str:
        return _b64encode(hmac.new(self._key, payload.encode("ascii"), hashlib.sha256).digest())


def _b64encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# Command line


def _read_password() -> Optional[str]:
    """A typed password (not echoed) or the first line piped in; None for none."""
    if sys.stdin.isatty():
        password = getpass.getpass("Password (empty to generate one): ")
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    return password or None


def add_user(arguments: argparse.Namespace) -> None:
    skills = [skill.strip() for skill in arguments.skills.split(",") if skill.strip()]
    password = _read_password()
    generated = password is None
    if generated:
        password = secrets.token_urlsafe(12)
    save_user(
        Path(arguments.file),
        User(
            id=arguments.id,
            name=arguments.name or arguments.id,
            role=arguments.role,
            password_hash=hash_password(password),
            skills=skills,
            capacity=arguments.capacity,
        ),
    )
    print(f"Saved {arguments.role} {arguments.id!r} in {arguments.file}.")
    if generated:
        print(f"Generated password: {password}")


def main(argv: Optional[List[str]] = None) -> None:
    parser = argparse.ArgumentParser(
        prog="python -m foundation.staff.auth", description="Manage the handoff service's users file."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser(
        "add-user", help="add or replace a user; the password is read from stdin"
    )
    add.add_argument("file", help="the users file, e.g. var/handoff-users.yml")
    add.add_argument("id", help="the login name")
    add.add_argument("--name", help="display name (default: the id)")
    add.add_argument("--role", choices=ROLES + EDITOR_ROLES, default="agent")
    add.add_argument("--skills", default="", help="comma-separated skill groups")
    add.add_argument("--capacity", type=int, help="conversations at once (default: the queue's)")
    add.set_defaults(run=add_user)
    arguments = parser.parse_args(argv)
    arguments.run(arguments)


if __name__ == "__main__":
    main()
