"""IVR channel: a phone front end posts one request per turn of a call and gets back
what to play, what to listen for, and whether to go on, transfer or hang up.

`POST /webhooks/ivr/turn` (the body: bot/channels/ivr_request.py; the answer:
bot/channels/ivr_replies.py). The front end's bearer token decides the channel, as on
the REST channel (bot/channels/front_ends.py). The conversation is the caller's, not
the call's, so a caller who hangs up mid-question and calls back carries on; its id is
"<front end>~<HMAC of the number>", so no id, log or queue holds the number itself.
The number reaches the actions only in the metadata the channel vouches for (trust.py),
for a callback. A turn sent again is answered from the stored reply (ivr_turns.py).
"""
import hashlib
import hmac
import logging
from typing import Any, Awaitable, Callable, Dict, Optional, Text

from rasa.core.channels.channel import CollectingOutputChannel, InputChannel, UserMessage
from redis.exceptions import RedisError
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from bot.channels import ivr_prompts as words
from bot.channels.front_ends import FrontEnd, FrontEnds
from bot.channels.ivr_replies import HANGUP, MAX_RETRIES, Reply, again, from_bot
from bot.channels.ivr_request import Turn, parse_turn
from bot.channels.ivr_turns import TurnConflict, TurnStillRunning, TurnStore, fingerprint
from bot.channels.message_checks import DEFAULT_MAX_MESSAGE_CHARS, MessageRejected
from bot.channels.rate_limit import MessageRateLimit
from bot.channels.rest import CourierRestInput
from bot.channels.trust import TRUST_KEY, vouched
from bot.tracker_store_outage import RETRY_AFTER_SECONDS, is_unreachable, log_unprocessed
from foundation.numbers import OUR_CARRIER, identify_carrier

logger = logging.getLogger(__name__)

# One turn is a sentence or a few keys; a bigger body is not a turn.
DEFAULT_MAX_BODY_BYTES = 16 * 1024
# A caller speaks or presses a key every few seconds at most.
DEFAULT_TURNS_PER_MINUTE = 30
# Below this the recogniser was guessing: asked again rather than acted on.
DEFAULT_MIN_CONFIDENCE = 0.3
# What the assistant is told when re-prompting did not help: the caller needs a person.
ASK_FOR_A_PERSON = "/request_human"
# A keypad has no letters, so our own parcel numbers are keyed without them.
OWN_WAYBILL_LETTERS = "KD"


class IvrInput(InputChannel):
    @classmethod
    def name(cls) -> Text:
        return "ivr"

    @classmethod
    def from_credentials(cls, credentials: Optional[Dict[Text, Any]]) -> "IvrInput":
        credentials = credentials or {}
        secret = credentials.get("caller_secret") or ""
        if len(secret) < 16:
            raise ValueError("The IVR channel needs a caller_secret of at least 16 characters "
                             "in credentials.yml: it keys conversations by the caller's number.")
        return cls(
            FrontEnds.from_config(credentials.get("front_ends")),
            MessageRateLimit(credentials.get("turns_per_minute", DEFAULT_TURNS_PER_MINUTE),
                             credentials.get("redis_url") or None),
            TurnStore(credentials["redis_url"]),
            secret,
            max_message_chars=credentials.get("max_message_chars", DEFAULT_MAX_MESSAGE_CHARS),
            max_body_bytes=credentials.get("max_body_bytes", DEFAULT_MAX_BODY_BYTES),
            min_confidence=credentials.get("min_confidence", DEFAULT_MIN_CONFIDENCE),
        )

    def __init__(self, front_ends: FrontEnds, rate_limit: MessageRateLimit, turns: TurnStore,
                 caller_secret: str, max_message_chars: int = DEFAULT_MAX_MESSAGE_CHARS,
                 max_body_bytes: int = DEFAULT_MAX_BODY_BYTES,
                 min_confidence: float = DEFAULT_MIN_CONFIDENCE) -> None:
        self.front_ends = front_ends
        self.rate_limit = rate_limit
        self.turns = turns
        self.caller_secret = caller_secret.encode("utf-8")
        self.max_message_chars = max_message_chars
        self.min_confidence = min_confidence
        # The REST channel's body reading: refused unread when over the size.
        self._body = CourierRestInput(front_ends, rate_limit, max_body_bytes=max_body_bytes)

    def conversation_id(self, front_end: FrontEnd, turn: Turn) -> str:
        """The caller's conversation (the call's, when the number is withheld)."""
        who = f"caller:{turn.caller}" if turn.caller else f"call:{turn.call_id}"
        digest = hmac.new(self.caller_secret, who.encode("utf-8"), hashlib.sha256).hexdigest()
        return f"{front_end.name}~{digest[:32]}"

    async def admit(self, request: Request) -> Any:
        front_end = self.front_ends.authenticate(request.headers.get("authorization"))
        turn = parse_turn(await self._body.read_body(request), self.max_message_chars)
        retry_after = await self.rate_limit.retry_after(f"ivr-call:{front_end.name}:{turn.call_id}")
        if retry_after is not None:
            raise MessageRejected(
                "too_many_turns", 429,
                f"This call sent more than {self.rate_limit.per_minute} turns in a minute; "
                f"send again in {retry_after} seconds.", {"Retry-After": str(retry_after)},
            )
        return front_end, turn

    def blueprint(self, on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Blueprint:
        webhook = Blueprint(f"custom_webhook_{type(self).__name__}", __name__)

        @webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @webhook.route("/turn", methods=["POST"], stream=True)
        async def receive(request: Request) -> HTTPResponse:
            try:
                front_end, turn = await self.admit(request)
                return response.json(await self.answer_once(front_end, turn, on_new_message))
            except MessageRejected as rejection:
                return response.json(rejection.as_dict(), status=rejection.status,
                                     headers=rejection.headers)
            except TurnConflict:
                return response.json({"error": "turn_id_reused", "message": "This turn_id was "
                                      "sent before with another input; give every turn its own id."},
                                     status=409)
            except (RedisError, OSError):
                logger.exception("The IVR channel's Redis did not answer.")
                return response.json({"error": "turns_unavailable", "message": "The assistant cannot "
                                      "reach its call store just now; send the turn again in a moment."},
                                     status=503, headers={"Retry-After": "2"})
            except TurnStillRunning:
                return response.json({"error": "turn_in_progress", "message": "This turn is "
                                      "still being answered; send it again in a moment."},
                                     status=409, headers={"Retry-After": "1"})

        return webhook

    async def answer_once(self, front_end: FrontEnd, turn: Turn,
                          on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Dict[str, Any]:
        """The answer to `turn`, worked out only the first time it arrives."""
        call, print_ = f"{front_end.name}:{turn.call_id}", fingerprint(turn.input())
        stored = await self.turns.claim(call, turn.turn_id, print_)
        if stored is not None:
            return stored
        try:
            answer = await self.answer(front_end, turn, on_new_message)
        except Exception as error:
            await self.turns.release(call, turn.turn_id)
            if is_unreachable(error):
                log_unprocessed(error, self.conversation_id(front_end, turn))
                raise MessageRejected(
                    "store_unavailable", 503, "The assistant cannot reach its conversation store "
                    "just now, so this turn was not processed; send it again in a few seconds.",
                    {"Retry-After": str(RETRY_AFTER_SECONDS)},
                )
            logger.exception("Answering an IVR turn failed.")
            raise MessageRejected(
                "assistant_error", 503, "The assistant could not answer this turn just now; "
                "send it again in a moment.", {"Retry-After": "2"},
            )
        await self.turns.answer(call, turn.turn_id, print_, answer)
        return answer

    async def answer(self, front_end: FrontEnd, turn: Turn,
                     on_new_message: Callable[[UserMessage], Awaitable[None]]) -> Dict[str, Any]:
        conversation = self.conversation_id(front_end, turn)
        state = await self.turns.state(conversation)
        language = state.get("language") or words.language_of_locale(turn.locale)
        misses = int(state.get("misses") or 0)
        if turn.event == "start":
            reply, misses = self.greeting(state, words.language_of_locale(turn.locale)), 0
        elif turn.event == "hangup":
            # What was said stays in the tracker and the state, for a call back.
            return Reply([], language, action=HANGUP).as_json()
        elif turn.event == "transfer_result":
            if turn.status == "connected":
                await self.turns.forget_state(conversation)
                return Reply([], language, action=HANGUP).as_json()
            reply = Reply([words.spoken(words.TRANSFER_FAILED, language)], language, action=HANGUP)
        else:
            said = self.what_was_said(turn, state)
            if said is None:
                misses = turn.count or misses + 1
                if misses <= MAX_RETRIES:
                    reply = again(state, misses, words.spoken(words.NOT_HEARD, language))
                    await self.turns.keep_state(conversation, reply.state(misses))
                    return reply.as_json()
                said = ASK_FOR_A_PERSON
            reply = await self.ask_bot(said, front_end, turn, conversation, on_new_message, language)
            misses = 0
        if reply.action == HANGUP or reply.transfer is not None:
            await self.turns.forget_state(conversation)
        else:
            await self.turns.keep_state(conversation, reply.state(misses))
        return reply.as_json()

    def greeting(self, state: Dict[str, Any], language: str) -> Reply:
        """A call back into a conversation in progress resumes it; a new one hears the menu."""
        if state.get("prompts"):
            resumed = again(state, 2, "")
            resumed.prompts = [words.spoken(words.WELCOME_BACK, resumed.language), *state["prompts"]]
            return resumed
        question = words.spoken(words.WELCOME_MENU, language)
        choices = {key: words.spoken(phrase, language) for key, phrase in words.WELCOME_CHOICES.items()}
        return Reply([words.spoken(words.WELCOME, language), question], language, menu=choices,
                     hints=list(choices.values()), question=question)

    def what_was_said(self, turn: Turn, state: Dict[str, Any]) -> Optional[str]:
        """The text for the assistant: speech heard well enough, a menu key's choice, or
        keyed digits; None for silence, mumbling or a key the menu does not have."""
        if turn.text is not None:
            if turn.confidence is not None and turn.confidence < self.min_confidence:
                return None
            return turn.text
        if turn.digits is not None:
            keys = turn.digits.rstrip("#")
            choices = state.get("menu") or {}
            if keys in choices:
                return choices[keys]
            if not keys or (choices and len(keys) == 1):
                return None
            return keyed_number(keys)
        return None

    async def ask_bot(self, text: str, front_end: FrontEnd, turn: Turn, conversation: str,
                      on_new_message: Callable[[UserMessage], Awaitable[None]], language: str) -> Reply:
        metadata = vouched({"ivr": {"call_id": turn.call_id, "turn_id": turn.turn_id}}, front_end.name, False)
        # For a callback to the number the customer calls from; never in the id.
        metadata[TRUST_KEY]["caller"] = turn.caller
        collector = CollectingOutputChannel()
        await on_new_message(UserMessage(text, collector, conversation, input_channel=front_end.channel,
                                         metadata=metadata))
        reply = from_bot(collector.messages, language)
        if not reply.prompts and reply.action != HANGUP:
            # Paused for an agent: the caller is on hold, not in silence.
            reply.prompts = [words.spoken(words.PLEASE_WAIT, language)]
        return reply


def keyed_number(keys: str) -> str:
    """Keys as the assistant should read them: digits that are one of our parcel
    numbers once its letters are added, and no other carrier's, get the letters."""
    ours = identify_carrier(OWN_WAYBILL_LETTERS + keys)
    if identify_carrier(keys) is None and ours is not None and ours.code == OUR_CARRIER:
        return OWN_WAYBILL_LETTERS + keys
    return keys
