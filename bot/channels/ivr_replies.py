"""The IVR channel's answer to one turn, built from the bot's messages or its own words.

    {"prompts": ["您好，…"], "ssml": "<speak …>", "barge_in": true,
     "expect": {"input": ["speech", "digits"], "digits": {"min": 1, "max": 32,
                "terminator": "#"}, "timeouts": {…}, "max_retries": 2, "speech_hints": [...]},
     "action": "continue" | "transfer" | "hangup",
     "transfer": {"team": "tracking", "case_id": "ivr~…", "uui": "<hex>"}}   # transfer only

`state` is what the channel keeps of the call between turns (ivr_turns.py): the prompts
last played, the menu on offer and the re-prompts used since the caller last answered.
"""
from dataclasses import dataclass, field
from typing import Any, Dict, List, Optional, Sequence

from bot.channels.ivr_prompts import menu, plain_sentences, ssml
from foundation.language import SIMPLIFIED

MAX_RETRIES = 2
# The longest number a caller keys in (a parcel or phone number), without the '#'.
MAX_DIGITS = 32
TIMEOUTS_MS = {"no_input": 6000, "inter_digit": 3000, "max_speech": 15000}
CONTINUE, TRANSFER, HANGUP = "continue", "transfer", "hangup"


@dataclass
class Reply:
    prompts: List[str]
    language: str
    action: str = CONTINUE
    menu: Dict[str, str] = field(default_factory=dict)
    transfer: Optional[Dict[str, str]] = None
    hints: List[str] = field(default_factory=list)
    # The sentence a re-prompt repeats: the menu, else the last sentence (the question).
    question: str = ""

    def as_json(self) -> Dict[str, Any]:
        answer: Dict[str, Any] = {
            "prompts": self.prompts,
            "ssml": ssml(self.prompts, self.language),
            "barge_in": self.action == CONTINUE,
            "action": self.action,
        }
        if self.action == CONTINUE:
            answer["expect"] = expect(self.menu, self.hints)
        if self.transfer is not None:
            answer["transfer"] = self.transfer
        return answer

    def state(self, misses: int = 0) -> Dict[str, Any]:
        return {"question": self.question or (self.prompts[-1] if self.prompts else ""),
                "prompts": self.prompts, "menu": self.menu, "hints": self.hints,
                "language": self.language, "misses": misses}


def expect(choices: Dict[str, str], hints: Sequence[str]) -> Dict[str, Any]:
    """What the IVR listens for next: a menu takes one key, otherwise a number ending in #."""
    digits = ({"min": 1, "max": 1, "terminator": None} if choices
              else {"min": 1, "max": MAX_DIGITS, "terminator": "#"})
    return {"input": ["speech", "digits"], "digits": digits, "timeouts": TIMEOUTS_MS,
            "max_retries": MAX_RETRIES, "speech_hints": list(hints)}


def uui(case_id: str, team: str) -> str:
    """The SIP User-to-User field that carries the case to the agent's phone, hex-encoded
    (RFC 7433 `;encoding=hex`): the agent's console opens the case by its id."""
    return f"case_id={case_id};team={team}".encode("utf-8").hex()


def from_bot(messages: Sequence[Dict[str, Any]], language: str) -> Reply:
    """The bot's messages as one turn's answer: texts spoken, buttons as a menu, and
    what the actions ask of a voice channel ({"transfer": …} or {"hangup": true})."""
    reply = Reply([], language)
    for message in messages:
        reply.prompts += plain_sentences(message.get("text") or "")
        buttons = message.get("buttons") or []
        if buttons:
            sentence, reply.menu = menu(buttons, language)
            reply.prompts += [sentence] if sentence else []
            reply.question = sentence
            reply.hints = [str(button.get("title")) for button in buttons if button.get("title")]
        custom = message.get("custom")
        if isinstance(custom, dict) and isinstance(custom.get("transfer"), dict):
            team, case_id = str(custom["transfer"].get("team", "")), str(custom["transfer"].get("case_id", ""))
            reply.action = TRANSFER
            reply.transfer = {"team": team, "case_id": case_id, "uui": uui(case_id, team)}
        elif isinstance(custom, dict) and custom.get("hangup") is True and reply.action == CONTINUE:
            reply.action = HANGUP
    if reply.action != CONTINUE:
        reply.menu, reply.hints, reply.question = {}, [], ""
    return reply


def again(state: Dict[str, Any], misses: int, sorry: str) -> Reply:
    """A re-prompt after silence or something not understood, shorter each time: an
    apology and the question (the menu, if one is on offer), then the question alone."""
    question = state.get("question") or ""
    prompts = [sorry, question] if misses <= 1 else [question or sorry]
    return Reply([prompt for prompt in prompts if prompt], state.get("language") or SIMPLIFIED,
                 menu=dict(state.get("menu") or {}), hints=list(state.get("hints") or []),
                 question=question)
