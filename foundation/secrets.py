"""The secrets the processes share, kept in one place: var/secrets/<NAME>.

A secret is generated on first use and kept, readable by its owner only, so every
process of one start and every later start agree on it: a login signed before a restart
stays valid, and two instances with the same var/ accept each other's tokens.
Settings.process_environment lets an environment variable of the same name win.
"""
import os
import secrets
import tempfile
from pathlib import Path


def secrets_dir(var_dir: Path) -> Path:
    return var_dir / "secrets"


def stored_secret(var_dir: Path, name: str) -> str:
    """The secret `name` kept under `var_dir`, generated (owner-only) when missing."""
    path = secrets_dir(var_dir) / name
    if not path.exists():
        _create(path, secrets.token_urlsafe(32))
    value = path.read_text(encoding="utf-8").strip()
    if not value:
        # An empty key would sign anything anyone can sign: refuse rather than use it.
        raise ValueError(f"{path} is empty; delete it and a new secret is made at the next start.")
    return value


def _create(path: Path, value: str) -> None:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    # Written whole under another name, then linked: a process starting at the same
    # moment sees either no file or the complete one, and the first link wins.
    descriptor, draft = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:  # mkstemp: mode 0600
            file.write(value)
        os.link(draft, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(draft)
