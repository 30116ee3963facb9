"""Schemathesis over the agent service's and the knowledge editor service's own
/openapi.json: every documented operation, with valid and invalid input, sent as
nobody (no or a made-up bearer token) and as each role. Whatever the input, the
answer is never a 5xx, it is an answer the document promises (status code, content
type, body schema), and what a token opens stays shut without one or with a made-up one. Each service runs as its own process with users of its
own; a failure names the request (as curl) and shows what the service logged."""
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Dict, Optional

import pytest
import redis
import requests
import schemathesis
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    ignored_auth,
    response_schema_conformance,
    status_code_conformance,
)

from commands.processes import ChildProcess
from fuzzing import LogWatch, broken
from handoff.queue import DEFAULT_SKILLS
from services import password, start_editor_service, start_service, write_users_file

# Per operation and role; with the schema's own examples and the coverage phase's
# boundary cases this keeps the whole file within a few minutes on two cores.
MAX_EXAMPLES = 12
REQUEST_TIMEOUT = 60
# ignored_auth: whatever a token opened is asked again without one and with a made-up
# one, and must then be refused (401/403).
CHECKS = [
    not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
    ignored_auth,
]

# None of these names is an example in the documents, so the fuzzed logins never lock them out.
HANDOFF_USERS = {
    "fuzz-agent": {"name": "Fuzz Agent", "role": "agent", "skills": list(DEFAULT_SKILLS), "capacity": 3},
    "fuzz-supervisor": {"name": "Fuzz Supervisor", "role": "supervisor"},
}
EDITOR_USERS = {
    "fuzz-editor": {"name": "Fuzz Editor", "role": "editor"},
    "fuzz-reviewer": {"name": "Fuzz Reviewer", "role": "reviewer"},
}


@dataclass
class Service:
    name: str
    url: str
    log: LogWatch
    process: ChildProcess

    def token(self, user: str) -> str:
        reply = requests.post(
            f"{self.url}/api/login", json={"user": user, "password": password(user)}, timeout=REQUEST_TIMEOUT
        )
        assert reply.status_code == 200, reply.text
        return reply.json()["token"]

    def schema(self, user: Optional[str]):
        """The service's live document, set to send `user`'s token (none for nobody)."""
        project: Dict[str, Any] = {
            "base-url": self.url,
            "generation": {
                "max-examples": MAX_EXAMPLES, "deterministic": True, "database": "none", "mode": "all",
                # Shrinking against a server takes minutes; the failing request is reported whole.
                "no-shrink": True,
            },
            "phases": {"stateful": {"enabled": False}},
            "request-timeout": REQUEST_TIMEOUT,
        }
        if user:
            project["headers"] = {"Authorization": f"Bearer {self.token(user)}"}
        # Deterministic generation and a fixed seed: the same requests on every run.
        config = SchemathesisConfig.from_dict({"seed": 1, **project})
        return schemathesis.openapi.from_url(f"{self.url}/openapi.json", config=config, timeout=REQUEST_TIMEOUT)


def call_and_check(case, service: Service) -> None:
    service.log.mark()
    request = case.as_curl_command(base_url=service.url)
    try:
        reply = case.call(base_url=service.url)
    except requests.RequestException as error:
        raise AssertionError(broken(service.name, request, "nothing", repr(error), service.log)) from None
    assert service.process.is_running(), broken(
        service.name, request, f"{reply.status_code} and died", reply.text, service.log
    )
    assert reply.status_code < 500, broken(service.name, request, reply.status_code, reply.text, service.log)
    # The role's token, told as such: ignored_auth then asks again without it.
    token = case.operation.schema.config.headers_for(operation=case.operation)
    case.validate_response(reply, checks=CHECKS, headers=token)


# The agent service


@pytest.fixture(scope="module")
def handoff_service(stack, redis_url, tmp_path_factory):
    directory: Path = tmp_path_factory.mktemp("fuzz-handoff")
    prefix = f"test-fuzz:{uuid.uuid4().hex[:8]}:"
    environment = {
        "REDIS_URL": redis_url,
        "RASA_URL": stack.settings.rasa_url,
        "RASA_AUTH_TOKEN": stack.settings.auth_token,
        "HANDOFF_SECRET": uuid.uuid4().hex,
        "HANDOFF_USERS_FILE": str(write_users_file(directory / "users.yml", HANDOFF_USERS)),
        "HANDOFF_DATABASE_URL": f"sqlite:///{directory / 'cases.db'}",
        "HANDOFF_KEY_PREFIX": prefix,
    }
    process, url = start_service(
        "agent service", [sys.executable, "-m", "handoff.service"], "HANDOFF_PORT", environment,
        directory / "handoff.log", 60,
    )
    yield Service("agent service", url, LogWatch(process.log_path), process)
    process.stop()
    # Its queue, under a prefix of its own (REDIS_URL may be a Redis that outlives the run).
    client = redis.Redis.from_url(redis_url)
    for key in client.scan_iter(match=prefix + "*"):
        client.delete(key)
    client.close()


@pytest.fixture(params=[None, "fuzz-agent", "fuzz-supervisor"], ids=["nobody", "agent", "supervisor"])
def handoff_api(request, handoff_service):
    return handoff_service.schema(request.param)


handoff_api_schema = schemathesis.pytest.from_fixture("handoff_api")


@handoff_api_schema.parametrize()
def test_every_request_to_the_agent_service_gets_a_documented_answer_never_a_5xx(case, handoff_service):
    call_and_check(case, handoff_service)


# The knowledge editor service


@pytest.fixture(scope="module")
def editor_service(redis_url, tmp_path_factory):
    running = start_editor_service(tmp_path_factory.mktemp("fuzz-editor"), redis_url, EDITOR_USERS)
    yield Service("editor service", running.url, LogWatch(running.process.log_path), running.process)
    running.process.stop()


@pytest.fixture(params=[None, "fuzz-editor", "fuzz-reviewer"], ids=["nobody", "editor", "reviewer"])
def editor_api(request, editor_service):
    return editor_service.schema(request.param)


editor_api_schema = schemathesis.pytest.from_fixture("editor_api")


@editor_api_schema.parametrize()
def test_every_request_to_the_editor_service_gets_a_documented_answer_never_a_5xx(case, editor_service):
    call_and_check(case, editor_service)
