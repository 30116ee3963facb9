"""The return form's questions: one action_ask_<slot> each, as Rasa forms look them up.

What is asked when is decided in return_form.py; these only ask, in the customer's
language and channel (buttons on the web, a spoken list on the phone line).
"""
from typing import List

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet

from actions.carrier import GatewayError, shared_gateway
from actions.carrier.gateway import shanghai_now
from actions.conversation import channel_of, language_of
from actions.returns import answers, reply
from actions.returns.draft import NO_SLOTS, UNAVAILABLE, Draft, ended, slot_value
from actions.returns.return_form import POLICY, decision_so_far, next_condition
from actions.verification import LIMITED, SENT, code_refused, send_code
from foundation.wording import Phrase


async def ask_return_parcel(dispatcher, tracker: Tracker) -> List[EventType]:
    tracked = tracker.get_slot("tracked_parcel")
    dispatcher.utter_message(text=reply.ask_parcel(tracked, language_of(tracker)))
    return []


async def ask_return_category(dispatcher, tracker: Tracker) -> List[EventType]:
    text, buttons = reply.ask_category(POLICY, language_of(tracker), channel_of(tracker))
    dispatcher.utter_message(text=text, buttons=buttons)
    return []


async def ask_return_reason(dispatcher, tracker: Tracker) -> List[EventType]:
    text, buttons = reply.ask_reason(answers.vocabulary().reason_labels, language_of(tracker),
                                     channel_of(tracker))
    dispatcher.utter_message(text=text, buttons=buttons)
    return []


async def ask_return_answers(dispatcher, tracker: Tracker) -> List[EventType]:
    condition = next_condition(Draft.of(tracker))
    text, buttons = reply.ask_condition(condition, language_of(tracker), channel_of(tracker))
    dispatcher.utter_message(text=text, buttons=buttons)
    return []


async def ask_return_address_confirmed(dispatcher, tracker: Tracker) -> List[EventType]:
    parcel = await shared_gateway().get_parcel(tracker.get_slot("return_parcel"))
    text, buttons = reply.ask_address(parcel, language_of(tracker), channel_of(tracker))
    dispatcher.utter_message(text=text, buttons=buttons)
    return []


async def ask_return_address(dispatcher, tracker: Tracker) -> List[EventType]:
    dispatcher.utter_message(text=reply.ask_new_address(language_of(tracker)))
    return []


async def ask_return_pickup_slot(dispatcher, tracker: Tracker) -> List[EventType]:
    """Offers the carrier's free slots; none left ends the form."""
    language = language_of(tracker)
    try:
        slots = await shared_gateway().pickup_slots(tracker.get_slot("return_parcel"))
    except GatewayError:
        dispatcher.utter_message(text=reply.returns_unavailable(language))
        return ended(UNAVAILABLE)
    slots = slots[: answers.MAX_SLOT_CHOICES]
    if not slots:
        return ended(NO_SLOTS)
    text, buttons = reply.ask_slot(slots, shanghai_now().date(), language, channel_of(tracker))
    dispatcher.utter_message(text=text, buttons=buttons)
    return [SlotSet("return_slot_options", [slot_value(slot) for slot in slots])]


async def ask_return_code(dispatcher, tracker: Tracker) -> List[EventType]:
    """Texts the recipient a code; after an unusable answer the problem was said and
    the same code is awaited. No code sent: the return waits, to carry on later."""
    if int(tracker.get_slot("return_attempts") or 0):
        return []
    sent = await send_code(dispatcher, tracker, tracker.get_slot("phone_number"))
    if sent == SENT:
        return []
    if sent == LIMITED:
        return code_refused()
    dispatcher.utter_message(text=reply.returns_unavailable(language_of(tracker)))
    return ended(UNAVAILABLE)


async def ask_return_confirmed(dispatcher, tracker: Tracker) -> List[EventType]:
    draft = Draft.of(tracker)
    language = language_of(tracker)
    parcel = await shared_gateway().get_parcel(draft.parcel)
    decision = decision_so_far(draft, parcel, shanghai_now())
    label = answers.vocabulary().reason_labels[draft.reason]
    text, buttons = reply.summary(
        draft.parcel, POLICY.category_name(draft.category),
        Phrase(label["zh"], label["en"]), reply.shown_address(draft.address, parcel),
        draft.slot, decision.return_shipping_paid_by, shanghai_now().date(), language,
        channel_of(tracker),
    )
    dispatcher.utter_message(text=text, buttons=buttons)
    return []


def _ask_action(slot: str, ask) -> type:
    """An action_ask_<slot> that runs `ask`."""

    async def run(self, dispatcher, tracker, domain):
        return await ask(dispatcher, tracker)

    return type(f"ActionAsk_{slot}", (Action,), {"name": lambda self: f"action_ask_{slot}",
                                                 "run": run})


ASK_ACTIONS = tuple(
    _ask_action(slot, ask) for slot, ask in (
        ("return_parcel", ask_return_parcel),
        ("return_category", ask_return_category),
        ("return_reason", ask_return_reason),
        ("return_answers", ask_return_answers),
        # Rasa asks a form's own action_ask_<form>_<slot> before action_ask_<slot>.
        ("return_form_verification_code", ask_return_code),
        ("return_address_confirmed", ask_return_address_confirmed),
        ("return_address", ask_return_address),
        ("return_pickup_slot", ask_return_pickup_slot),
        ("return_confirmed", ask_return_confirmed),
    )
)
