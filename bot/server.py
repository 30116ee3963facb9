"""The Rasa server with the project's fixes to Rasa itself: `python -m bot.server run ...`.

Takes exactly the arguments of `rasa` (it is Rasa's own command line); the launcher
and the tests start the Rasa server through it. Each fix replaces one piece of Rasa 3.6
and says why in its module: `action_results`, `action_connections`, `event_types`,
`graph_runner`, `intent_scores`, `sentence_batches` and `slot_copy` do the same work faster; `action_server_down` and `tracker_store_outage` change on
purpose what a customer gets when a part of the stack fails (an apology or a clear
error instead of silence or a conversation silently started afresh).
"""
import sys

from bot import (action_connections, action_results, action_server_down, event_types,
                 graph_runner, intent_scores, sentence_batches, slot_copy,
                 tracker_store_outage)


def main() -> None:
    action_results.install()
    action_connections.install()
    action_server_down.install()
    event_types.install()
    graph_runner.install()
    intent_scores.install()
    sentence_batches.install()
    slot_copy.install()
    tracker_store_outage.install()
    from rasa.__main__ import main as rasa_main

    sys.argv[0] = "rasa"
    rasa_main()


if __name__ == "__main__":
    main()
