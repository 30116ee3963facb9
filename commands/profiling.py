"""A py-spy profile of a running Rasa server, summarised as where its time went.

`py-spy record --format raw` writes one line per distinct stack ("frame;frame;... count").
The summary gives, as shares of all busy samples, the phases of a turn (a sample counts
for a phase when the phase's frame is on its stack) and the packages whose code was
running: the lines to compare before and after a change.
"""
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Optional, Tuple

from foundation.settings import ROOT

PY_SPY = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))


def start_recording(pid: int, seconds: float, output: Path) -> Optional[subprocess.Popen]:
    """Samples `pid` for `seconds` in the background; None (and why) without py-spy."""
    if not Path(PY_SPY).exists():
        print("[profile] py-spy is not installed (pip install py-spy); no profile", flush=True)
        return None
    output.parent.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(
        [PY_SPY, "record", "--pid", str(pid), "--duration", str(int(seconds)),
         "--rate", "100", "--format", "raw", "--output", str(output), "--nonblocking"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )


# Where a Rasa server's turn spends its time, by the frames that mark each phase (the
# tracker store may work in the event loop or in worker threads).
PHASES = (
    ("checking action server answers", ("_validate_action_result",)),
    ("loading the tracker", ("rasa/core/processor.py:get_tracker",
                             "rasa/core/tracker_store.py:_retrieve",
                             "bot/tracker_store.py:_load")),
    ("saving the tracker", ("rasa/core/processor.py:save_tracker",
                            "rasa/core/tracker_store.py:save",
                            "bot/tracker_store.py:_store_new_events")),
    ("NLU", ("rasa/core/processor.py:parse_message",)),
    ("policies", ("rasa/core/processor.py:_predict_next_with_tracker",)),
    ("calling the action server", ("rasa/core/actions/action.py:_action_call_format",)),
    ("the lock store", ("rasa/core/lock_store.py", "bot/lock_store.py")),
    ("the event stream", ("bot/event_broker.py",)),
)
# A thread waiting for work is idle, whatever py-spy makes of it.
IDLE_LEAVES = ("threading.py:wait", "concurrent/futures/thread.py:_worker", "queue.py:get")


def summarise(raw_profile: Path, count: int = 12) -> Tuple[int, Counter, Counter]:
    """Busy samples in all; samples by phase (inclusive); samples by the package whose
    code was running (the stack's leaf), the `count` biggest."""
    phases: Counter = Counter()
    leaves: Counter = Counter()
    total = 0
    for line in raw_profile.read_text(errors="replace").splitlines():
        stack, _, samples = line.rpartition(" ")
        if not samples.isdigit():
            continue
        frames = [_function(frame) for frame in stack.split(";")]
        if frames[-1].endswith(IDLE_LEAVES):
            continue
        n = int(samples)
        total += n
        for label, markers in PHASES:
            if any(marker in frame for frame in frames for marker in markers):
                phases[label] += n
        leaves[frames[-1].split("/")[0].split(":")[0]] += n
    return total, phases, Counter(dict(leaves.most_common(count)))


def _function(frame: str) -> str:
    """'validate (jsonschema/validators.py:1100)' -> 'jsonschema/validators.py:validate'."""
    name, _, place = frame.partition(" (")
    path = place.rstrip(")").rsplit(":", 1)[0]
    for marker in ("site-packages/", f"{ROOT}/", "python3.10/"):
        if marker in path:
            path = path.split(marker, 1)[1]
    return f"{path}:{name}"


def print_summary(raw_profile: Path, label: str) -> None:
    total, phases, leaves = summarise(raw_profile)
    print(f"\n[profile] {label}: {total} busy samples ({raw_profile})", flush=True)
    if not total:
        return
    print("  by phase of a turn (inclusive; phases overlap):")
    for name, _ in PHASES:
        print(f"    {phases[name] / total * 100:5.1f} %  {name}")
    print("  by package running (exclusive):")
    for name, n in leaves.most_common():
        print(f"    {n / total * 100:5.1f} %  {name}")
