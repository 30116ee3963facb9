"""The action server: rasa_sdk's own app, bound to one interface and answering Rasa only.

`python -m rasa_sdk` listens on every interface and runs whatever tracker is posted to
/webhook, so anyone who reaches it could forge a "verified" phone number and read that
customer's parcels and pickup codes. Here every request but /health must carry
`Authorization: Bearer <ACTION_SERVER_TOKEN>`, which Rasa sends (endpoints.yml); a
header rather than Rasa's `?token=` query parameter, which access logs would keep.

    python -m actions.server --actions actions --host 127.0.0.1 --port 5055

Takes rasa_sdk's own options (--cors, --ssl-certificate, -vv, ...) and --host.
"""
import hmac
import logging
import os

from rasa_sdk import utils
from rasa_sdk.constants import APPLICATION_ROOT_LOGGER_NAME
from rasa_sdk.endpoint import create_app, create_argument_parser, create_ssl_context
from sanic import Sanic, response
from sanic.request import Request

from actions.knowledge_base import start_loading

logger = logging.getLogger(__name__)

TOKEN_VARIABLE = "ACTION_SERVER_TOKEN"
OPEN_PATHS = frozenset({"/health"})


def require_token(app: Sanic, token: str) -> Sanic:
    """Refuses every request but OPEN_PATHS without the bearer `token`, with 401."""
    expected = f"Bearer {token}".encode("utf-8")

    async def check(request: Request):
        if request.path in OPEN_PATHS:
            return None
        given = request.headers.get("Authorization", "").encode("utf-8")
        if hmac.compare_digest(given, expected):
            return None
        return response.json(
            {"error": "unauthorized",
             "reason": "The action server answers the Rasa server only: send "
                       "'Authorization: Bearer <ACTION_SERVER_TOKEN>'."},
            status=401,
        )

    app.register_middleware(check, "request")
    return app


def _load_knowledge(_app: Sanic, _loop: object) -> None:
    """The knowledge index is built while the server already answers, not on a
    customer's first question (not awaited: /health answers meanwhile)."""
    start_loading()


def main() -> None:
    parser = create_argument_parser()
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on")
    args = parser.parse_args()
    token = os.environ.get(TOKEN_VARIABLE)
    if not token:
        raise SystemExit(f"{TOKEN_VARIABLE} must be set: the action server answers only "
                         "callers that send it (the launcher sets it).")
    # The logging of `python -m rasa_sdk`: the demo carrier's SMS codes are read there.
    utils.configure_colored_logging(args.loglevel)
    utils.configure_file_logging(logging.getLogger(APPLICATION_ROOT_LOGGER_NAME),
                                 args.log_file, args.loglevel, args.logging_config_file)
    utils.update_sanic_log_level()
    app = require_token(create_app(args.actions, cors_origins=args.cors,
                                   auto_reload=args.auto_reload), token)
    app.register_listener(_load_knowledge, "after_server_start")
    ssl = create_ssl_context(args.ssl_certificate, args.ssl_keyfile, args.ssl_password)
    logger.info(f"Action server on {'https' if ssl else 'http'}://{args.host}:{args.port}, "
                f"answering only requests that carry {TOKEN_VARIABLE}.")
    app.run(args.host, args.port, ssl=ssl, workers=utils.number_of_sanic_workers())


if __name__ == "__main__":
    main()
