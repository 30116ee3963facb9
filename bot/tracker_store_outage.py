"""While the SQL tracker store cannot be reached, and when it is back.

Rasa 3.6 wraps every tracker store in a `FailSafeTrackerStore`, which hides a database
that cannot be reached: loading a conversation then answers "no such conversation" and
saving puts it in an in-memory store. A customer in the middle of a return got answers
as if they had just arrived, and what they wrote during the outage never reached the
database (nor any other Rasa server). `install` lets exactly these errors through
(`is_unreachable`: the database cannot be used just now), so the processor stops at the
first one and the channels tell the customer to send the message again shortly
(bot/channels/rest.py: a 503 with Retry-After; bot/channels/socketio.py: a bot message).
Nothing is stored for such a message, and every earlier event stays in the database.
Other errors are handled by Rasa as before.

Coming back without a restart: Rasa's `SQLTrackerStore` keeps a pool of connections
(PostgreSQL: `SQL_POOL_SIZE`, 50). Those that sat idle while the database was away are
dead, and the pool only learns it by using one: after an outage without traffic, or one
shorter than the pool's turnover, a customer's message failed on such a connection
although the database was back. `install` also makes Rasa's engine test each connection
as it is taken from the pool (SQLAlchemy's `pool_pre_ping`: a `SELECT 1`, a fraction of
a millisecond on a local network) and replace a dead one, so the first message after the
database returns is answered. SQLite is a local file, with no connection to go stale.
"""
import logging
from typing import Any, Dict

from rasa.core import tracker_store
from rasa.core.tracker_store import FailSafeTrackerStore
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait before sending the message again.
RETRY_AFTER_SECONDS = 5


def is_unreachable(error: BaseException) -> bool:
    """Whether `error` says the tracker store's database cannot be used just now."""
    return isinstance(error, (OperationalError, PoolTimeout)) or (
        isinstance(error, DBAPIError) and error.connection_invalidated
    )


def describe(error: BaseException) -> str:
    """The database's own words, first line only: SQLAlchemy's message adds the
    statement and its parameters, which may hold what the customer wrote."""
    original = getattr(error, "orig", None) or error
    lines = str(original).strip().splitlines() or [""]
    return f"{type(original).__name__}: {lines[0]}"


def log_unprocessed(error: BaseException, conversation_id: str) -> None:
    """One line per message the outage kept from being processed; the customer is
    asked to send it again."""
    logger.error(
        "Conversation store unreachable; a message in conversation %s was not "
        "processed (%s).", conversation_id, describe(error),
    )


def _with_pre_ping(rasa_kwargs):
    def engine_kwargs(url: Any) -> Dict[str, Any]:
        kwargs = rasa_kwargs(url)
        if make_url(url).get_backend_name() != "sqlite":
            kwargs["pool_pre_ping"] = True
        return kwargs

    return engine_kwargs


def _raising_when_unreachable(rasa_handler):
    # Called by FailSafeTrackerStore inside its `except` block, before it falls back.
    def on_error(self: FailSafeTrackerStore, error: Exception) -> None:
        if is_unreachable(error):
            raise error
        rasa_handler(self, error)

    return on_error


def install() -> None:
    tracker_store.create_engine_kwargs = _with_pre_ping(tracker_store.create_engine_kwargs)
    for handler in ("on_tracker_store_error", "on_tracker_store_retrieve_error"):
        setattr(FailSafeTrackerStore, handler,
                _raising_when_unreachable(getattr(FailSafeTrackerStore, handler)))
