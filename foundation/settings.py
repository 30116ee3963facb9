"""Run-time settings, read from environment variables with working local defaults.

endpoints.yml and credentials.yml refer to the variables this module exports, so the
one place an operator sets things is the environment:

  REDIS_URL       an existing Redis (redis://[:password@]host:port/db); when unset the
                  launcher starts an embedded Redis with append-only files in var/redis
  DATABASE_URL    SQLAlchemy URL of the tracker store; default sqlite:///var/rasa.db
  HOST            interface the servers listen on (default 127.0.0.1)
  RASA_PORT       Rasa server (default 5005)
  ACTIONS_PORT    action server (default 5055)
  HANDOFF_PORT    handoff service: agent console and API (default 5006)
  KNOWLEDGE_PORT  knowledge editor service and page (default 5007)
  DELIVERY_PORT   the callback delivery worker's /health (default 5008; delivery/worker.py)
  APP_CALLBACK_URL  where app back-ends' replies and agents' messages are POSTed,
                  signed with APP_CALLBACK_SECRET (credentials.yml); empty (default): none
  RASA_AUTH_TOKEN token for Rasa's HTTP API; a random one is made when unset
  ACTION_SERVER_TIMEOUT  seconds the Rasa server waits for one action-server call
                  before apologising to the customer (default 10; bot/action_server_down.py)

Shared secrets. Each one unset is generated on the first start and kept, readable by
the owner only, in var/secrets/<NAME> (foundation/secrets.py), so restarts and several
instances on the same var/ agree; set them in the environment to share them between
machines:

  ACTION_SERVER_TOKEN  Rasa's bearer token to the action server; the action server
                       refuses every call without it (endpoints.yml sends it)
  CHAT_SESSION_SECRET  signs the web chat's socket.io sessions, so nobody can take
                       over another customer's conversation
  REST_APP_TOKEN       bearer token app back-ends send to the REST channel
  REST_IVR_TOKEN       bearer token the IVR front-end sends to the REST channel
  HANDOFF_SECRET       signs agents' and supervisors' console logins
  KNOWLEDGE_SECRET     signs editors' and reviewers' logins to the knowledge editor
  HANDOFF_CUSTOMER_KEY_SECRET  keys the case archive by a hash of the customer's
                       phone, never the number (action server and agent service)
  IVR_CALLER_SECRET    keys IVR conversations by a hash of the caller's number
  APP_CALLBACK_SECRET  signs the callbacks to app back-ends (foundation/signing.py)

The embedded Redis (no REDIS_URL) requires a password too, generated once and kept in
var/secrets/REDIS_PASSWORD; the REDIS_URL handed to every process carries it.
"""
import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Optional

from foundation.secrets import secrets_dir, stored_secret

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"


# The local databases: the environment's, else SQLite files beside the rest under var/.
def knowledge_database_url(var_dir: Path = VAR) -> str:
    return os.environ.get("KNOWLEDGE_DATABASE_URL") or f"sqlite:///{var_dir / 'knowledge.db'}"


def handoff_database_url(var_dir: Path = VAR) -> str:
    return os.environ.get("HANDOFF_DATABASE_URL") or f"sqlite:///{var_dir / 'handoff.db'}"


def carrier_demo_db(var_dir: Path = VAR) -> Path:
    return Path(os.environ.get("CARRIER_DEMO_DB") or var_dir / "carrier.db")
SHARED_SECRETS = (
    "ACTION_SERVER_TOKEN",
    "CHAT_SESSION_SECRET",
    "REST_APP_TOKEN",
    "REST_IVR_TOKEN",
    "HANDOFF_SECRET",
    "KNOWLEDGE_SECRET",
    "HANDOFF_CUSTOMER_KEY_SECRET",
    "IVR_CALLER_SECRET",
    "APP_CALLBACK_SECRET",
)


@dataclass
class Settings:
    host: str = "127.0.0.1"
    rasa_port: int = 5005
    actions_port: int = 5055
    handoff_port: int = 5006
    knowledge_port: int = 5007
    delivery_port: int = 5008
    redis_url: Optional[str] = None
    database_url: str = f"sqlite:///{VAR / 'rasa.db'}"
    auth_token: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    var_dir: Path = VAR

    @classmethod
    def from_environment(cls) -> "Settings":
        env = os.environ
        defaults = cls()
        return cls(
            host=env.get("HOST", defaults.host),
            rasa_port=int(env.get("RASA_PORT", defaults.rasa_port)),
            actions_port=int(env.get("ACTIONS_PORT", defaults.actions_port)),
            handoff_port=int(env.get("HANDOFF_PORT", defaults.handoff_port)),
            knowledge_port=int(env.get("KNOWLEDGE_PORT", defaults.knowledge_port)),
            delivery_port=int(env.get("DELIVERY_PORT", defaults.delivery_port)),
            redis_url=env.get("REDIS_URL") or None,
            database_url=env.get("DATABASE_URL") or defaults.database_url,
            auth_token=env.get("RASA_AUTH_TOKEN") or defaults.auth_token,
        )

    @property
    def rasa_url(self) -> str:
        return f"http://{self.host}:{self.rasa_port}"

    @property
    def actions_url(self) -> str:
        return f"http://{self.host}:{self.actions_port}"

    @property
    def handoff_url(self) -> str:
        return f"http://{self.host}:{self.handoff_port}"

    @property
    def users_file(self) -> Path:
        """Agents and supervisors of the handoff service."""
        return Path(os.environ.get("HANDOFF_USERS_FILE") or self.var_dir / "handoff-users.yml")

    @property
    def knowledge_url(self) -> str:
        return f"http://{self.host}:{self.knowledge_port}"

    @property
    def editors_file(self) -> Path:
        """Editors and reviewers of the knowledge base."""
        return Path(os.environ.get("KNOWLEDGE_USERS_FILE") or self.var_dir / "knowledge-users.yml")

    def secret(self, name: str) -> str:
        """A shared secret: the environment's, else the one kept under var_dir."""
        return os.environ.get(name) or stored_secret(self.var_dir, name)

    def secret_place(self, name: str) -> str:
        """Where the secret `name` comes from, to tell an operator without showing it."""
        if os.environ.get(name):
            return f"${name}"
        return str(secrets_dir(self.var_dir) / name)

    def process_environment(self) -> Dict[str, str]:
        """Variables that endpoints.yml and credentials.yml are filled in from."""
        if not self.redis_url:
            raise ValueError("Redis must be started (or REDIS_URL set) first.")
        return {
            **os.environ,
            "PYTHONPATH": str(ROOT),
            "REDIS_URL": self.redis_url,
            "DATABASE_URL": self.database_url,
            "ACTION_SERVER_URL": f"{self.actions_url}/webhook",
            # The demo carrier's parcels live beside the other local data.
            "CARRIER_DEMO_DB": str(carrier_demo_db(self.var_dir)),
            "RASA_URL": self.rasa_url,
            "RASA_AUTH_TOKEN": self.auth_token,
            "HANDOFF_HOST": self.host,
            "DELIVERY_PORT": str(self.delivery_port),
            "APP_CALLBACK_URL": os.environ.get("APP_CALLBACK_URL", ""),
            "HANDOFF_PORT": str(self.handoff_port),
            "HANDOFF_USERS_FILE": str(self.users_file),
            "KNOWLEDGE_HOST": self.host,
            "KNOWLEDGE_PORT": str(self.knowledge_port),
            "KNOWLEDGE_USERS_FILE": str(self.editors_file),
            # Published knowledge-base articles, their versions and the gap list.
            "KNOWLEDGE_DATABASE_URL": knowledge_database_url(self.var_dir),
            # Archived handoff cases (analysts' data), SQLite beside the rest by default.
            "HANDOFF_DATABASE_URL": handoff_database_url(self.var_dir),
            **{name: self.secret(name) for name in SHARED_SECRETS},
        }
