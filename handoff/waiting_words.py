"""What a customer waiting for an agent is told about their place in line.

The action that queues the customer (actions/handoff.py) tells the first place, and
that the agent will answer right there; the service's queue watch
(handoff/service/queue_watch.py) tells each change of place, and tells a customer whose
agent was lost that they are back at the front. Both count the customers ahead and
round the minutes here.
"""
import re
from typing import NamedTuple, Optional

from foundation.cue_words import CUES
from foundation.language import fold_full_width, to_simplified
from foundation.wording import Phrase, finish, say


class _Places(NamedTuple):
    next_in_line: Phrase
    ahead: Phrase  # with {ahead} customers and the expected {minutes}
    ahead_unknown_wait: Phrase  # nobody of the team online, so no estimate


_YOU_ARE_NEXT_AT_QUEUEING = Phrase(
    "您是下一位，客服接入后会直接在这里回复您。",
    "You're next in line. An agent will reply to you right here.",
)
_AT_QUEUEING = _Places(
    next_in_line=_YOU_ARE_NEXT_AT_QUEUEING,
    ahead=Phrase(
        "您前面还有 {ahead} 位客户，预计等待约 {minutes} 分钟。客服接入后会直接在这里回复您。",
        "There {verb} {ahead} customer{plural} ahead of you; the expected wait is about "
        "{minutes} minute{minutes_plural}. An agent will reply to you right here.",
    ),
    # The action queues only while someone of the team is online, so the first notice
    # has never had words of its own for an unknown wait.
    ahead_unknown_wait=_YOU_ARE_NEXT_AT_QUEUEING,
)
_WHILE_WAITING = _Places(
    next_in_line=Phrase("您是下一位，客服马上就来。", "You're next in line; an agent will be with you shortly."),
    ahead=Phrase(
        "您前面还有 {ahead} 位客户，预计等待约 {minutes} 分钟。",
        "There {verb} now {ahead} customer{plural} ahead of you; the expected wait is about "
        "{minutes} minute{minutes_plural}.",
    ),
    ahead_unknown_wait=Phrase(
        "您前面还有 {ahead} 位客户，请稍候。",
        "There {verb} now {ahead} customer{plural} ahead of you. Please stay with us.",
    ),
)
_BACK_IN_FRONT = Phrase(
    "很抱歉，为您服务的客服连接中断了。您已回到队列的最前面，下一位有空的客服会马上接待您。",
    "Sorry, your agent was disconnected. You are back at the front of the queue, and "
    "the next free agent will be with you shortly.",
)


def queue_position_text(
    position: int, wait_seconds: Optional[int], language: str, *, at_queueing: bool = False
) -> str:
    """The customer's place in line (1 = next) and expected wait (None: unknown), in
    their language: the first notice when `at_queueing`, else a change of place."""
    places = _AT_QUEUEING if at_queueing else _WHILE_WAITING
    ahead = max(position - 1, 0)
    if ahead == 0:
        return finish(say(places.next_in_line, language), language)
    counted = {"ahead": ahead, "verb": "is" if ahead == 1 else "are", "plural": "" if ahead == 1 else "s"}
    if wait_seconds is None:
        return finish(say(places.ahead_unknown_wait, language, **counted), language)
    minutes = max(1, round(wait_seconds / 60))
    return finish(
        say(places.ahead, language, **counted, minutes=minutes, minutes_plural="" if minutes == 1 else "s"),
        language,
    )


def back_in_front_text(language: str) -> str:
    """For a customer whose agent was disconnected: they are first in line again."""
    return finish(say(_BACK_IN_FRONT, language), language)


_LEFT_QUEUE = Phrase(
    "好的，已为您取消排队，机器人继续为您服务。还有什么可以帮您？",
    "All right, you have left the queue and the assistant is back with you. "
    "What else can I do for you?",
)
# Said around a goodbye without changing it ("不用了，谢谢", "cancel please").
_COURTESY = re.compile(r"^(?:好的|好|ok|okay)?(.*?)(?:了)?(?:谢谢|谢谢你|thanks|thankyou|please)?$")
_PUNCTUATION = re.compile(r"[\s\W_]+")


def says_leave_queue(text: str) -> bool:
    """Whether a waiting customer's whole message says they no longer want an agent."""
    plain = _PUNCTUATION.sub("", to_simplified(fold_full_width(text or "")).lower())
    if not plain:
        return False
    core = _COURTESY.match(plain).group(1)
    return any(_PUNCTUATION.sub("", cue) in (plain, core, core + "了") for cue in CUES["leave_queue"])


def left_queue_text(language: str) -> str:
    """For a customer who left the queue: the bot is back."""
    return finish(say(_LEFT_QUEUE, language), language)
