"""An article's answer exactly as a customer gets it on a channel and in a language
(knowledge/answers.py, which the bot uses too), of any version."""
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from foundation.staff.web import authenticated
from foundation.wording import VOICE_CHANNELS
from knowledge.answers import answer_text
from knowledge.service.routes.requests import int_arg, preview_choice
from knowledge.service.threads import in_thread

preview = Blueprint("preview")


@preview.get("/api/articles/<article_id>/preview")
@authenticated()
async def preview_answer(request: Request, article_id: str) -> HTTPResponse:
    channel, language = preview_choice(request)
    version = int_arg(request, "version", None, 1)
    found = await in_thread(request.app.ctx.store.get, article_id, version)
    return response.json({
        "article_id": article_id,
        "version": found.version,
        "status": found.status,
        "channel": channel,
        "language": language,
        "spoken": channel in VOICE_CHANNELS,
        # What action_answer_faq sends for this article on that channel and language.
        "text": answer_text(found.article, language, channel),
    })
