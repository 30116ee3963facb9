"""The November-peak load benchmark: `make bench-load` (python -m commands.bench_load).

Scripted customers (commands/load_client.py: tracking, knowledge questions, a return
form and a handoff, half over REST and half over socket.io) talk to, in one run:
  project  the full stack as `make run` starts it: Rasa, action server, Redis lock
           store, SQL tracker store (DATABASE_URL, else SQLite), handoff and editor services;
  stock    stock Rasa 3.6 (commands/stock_rasa/: the default pipeline and policies with
           the JiebaTokenizer, in-memory stores) on the same domain, data and action server.
For each: one conversation at a time, then N at once; turns/s, p50/p95/p99, errors, and
each process's peak memory; then the ratio. Prints figures, asserts nothing.

N at once, each customer sending their next message the moment a reply arrives, finds
the most turns a set-up can take: latency then grows with the queue (Little's law: 50
customers at 60 turns/s wait 0.83 s on average), so a p95 under 800 ms is out of reach
at any capacity below about 80 turns/s. `--think S` adds a row where each customer
pauses S seconds after a reply, as people do, which offers a steady load instead: with
--think 0.5, 50 customers offer about 60 turns/s, the issue's peak.
"""
import argparse
import asyncio
import os
import shutil
import threading
import time
import uuid
from typing import Callable, Dict, List

import psutil
import uvloop

from commands.latency import percentiles
from commands.cluster import Cluster, find_nginx
from commands.first_run import example_parcels
from commands.launcher import Service, Stack
from commands.load_client import LoadFigures, Target, run_load
from commands.profiling import print_summary, start_recording
from commands.redis_server import start_embedded_redis
from commands.training import ensure_model, ensure_stock_model
from foundation.settings import VAR

BENCH_VAR = VAR / "bench"
TARGETS = ("project", "cluster", "stock")
READY_TIMEOUT = 180


class ProcessMeter:
    """Samples the resident memory of named processes (with their children) until
    stopped, keeping each one's peak, and counts the CPU seconds each used meanwhile."""

    def __init__(self, processes: Dict[str, int]) -> None:
        self.pids = processes
        self.peaks = {name: 0 for name in processes}
        self.cpu = {name: 0.0 for name in processes}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def __enter__(self) -> "ProcessMeter":
        self.cpu = {name: -self._cpu_seconds(pid) for name, pid in self.pids.items()}
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        for name, pid in self.pids.items():
            self.cpu[name] += self._cpu_seconds(pid)

    @staticmethod
    def _tree(pid: int) -> List[psutil.Process]:
        process = psutil.Process(pid)
        return [process, *process.children(recursive=True)]

    def _cpu_seconds(self, pid: int) -> float:
        try:
            return sum(sum(p.cpu_times()[:2]) for p in self._tree(pid))
        except psutil.Error:
            return 0.0

    def _sample(self) -> None:
        while not self._stop.wait(0.25):
            for name, pid in self.pids.items():
                try:
                    rss = sum(p.memory_info().rss for p in self._tree(pid))
                except psutil.Error:
                    continue
                self.peaks[name] = max(self.peaks[name], rss)


class StockRasa(Stack):
    """Stock Rasa (commands/stock_rasa/) in front of the project's action server."""

    def ports(self) -> List[int]:
        return [self.settings.rasa_port, self.settings.actions_port]

    def services(self, env: Dict[str, str]) -> List[Service]:
        argv = ["-m", "rasa", "run", "--model", str(self.model),
                "--interface", self.settings.host, "--port", str(self.settings.rasa_port),
                "--endpoints", "commands/stock_rasa/endpoints.yml",
                "--credentials", "commands/stock_rasa/credentials.yml"]
        return [
            self.action_server(env, "action server", self.settings.actions_port, "actions.log"),
            (self._child("stock Rasa server", argv, env, "stock-rasa.log"),
             f"{self.settings.rasa_url}/"),
        ]


def measure(target: Target, processes: Dict[str, int], rasa: List[int],
            parcels: Dict[str, str], conversations: int, seconds: float,
            profile: bool = False, think: float = 0.0) -> Dict[str, object]:
    print(f"[bench] {target.name}: warming up", flush=True)
    asyncio.run(run_load(target, 2, 8, parcels))
    print(f"[bench] {target.name}: 1 conversation at a time for {seconds:.0f} s", flush=True)
    single = asyncio.run(run_load(target, 1, seconds, parcels))
    print(f"[bench] {target.name}: {conversations} conversations at once for {seconds:.0f} s",
          flush=True)
    raw_profile = BENCH_VAR / f"{target.name}-rasa.profile.txt"
    # The (first) Rasa server, while the load runs.
    profiler = start_recording(rasa[0], seconds - 5, raw_profile) if profile else None
    with ProcessMeter(processes) as meter:
        loaded = _with_progress(
            lambda: asyncio.run(run_load(target, conversations, seconds, parcels)), seconds)
    if profiler is not None:
        profiler.wait()
        print_summary(raw_profile, f"Rasa server of {target.name}, {conversations} at once")
    run = {"single": single, "loaded": loaded, "memory": meter.peaks, "cpu": meter.cpu}
    if think:
        print(f"[bench] {target.name}: {conversations} at once, {think:g} s between a reply "
              f"and the next message, for {seconds:.0f} s", flush=True)
        run["paced"] = _with_progress(
            lambda: asyncio.run(run_load(target, conversations, seconds, parcels, think)), seconds)
    return run


def _with_progress(work: Callable[[], LoadFigures], seconds: float) -> LoadFigures:
    done = threading.Event()

    def tick() -> None:
        started = time.monotonic()
        while not done.wait(10):
            print(f"[bench]   {time.monotonic() - started:.0f} / {seconds:.0f} s", flush=True)

    threading.Thread(target=tick, daemon=True).start()
    try:
        return work()
    finally:
        done.set()


def _row(label: str, figures: LoadFigures) -> str:
    durations = figures.results.durations
    p50, p95, p99 = (d * 1000 for d in percentiles(durations)) if len(durations) > 1 else (0, 0, 0)
    errors = sum(figures.results.errors.values())
    return (f"{label:<28}{figures.conversations:>6}{figures.turns:>7}"
            f"{figures.turns_per_second:>9.1f}{p50:>9.0f}{p95:>9.0f}{p99:>9.0f}{errors:>8}")


def report(runs: Dict[str, Dict[str, object]]) -> None:
    print(f"\n{'':<28}{'convs':>6}{'turns':>7}{'turns/s':>9}{'p50 ms':>9}{'p95 ms':>9}"
          f"{'p99 ms':>9}{'errors':>8}")
    for name, run in runs.items():
        print(_row(f"{name}, 1 at a time", run["single"]))
        print(_row(f"{name}, {run['loaded'].conversations} at once", run["loaded"]))
        if "paced" in run:
            print(_row(f"{name}, {run['paced'].conversations}, {run['paced'].think:g} s pauses",
                       run["paced"]))
    for name, run in runs.items():
        errors = {**run["single"].results.errors, **run["loaded"].results.errors}
        if errors:
            print(f"errors of {name}: " + ", ".join(f"{why} ×{n}" for why, n in errors.items()))
        peaks = ", ".join(f"{process} {rss / 2**20:.0f} MB" for process, rss in run["memory"].items())
        print(f"peak memory under load, {name}: {peaks}")
        loaded = run["loaded"]
        busy = {**run["cpu"], "load client": loaded.client_cpu}
        print(f"CPU under load, {name} (share of one core): " + ", ".join(
            f"{process} {seconds / loaded.seconds:.0%}" for process, seconds in busy.items()))
    _targets(runs)


def _targets(runs: Dict[str, Dict[str, object]]) -> None:
    """The issue's targets, for each of the project's set-ups."""
    stock = runs.get("stock", {}).get("loaded")
    for name in ("project", "cluster"):
        if name not in runs:
            continue
        for row in ("loaded", "paced"):
            if row not in runs[name]:
                continue
            figures = runs[name][row]
            durations = figures.results.durations
            p95 = percentiles(durations)[1] * 1000 if len(durations) > 1 else 0
            met = figures.turns_per_second >= 60 and p95 <= 800
            how = f"{figures.think:g} s pauses" if figures.think else "no pauses"
            print(f"{name} ({how}): >= 60 turns/s with p95 <= 800 ms: "
                  f"{'met' if met else 'MISSED'} ({figures.turns_per_second:.1f} turns/s, p95 {p95:.0f} ms)")
        loaded = runs[name]["loaded"]
        if stock and stock.turns_per_second:
            ratio = loaded.turns_per_second / stock.turns_per_second
            print(f"{name} / stock Rasa at {loaded.conversations} conversations: {ratio:.2f}× "
                  f"the turns per second (target 2.5×: {'met' if ratio >= 2.5 else 'MISSED'})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--conversations", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--only", choices=TARGETS, action="append",
                        help="measure this one (may be repeated); default: all")
    parser.add_argument("--profile", action="store_true",
                        help="profile each Rasa server under load with py-spy")
    parser.add_argument("--think", type=float, default=0.0,
                        help="also run N customers pausing this many seconds after each reply")
    args = parser.parse_args()
    # The customers share the machine with the servers: on uvloop they take less of it.
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())
    # Agents' hours open so the handoff script queues (nobody answers; it is load only).
    os.environ.update(HANDOFF_HOURS="00:00-24:00",
                      HANDOFF_KEY_PREFIX=f"bench-{uuid.uuid4().hex[:8]}:handoff:")
    shutil.rmtree(BENCH_VAR, ignore_errors=True)
    runs: Dict[str, Dict[str, object]] = {}
    redis = start_embedded_redis(BENCH_VAR / "redis")
    try:
        for name in args.only or TARGETS:
            if name == "cluster" and not find_nginx():
                print("[bench] cluster skipped: nginx is not installed (make nginx)", flush=True)
                continue
            runs[name] = bench(name, args, redis.url)
    finally:
        redis.stop()
    report(runs)


def bench(name: str, args: argparse.Namespace, redis_url: str) -> Dict[str, object]:
    var_dir = BENCH_VAR / name
    print(f"[bench] starting {name} (training its model first if its inputs changed)", flush=True)
    kind, model = {
        "project": (Stack, ensure_model),
        "cluster": (Cluster, ensure_model),
        "stock": (StockRasa, ensure_stock_model),
    }[name]
    stack = kind.on_free_ports(model(), var_dir, redis_url, os.environ.get("DATABASE_URL", ""))
    stack.start()
    try:
        target = Target(name, stack.settings.rasa_url,
                        rest_token=None if kind is StockRasa else stack.settings.secret("REST_APP_TOKEN"))
        processes = {child.name: child.process.pid for child in stack.children}
        rasa = [child.process.pid for child in stack.children if "Rasa server" in child.name]
        return measure(target, processes, rasa, example_parcels(var_dir / "carrier.db"),
                       args.conversations, args.seconds, args.profile, args.think)
    finally:
        stack.stop()


if __name__ == "__main__":
    main()
