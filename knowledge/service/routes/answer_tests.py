"""Answer tests: saving an article's test questions, and running every test against
what would be live if the drafts were published (the publish gate, without
publishing)."""
from typing import List, Tuple

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from foundation.staff.web import authenticated, json_body
from knowledge.publishing import GateReport, check
from knowledge.service.routes.requests import article_ids, test_questions, tests_base_version
from knowledge.service.routes.views import gate_view, tests_view
from knowledge.service.threads import in_thread

answer_tests = Blueprint("answer_tests")


@answer_tests.put("/api/articles/<article_id>/answer-tests")
@authenticated()
async def save_answer_tests(request: Request, article_id: str) -> HTTPResponse:
    body = json_body(request)
    questions = test_questions(body)
    base_version = tests_base_version(body)
    saved = await in_thread(
        request.app.ctx.store.save_answer_tests, article_id, questions, request.ctx.user.id, base_version
    )
    return response.json(tests_view(saved, request.app.ctx.users))


@answer_tests.post("/api/answer-tests/run")
@authenticated()
async def run_tests(request: Request) -> HTTPResponse:
    store = request.app.ctx.store
    wanted = article_ids(json_body(request))

    def run() -> Tuple[GateReport, List[Tuple[str, int]]]:
        drafts = store.pending_drafts(wanted)
        return check(store, [draft.article for draft in drafts]), [(d.article_id, d.version) for d in drafts]

    gate, tested = await in_thread(run)
    return response.json(gate_view(gate, tested))
