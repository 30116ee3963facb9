"""What the forms share: stepping aside for another request, and counting the answers
a return form cannot use (the third one gives up)."""
from rasa_sdk import Tracker
from rasa_sdk.events import SlotSet

from actions.conversation import step_aside
from actions.returns.forms import MAX_ATTEMPTS, failed_attempt


class Dispatcher:
    def __init__(self) -> None:
        self.texts = []

    def utter_message(self, text: str) -> None:
        self.texts.append(text)


def tracker(attempts: int) -> Tracker:
    return Tracker("c", {"return_attempts": attempts, "language": "en"}, {}, [], False, None, {},
                   "action_listen")


def test_stepping_aside_ends_the_form_and_rejects_it_so_the_rules_see_the_request():
    events = step_aside("return_form", SlotSet("return_attempts", 0))
    assert [event["event"] for event in events] == ["active_loop", "slot", "slot", "action_execution_rejected"]
    assert events[0]["name"] is None and events[-1]["name"] == "return_form"
    assert events[1] == SlotSet("requested_slot", None) and events[2] == SlotSet("return_attempts", 0)


def test_an_unusable_answer_is_explained_and_asked_again():
    dispatcher = Dispatcher()
    events = failed_attempt(dispatcher, tracker(0), "return_attempts", "Please answer yes or no.",
                            "en", give_up=[SlotSet("return_outcome", "failed")],
                            ask_again="return_confirmed")
    assert dispatcher.texts == ["Please answer yes or no."]
    assert events == [SlotSet("return_attempts", 1), SlotSet("requested_slot", "return_confirmed")]


def test_the_try_before_the_last_warns_and_the_last_gives_up_silently():
    warned = Dispatcher()
    failed_attempt(warned, tracker(MAX_ATTEMPTS - 2), "return_attempts", "Please answer yes or no.",
                   "en", give_up=[], ask_again="return_confirmed")
    assert warned.texts == ["Please answer yes or no. If it still doesn't work, I'll put you "
                            "through to a person."]
    last = Dispatcher()
    give_up = [SlotSet("return_outcome", "failed"), SlotSet("requested_slot", None)]
    events = failed_attempt(last, tracker(MAX_ATTEMPTS - 1), "return_attempts", "Please answer.",
                            "en", give_up=give_up, ask_again="return_confirmed")
    assert last.texts == [] and events == [SlotSet("return_attempts", MAX_ATTEMPTS)] + give_up
