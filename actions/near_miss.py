"""What the near-miss rules read from a conversation: whether the customer sounds cross,
and which messages belong to the form now ending.

The rules (README, "Near misses") make replies end well whichever of two confusable
intents the classifier picked. Each lives where its reply is made:
- a delay said crossly, read as tracking, still gets an apology and the offer of a
  person, recorded as a complaint; read as a complaint with no parcel known, the parcel
  is looked up first (actions/tracking.py);
- "can I return X?", read as a request or as a question, gets the policy for X and the
  return starts at once (actions/faq.py, actions/returns/return_form.py);
- a refund question after a return gets that return's status (actions/faq.py,
  bot/nlu/intent_rules.py).
Cue words are data (foundation/cue_words.yml); the classifier's own ranking counts too.
"""
from typing import Dict, List

from rasa_sdk import Tracker

from foundation.cue_words import says

# A complaint this likely in the classifier's ranking is reason enough to apologise.
COMPLAINT_RANKING_AT_LEAST = 0.2


def _ranked(message: Dict, intent: str) -> float:
    ranking = message.get("intent_ranking") or []
    return next((r.get("confidence") or 0.0 for r in ranking if r.get("name") == intent), 0.0)


def sounds_like_complaint(message: Dict) -> bool:
    """A parsed user message said with blame: cue words, or a complaint ranked close."""
    return says("complaint_tone", message.get("text") or "") or (
        _ranked(message, "complain") >= COMPLAINT_RANKING_AT_LEAST
    )


def messages_of_form(tracker: Tracker, form: str) -> List[Dict]:
    """The customer's parsed messages of `form`'s latest run: the one that started it
    and every answer since."""
    events = list(tracker.events)
    started = max((i for i, e in enumerate(events)
                   if e.get("event") == "active_loop" and e.get("name") == form), default=None)
    if started is None:
        return [tracker.latest_message]
    first = max((i for i, e in enumerate(events[:started]) if e.get("event") == "user"), default=started)
    return [e.get("parse_data") or {"text": e.get("text")}
            for e in events[first:] if e.get("event") == "user"]
