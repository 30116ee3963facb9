"""Rasa pipeline component: rules that correct the classifier by what a message holds.

Numbers. A message that carries a parcel or phone number is a tracking request, and one
that carries a return number asks after that return, unless the classifier found another
service request in it (a return request naming a return number is no other request: that
return exists already).

Customers often send nothing but the number ("KD202611230001", "13812345678",
"RT0000000042"), the number with its name ("手机号 138…", "运单号：SF…") or the number
with a word or two ("…怎么样了"). The classifier has no
words to go on there and says out_of_scope, goodbye or not understood; the number says
what is wanted. A complaint, a return or a request for a person that mentions a number
keeps its intent; a message of nothing but numbers always gets the numbers' intent, and
a parcel number with no word of a return or refund is never a return-status check
("KD… 怎么样了").

Refunds. "我退回去的东西钱什么时候到账", "when does my refund arrive after I returned it"
share most words with tracking requests ("到", "arrive", "when"), but money coming back
is the progress of a return: track_parcel becomes check_return_status. A general refund
question stays a knowledge-base question (the dialogue answers it with the return's
status when the conversation has one).

Nothing to read. A message without a letter, digit or Chinese character (emoji,
punctuation) is not understood, whatever the classifier made of its sentence vector:
the customer is asked to say it in words. The few emoji that answer a question (👍,
🙏, ❌) are read as yes, thanks and no.
"""
import re
from typing import List, Optional

from rasa.engine.recipes.default_recipe import DefaultV1Recipe
from rasa.shared.nlu.constants import ENTITIES, INTENT, INTENT_RANKING_KEY, TEXT
from rasa.shared.nlu.training_data.message import Message

from bot.nlu.rule_component import RuleComponent
from bot.nlu.text_normaliser import NUMBERS_TEXT
from foundation.cue_words import says, without
from foundation.numbers import spoken_digits_to_digits

TRACKING = "track_parcel"
RETURN_STATUS = "check_return_status"
NOT_UNDERSTOOD = "nlu_fallback"
INTENT_OF_EMOJI = {"👍": "affirm", "👌": "affirm", "✅": "affirm", "🆗": "affirm",
                   "🙏": "thank", "❌": "deny", "👎": "deny"}
# Emoji modifiers (skin tones, variation selectors, joiners) and spaces add no meaning.
_EMOJI_NOISE = re.compile(r"[\s\U0001F3FB-\U0001F3FF\uFE0E\uFE0F\u200D]")
NUMBER_ENTITIES = frozenset({"return_number", "tracking_number", "phone_number"})
# A letter, digit or Chinese character left over: the message says more than numbers.
_WORD = re.compile(r"[^\W_]")
# What a number on its own asks for; a return number says more than a parcel number.
INTENT_OF_NUMBER = (
    ("return_number", "check_return_status"),
    ("tracking_number", "track_parcel"),
    ("phone_number", "track_parcel"),
)
# Intents that say nothing about the courier's services, which a number overrides.
OVERRIDDEN_INTENTS = frozenset(
    {"nlu_fallback", "out_of_scope", "greet", "goodbye", "thank", "affirm", "deny", "ask_faq"}
)
# "RT0000000042 到哪了" reads as tracking, but a return number is no parcel's; and
# "退货 RT0000000042 的退款呢" may read as a return request, but a return number
# belongs to a return already made, so it can only be asked after.
OVERRIDDEN_BY_RETURN_NUMBER = OVERRIDDEN_INTENTS | {"track_parcel", "request_return"}


def only_numbers(message: Message) -> bool:
    """Whether the message is nothing but its numbers, named or not ("手机号 138…",
    "tracking no. KD…"): then no classifier guess can beat them, whatever it made of
    the digits and the names ("电话" is near "打电话给人工")."""
    # The entities' places are in the text with the numbers and greetings.
    text = message.get(NUMBERS_TEXT) or spoken_digits_to_digits(message.get(TEXT) or "")
    for entity in sorted(message.get(ENTITIES, []), key=lambda e: e.get("start", 0), reverse=True):
        if entity.get("entity") in NUMBER_ENTITIES:
            text = text[: entity["start"]] + text[entity["end"]:]
    return not _WORD.search(without("number_label", text))


@DefaultV1Recipe.register(
    [DefaultV1Recipe.ComponentType.INTENT_CLASSIFIER], is_trainable=False
)
class IntentRules(RuleComponent):

    def process(self, messages: List[Message]) -> List[Message]:
        for message in messages:
            wanted = (intent_of_nothing(message) or intent_of_numbers(message)
                      or intent_of_refund(message))
            if wanted:
                chosen = {"name": wanted, "confidence": 1.0}
                ranking = [r for r in message.get(INTENT_RANKING_KEY, []) if r["name"] != wanted]
                message.set(INTENT, chosen, add_to_output=True)
                message.set(INTENT_RANKING_KEY, [chosen] + ranking, add_to_output=True)
        return messages


def intent_of_nothing(message: Message) -> Optional[str]:
    """For a message with no word in it: yes, thanks or no for the emoji that say so
    ("👍👍", "🙏🏻"), else nlu_fallback ("🤔", "。。。")."""
    text = message.get(TEXT) or ""
    if _WORD.search(text):
        return None
    meanings = {INTENT_OF_EMOJI.get(symbol) for symbol in _EMOJI_NOISE.sub("", text)}
    return meanings.pop() if len(meanings) == 1 and None not in meanings else NOT_UNDERSTOOD


def intent_of_numbers(message: Message) -> Optional[str]:
    """The intent the message's numbers ask for, when it should replace the classifier's."""
    intent = (message.get(INTENT) or {}).get("name")
    entities = {e.get("entity") for e in message.get(ENTITIES, [])}
    wanted = next((name for entity, name in INTENT_OF_NUMBER if entity in entities), None)
    overridden = OVERRIDDEN_BY_RETURN_NUMBER if wanted == RETURN_STATUS else OVERRIDDEN_INTENTS
    if wanted and wanted != intent and (
        intent in overridden
        or only_numbers(message)
        or (intent == RETURN_STATUS and not says("return_or_refund", message.get(TEXT)))
    ):
        return wanted
    return None


def intent_of_refund(message: Message) -> Optional[str]:
    """check_return_status for a refund question the classifier read as tracking."""
    intent = (message.get(INTENT) or {}).get("name")
    return RETURN_STATUS if intent == TRACKING and says("refund", message.get(TEXT)) else None
