"""The PostgreSQL server the tests use, and a schema of a test's own on it.

Where a server is missing its tests skip on a developer's machine and fail in CI
(`server_or_skip`), so CI never passes by skipping them."""
import os
import socket
import uuid
from contextlib import contextmanager
from typing import Iterator

import pytest
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


def server_or_skip(what: str, answers: bool) -> None:
    if answers:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{what} must be available in CI")
    pytest.skip(f"{what} is not available here")


def postgres_answers() -> bool:
    url = make_url(POSTGRES_URL)
    try:
        socket.create_connection((url.host, url.port or 5432), timeout=1).close()
        return True
    except OSError:
        return False


def require_postgres() -> None:
    server_or_skip(f"PostgreSQL ({POSTGRES_URL})", postgres_answers())


@contextmanager
def postgres_schema() -> Iterator[str]:
    """A fresh, empty schema (so parallel and earlier runs never meet), dropped
    afterwards: the URL of the test database with it as the search path."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    engine = create_engine(POSTGRES_URL)
    with engine.begin() as connection:
        connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    try:
        url = make_url(POSTGRES_URL).set(query={"options": f"-csearch_path={schema}"})
        yield url.render_as_string(hide_password=False)
    finally:
        with engine.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        engine.dispose()
