"""What the handoff actions tell a phone line (an IVR) besides their words.

A caller cannot be "put in the queue" of a chat: the IVR must transfer the call. So on
a voice channel the handoff adds a custom message {"transfer": {"team", "case_id"}}
that bot/channels/ivr.py turns into a transfer instruction; the agent's console finds
the case by that id, the conversation id. Out of hours, the callback goes to the number
the caller rings from, which the IVR channel vouches for in the trusted metadata and
the caller confirms with a key; once it is taken, {"hangup": true} ends the call.
Text channels get none of this.
"""
from typing import Any, Dict, List, Optional

from rasa_sdk import Tracker

from actions.conversation import channel_of
from actions.reply_format import spoken_end
from foundation.wording import VOICE_CHANNELS, Phrase, finish, join_sentences, say
from handoff.triggers import TRIGGERS

_CALL_BACK_TO_CALLER = Phrase(
    "请说出您的问题，客服会回电到您来电的号码，尾号 {end}。",
    "Please say your question, and an agent will call you back on the number you are "
    "calling from, ending in {end}.",
)
# The key that confirms a call back without a question, and what it leaves as the message.
_CONFIRM = Phrase("确认回电", "a call back without a message")
_CONFIRMED = Phrase("请回电到来电号码", "Please call me back on the number I called from")
_CALLBACK_TAKEN = Phrase(
    "已收到，客服会尽快回电到尾号 {end} 的号码。再见。",
    "Thank you. An agent will call you back soon on the number ending in {end}. Goodbye.",
)


def _vouched(tracker: Tracker) -> Dict[str, Any]:
    trusted = (tracker.latest_message.get("metadata") or {}).get(TRIGGERS.vip_metadata_key)
    return trusted if isinstance(trusted, dict) else {}


def on_the_phone(tracker: Tracker) -> bool:
    """A call through the IVR channel, which vouches for the caller (maybe withheld, "");
    the REST channel's IVR front end gets text replies only, as before."""
    return channel_of(tracker) in VOICE_CHANNELS and "caller" in _vouched(tracker)


def caller_number(tracker: Tracker) -> Optional[str]:
    """The number a phone caller rings from, as the IVR channel vouches for it."""
    caller = _vouched(tracker).get("caller") if on_the_phone(tracker) else None
    return caller if isinstance(caller, str) and caller.strip("+").isdigit() else None


def transfer(team: str, case_id: str) -> Dict[str, Any]:
    """The custom message that makes the IVR transfer the call to `team`."""
    return {"json_message": {"transfer": {"team": team, "case_id": case_id}}}


def hang_up() -> Dict[str, Any]:
    return {"json_message": {"hangup": True}}


def callback_offer(why: str, caller: str, language: str) -> Dict[str, Any]:
    """Out of hours on the phone: the question or a key confirms a call back to the caller."""
    text = join_sentences([why, say(_CALL_BACK_TO_CALLER, language, end=spoken_end(caller))], language)
    button = {"title": finish(say(_CONFIRM, language), language),
              "payload": finish(say(_CONFIRMED, language), language)}
    return {"text": finish(text, language), "buttons": [button]}


def callback_taken(caller: str, language: str) -> List[Dict[str, Any]]:
    return [{"text": finish(say(_CALLBACK_TAKEN, language, end=spoken_end(caller)), language)}, hang_up()]
