"""The plumbing the agent service (handoff/service/) and the knowledge editor service
(knowledge/service/) share, so both answer, log in and log alike.

Errors are JSON: {"error": code, "message": text, ...details}. Logging in and bearer
tokens use foundation/staff/auth.py and expect in app.ctx: users (load_users), signer
(TokenSigner), throttle (a LoginThrottle) and decoy_hash (a hash_password of a random
password).

Logins are limited per client address (client_address): the peer's IP address, as
request headers can be forged. Behind a reverse proxy, tell Sanic which header to trust
through its own environment variables, read by every Sanic app at start: SANIC_PROXIES_COUNT
(the number of proxies in front, for X-Forwarded-For), or SANIC_REAL_IP_HEADER, or
SANIC_FORWARDED_SECRET (the secret of a Forwarded header). Without one, every client
behind the proxy shares the proxy's address and its limit.
"""
import asyncio
import json
import logging
from functools import wraps
from pathlib import Path
from typing import Any, Dict, Optional, Tuple

import yaml
from sanic import Sanic, response
from sanic.exceptions import SanicException
from sanic.request import Request
from sanic.response import HTTPResponse

from foundation.staff.auth import InvalidToken, TokenClaims, User, verify_password
from foundation.privacy import MaskPhoneNumbers

logger = logging.getLogger(__name__)

# The pages must not be framed by other sites (clickjacking) nor cached with old code.
PAGE_HEADERS = {
    "X-Frame-Options": "DENY",
    "Content-Security-Policy": "frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-cache",
}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details


class TooManyAttempts(ApiError):
    """Logins locked after too many failures (auth.LoginThrottle): 429 with Retry-After."""

    def __init__(self, seconds: int) -> None:
        minutes = max(1, round(seconds / 60))
        super().__init__(
            429, "too_many_attempts",
            f"Too many failed logins from here; try again in {minutes} minute{'s' if minutes > 1 else ''}.",
            retry_after=seconds,
        )
        self.seconds = seconds


def error_response(status: int, code: str, message: str, **details: Any) -> HTTPResponse:
    return response.json({"error": code, "message": message, **details}, status=status)


def add_error_handlers(app: Sanic, service_name: str) -> None:
    """JSON answers for ApiError, Sanic's own errors (404, 405, 413...) and anything
    unexpected; a service adds handlers of its own for the errors of what it uses."""

    @app.exception(ApiError)
    async def api_error(_request: Request, error: ApiError) -> HTTPResponse:
        return error_response(error.status, error.code, error.message, **error.details)

    @app.exception(TooManyAttempts)
    async def too_many_attempts(_request: Request, error: TooManyAttempts) -> HTTPResponse:
        reply = error_response(error.status, error.code, error.message, **error.details)
        reply.headers["Retry-After"] = str(error.seconds)
        return reply

    @app.exception(SanicException)
    async def http_error(request: Request, error: SanicException) -> HTTPResponse:
        status = getattr(error, "status_code", 500)
        code = {404: "not_found", 405: "method_not_allowed", 413: "too_large"}.get(status, "bad_request")
        message = str(error)
        if status == 413:
            message = f"The request is larger than {request.app.config.REQUEST_MAX_SIZE} bytes; nothing was changed."
        return error_response(status, code, message)

    @app.exception(Exception)
    async def unexpected(request: Request, _error: Exception) -> HTTPResponse:
        logger.exception("Unexpected error on %s %s", request.method, request.path)
        return error_response(500, "internal_error", f"Something went wrong in the {service_name}.")


def limit_request_size(app: Sanic, max_bytes: int) -> None:
    """Refuses bodies and websocket messages over `max_bytes` with a 413 (or a closed
    socket), before they are read into memory; Sanic's own limits are 100 MB and 1 MB."""
    app.config.REQUEST_MAX_SIZE = max_bytes
    app.config.WEBSOCKET_MAX_SIZE = max_bytes


def add_openapi_route(app: Sanic, spec_file: Path) -> None:
    """GET /openapi.json: the service's OpenAPI document, kept as YAML beside it."""
    spec = yaml.safe_load(spec_file.read_text(encoding="utf-8"))

    @app.get("/openapi.json")
    async def openapi(_request: Request) -> HTTPResponse:
        return response.json(spec)


class PageFolder:
    """A service's web page: plain HTML, CSS and JS in one folder (no build step),
    served with PAGE_HEADERS."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.assets = frozenset(path.name for path in folder.glob("*") if path.suffix in (".js", ".css"))

    async def page(self, name: str) -> HTTPResponse:
        return await response.file(self.folder / name, headers=PAGE_HEADERS)

    async def asset(self, name: str) -> HTTPResponse:
        # Only the page's own scripts and styles: no path reaches outside the folder.
        if name not in self.assets:
            raise ApiError(404, "not_found", f"No {self.folder.name} file {name!r}.")
        return await self.page(name)


STAFF_TOOLKIT = PageFolder(Path(__file__).resolve().parent / "static")


def add_staff_toolkit_route(app: Sanic) -> None:
    """GET /staff/<asset>: the browser toolkit every staff page loads first (element
    builder, session, login form, API errors, toasts), so the pages share one copy."""

    @app.get("/staff/<asset>")
    async def staff_asset(_request: Request, asset: str) -> HTTPResponse:
        return await STAFF_TOOLKIT.asset(asset)


# Requests


def json_body(request: Request) -> Dict[str, Any]:
    """The request's JSON object; {} for an empty body."""
    if not request.body:
        return {}
    try:
        body = json.loads(request.body)
    except (ValueError, RecursionError) as error:
        raise ApiError(400, "invalid_json", f"The request body is not valid JSON: {error}.")
    if not isinstance(body, dict):
        raise ApiError(400, "invalid_json", "The request body must be a JSON object.")
    return body


# Logging in


async def check_login(request: Request, user_id: str, password: Any) -> User:
    """The user whose password this is. Attempts are limited per user name from the
    client's address and per address (ctx.throttle, see login_throttle.py), checked
    and counted before the password is hashed, so a locked guesser costs no hashing;
    an unknown name is checked against ctx.decoy_hash, so it takes as long as a known one."""
    if not isinstance(password, str) or not password:
        raise ApiError(400, "invalid_field", "password is required.", field="password")
    ctx = request.app.ctx
    attempt = await ctx.throttle.begin(user_id, client_address(request))
    if attempt.locked_for:
        raise TooManyAttempts(attempt.locked_for)
    user = ctx.users.get(user_id)
    matches = await asyncio.get_running_loop().run_in_executor(
        None, verify_password, password, user.password_hash if user else ctx.decoy_hash
    )
    if not (user and matches):
        raise ApiError(401, "invalid_credentials", "Wrong user name or password.")
    await ctx.throttle.succeeded(attempt)
    return user


def client_address(request: Request) -> str:
    """The client's IP address: the one a trusted proxy reports when Sanic is told to
    trust one (see the module's docstring), else the peer's."""
    return request.remote_addr or request.ip


def authenticated(role: Optional[str] = None, reason: str = ""):
    """Requires `Authorization: Bearer <token>`; `role` limits the route to users of
    that role, and `reason` tells the others why. The user is in request.ctx.user."""

    def decorator(handler):
        @wraps(handler)
        async def checked(request: Request, *args: Any, **kwargs: Any) -> HTTPResponse:
            scheme, _, token = (request.headers.get("authorization") or "").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                raise ApiError(401, "unauthorised", "Log in first: send Authorization: Bearer <token>.")
            user, _ = authenticate(request.app.ctx, token.strip())
            if role and user.role != role:
                raise ApiError(403, "forbidden", f"Only {role}s may do this{': ' + reason if reason else ''}.")
            request.ctx.user = user
            return await handler(request, *args, **kwargs)

        return checked

    return decorator


def authenticate(ctx: Any, token: str) -> Tuple[User, TokenClaims]:
    """The user a login token is of, who must still have the role it was issued for."""
    try:
        claims = ctx.signer.verify(token)
    except InvalidToken as error:
        raise ApiError(401, "unauthorised", str(error))
    user = ctx.users.get(claims.user_id)
    if user is None or user.role != claims.role:
        raise ApiError(401, "unauthorised", "This user no longer has access; log in again.")
    return user, claims


# Logs


def configure_logging() -> None:
    """Log lines to stderr, phone numbers masked; Sanic's loggers go here too (the apps
    are made with configure_logging=False)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    for handler in logging.getLogger().handlers:
        handler.addFilter(MaskPhoneNumbers())
