"""Closing a case, for a conversation and a callback alike: the outcome the agent
chose, the case's id, and archiving it (handoff/cases.py)."""
import asyncio
import hashlib
from typing import Any, Dict

from foundation.staff.web import ApiError
from handoff.cases import CATEGORIES, DEPARTMENTS, ClosedCase
from handoff.service.routes.requests import MAX_TEXT_CHARS


def case_outcome(body: Dict[str, Any]) -> Dict[str, str]:
    """category, department and disposition of a closed case."""
    for field, known in (("category", CATEGORIES), ("department", DEPARTMENTS)):
        if body.get(field) not in known:
            raise ApiError(
                400, "invalid_field",
                f"{field} must be one of: {', '.join(known)}.", field=field, known=list(known),
            )
    disposition = body.get("disposition") or ""
    if not isinstance(disposition, str) or len(disposition) > MAX_TEXT_CHARS:
        raise ApiError(
            400, "invalid_field", f"disposition must be a text of at most {MAX_TEXT_CHARS} characters.",
            field="disposition",
        )
    return {"category": body["category"], "department": body["department"], "disposition": disposition.strip()}


def case_id(*parts: Any) -> str:
    """The same id for the same parts, so a retried close archives the case once."""
    return hashlib.sha256(":".join(map(str, parts)).encode("utf-8")).hexdigest()[:32]


async def archive_case(ctx: Any, case: ClosedCase) -> str:
    """Archives `case` in ctx.archive (SQL, so off the event loop); returns its id."""
    return await asyncio.get_running_loop().run_in_executor(None, ctx.archive.archive, case)
