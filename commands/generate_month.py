"""A month of conversations driven through the real assistant, with a known mix, for the
analytics report and its test (tests/stack/test_analytics_month.py).

    python -m commands.generate_month [--var-dir var/month --from 2026-11-01 --days 30 --seed 1]

starts a private assistant in DIR (its own Redis, SQLite databases, demo carrier and
demo team) on a simulated clock (commands/simulated_clock.py, libfaketime): before each
customer message and agent action the clock is moved to its moment in the month, so
every event, case and rating carries a real timestamp of that month. Per day, at
weekday-shaped hours (commands/month_conversations.py): customers resolved by the bot
(tracking a demo parcel, a knowledge question, on the app's and the IVR's REST front
ends), handed off (an agent takes, answers, closes; the customer rates), left in the
bot after a misunderstood message or an unclear question, left the queue ("不用了"),
return requests (the whole form), and customers coming back within 24 hours. Then it
loads the analytics tables (DIR/analytics.db) while the stack still runs, stops it,
writes the figures the report should show (commands/month_figures.py) to
DIR/expected-figures.json and prints the report command. `generate()` plays the month
on a stack already running on a simulated clock (the tests').
"""
import argparse
import asyncio
import json
import random
import re
import subprocess
import sys
import time
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from typing import Dict, List, Optional

import requests
from sqlalchemy import create_engine, select

from actions.carrier.demo_carrier import DemoCarrier
from actions.carrier.demo_schema import parcels_table, returns_table
from commands.launcher import Stack
from commands.month_conversations import NEEDS_RNG, PLAYS, Customer
from commands.month_figures import Conversation, Figures, expected_figures
from commands.simulated_clock import SimulatedClock, inherited_environment
from commands.training import ensure_model
from foundation.settings import ROOT
from handoff.demo_users import ensure_demo_users

# What the stack must run with: agents' hours open all day; a lease no simulated hour
# outlives (the agent here has no console sending heartbeats); and time for the action
# server's first knowledge answer, which builds its search index (over the bot's 10 s
# on a busy machine, and a cancelled build starts again from nothing).
GENERATOR_ENVIRONMENT = {"HANDOFF_HOURS": "00:00-24:00", "HANDOFF_LEASE_SECONDS": "100000000",
                         "ACTION_SERVER_TIMEOUT": "300"}
# Customers per UTC hour of a weekday (Asia/Shanghai 09:00-21:00); weekends are quieter.
HOURLY_WEIGHTS = {1: 2, 2: 4, 3: 4, 4: 3, 5: 3, 6: 4, 7: 4, 8: 3, 9: 2, 10: 2, 11: 3, 12: 2, 13: 1}
# Kinds of conversation and how often each comes; "again" brings a resolved customer
# back some hours later the same day.
MIX = {"tracking": 4, "knowledge": 3, "reask": 1, "handoff": 4, "knowledge_to_person": 1,
       "misunderstood": 2, "unanswered": 1, "left_queue": 2, "return": 1, "again": 2}
RETURNS = 8  # return requests in the month at most: one delivered demo parcel each
IVR_SHARE = 0.3  # of the knowledge questions, asked on the phone line's front end
AGAIN_AFTER = (2 * 3600, 5 * 3600)  # a customer back this much later (another session)


class Assistant:
    """The running assistant as a customer and an agent reach it."""

    def __init__(self, rasa_url: str, rest_tokens: Dict[str, str], rasa_token: str, handoff_url: str,
                 agent: str, agent_password: str, clock: SimulatedClock, carrier_db: Path) -> None:
        """`rest_tokens`: the REST channel's bearer token of each front end ("app", "ivr")."""
        self.rest_url = rasa_url.rstrip("/") + "/webhooks/rest/webhook"
        self.rest_tokens = rest_tokens
        self.handoff_url = handoff_url.rstrip("/")
        self.agent, self.agent_password = agent, agent_password
        self.agent_token = ""
        self.clock = clock
        self.carrier_url = f"sqlite:///{carrier_db}"
        self.carrier = DemoCarrier(self.carrier_url)
        self.http = requests.Session()
        # No call here is safe to repeat (a claim takes the next customer, a message is
        # a turn), and the services close a connection idle for their keep-alive time
        # (5 s) while other calls run: a pooled one could be reset as a call goes out.
        self.http.headers["Connection"] = "close"
        self.rasa_url = rasa_url.rstrip("/")
        self.rasa_token = rasa_token

    @classmethod
    def of(cls, stack: Stack, clock: SimulatedClock, agent: str, agent_password: str) -> "Assistant":
        settings = stack.settings
        return cls(settings.rasa_url, {front_end: settings.secret(f"REST_{front_end.upper()}_TOKEN")
                                       for front_end in ("app", "ivr")},
                   settings.auth_token, settings.handoff_url, agent, agent_password, clock,
                   settings.var_dir / "carrier.db")

    def say(self, sender: str, text: str, front_end: str = "app") -> List[str]:
        reply = self.http.post(self.rest_url, json={"sender": sender, "message": text}, timeout=360,
                               headers={"Authorization": f"Bearer {self.rest_tokens[front_end]}"})
        reply.raise_for_status()
        return [message.get("text") or "" for message in reply.json()]

    def act(self, method: str, path: str, body: Optional[dict] = None) -> requests.Response:
        """An agent's call to the handoff service, logging in again once its token ran
        out (it is issued on the service's simulated clock)."""
        for _ in range(2):
            if not self.agent_token:
                self.log_in()
            reply = self.http.request(method, f"{self.handoff_url}{path}", json=body, timeout=60,
                                      headers={"Authorization": f"Bearer {self.agent_token}"})
            if reply.status_code != 401:
                reply.raise_for_status()
                return reply
            self.agent_token = ""
        raise RuntimeError(f"{self.agent} cannot log in to {self.handoff_url}.")

    def log_in(self) -> None:
        """Logs the agent in, which also brings them online for the queue."""
        login = self.http.post(f"{self.handoff_url}/api/login", timeout=30,
                               json={"user": self.agent, "password": self.agent_password})
        login.raise_for_status()
        self.agent_token = login.json()["token"]

    def bot_texts(self, conversation: str) -> List[str]:
        """What the bot (or an agent) has said in the conversation, from Rasa's HTTP API."""
        reply = self.http.get(f"{self.rasa_url}/conversations/{conversation}/tracker",
                              params={"token": self.rasa_token}, timeout=30)
        reply.raise_for_status()
        return [e.get("text") or "" for e in reply.json()["events"] if e["event"] == "bot"]

    def demo_parcels(self) -> Dict[str, List[str]]:
        """Waybill numbers of the demo carrier: in transit, and delivered without a
        return (the newest last, so each return pops one inside every return window)."""
        engine = create_engine(self.carrier_url)
        try:
            with engine.connect() as connection:
                returned = set(connection.execute(select(returns_table.c.tracking_number)).scalars())

                def newest(status: str) -> List[str]:
                    query = (select(parcels_table.c.tracking_number)
                             .where(parcels_table.c.status == status)
                             .order_by(parcels_table.c.created_at.desc()))
                    return [n for n in connection.execute(query).scalars() if n not in returned]

                return {"in_transit": newest("in_transit")[:2],
                        "returnable": newest("delivered")[:RETURNS][::-1]}
        finally:
            engine.dispose()

    def code_sent_to(self, tracking_number: str) -> str:
        """The SMS code last texted to the parcel's recipient (the demo carrier's outbox)."""
        parcel = asyncio.run(self.carrier.get_parcel(tracking_number))
        texts = self.carrier.outbox(parcel.recipient.phone)
        return re.search(r"\d{6}", texts[-1]).group()


def day_plan(day: date, rng: random.Random, returns_left: int) -> List[tuple]:
    """(start, kind) of the day's conversations, in time order, at distinct hours."""
    count = rng.randint(3, 5) if day.weekday() < 5 else rng.randint(2, 3)
    hours = sorted(_weighted_sample(HOURLY_WEIGHTS, count, rng))
    kinds = [k for k in MIX if k != "return" or returns_left > 0]
    midnight = datetime(day.year, day.month, day.day, tzinfo=timezone.utc).timestamp()
    plan = []
    for hour in hours:
        kind = rng.choices(kinds, weights=[MIX[k] for k in kinds])[0]
        plan.append((midnight + hour * 3600 + rng.randint(0, 40) * 60, kind))
    return plan


def generate(assistant: Assistant, first_day: date, days: int, seed: int) -> List[Conversation]:
    """Plays the month; the conversations as played."""
    rng = random.Random(seed)
    parcels = assistant.demo_parcels()
    warm_up(assistant, first_day)
    assistant.log_in()
    played: List[Conversation] = []
    for offset in range(days):
        day = first_day + timedelta(days=offset)
        schedule = day_plan(day, rng, len(parcels["returnable"]))
        comebacks = []
        for start, kind in schedule:
            if kind == "again":
                kind = "tracking"
                comebacks.append(start)
            played.append(_play(assistant, kind, start, rng, parcels, f"m{seed}-{day:%m%d}-{len(played)}"))
        for start in comebacks:  # the same customer, resolved, comes back later that day
            first = played[-len(schedule):][[s for s, _ in schedule].index(start)]
            again_at = max(start + rng.choice(AGAIN_AFTER), played[-1].started_at + 3600)
            played.append(_play(assistant, "knowledge", again_at, rng, parcels, first.sender.split(":", 1)[1]))
    return played


def warm_up(assistant: Assistant, first_day: date) -> None:
    """Asks a knowledge question the day before the month (outside its report): the
    action server builds its search index at the first question, not in the month."""
    eve = datetime(first_day.year, first_day.month, first_day.day, tzinfo=timezone.utc) - timedelta(hours=12)
    assistant.clock.set(eve.timestamp())
    answer = "".join(assistant.say("warm-up", "运费怎么算"))
    if "首重" not in answer:
        raise RuntimeError(f"The knowledge base did not answer (ACTION_SERVER_TIMEOUT too short?): {answer}")


def _weighted_sample(weights: Dict[int, int], count: int, rng: random.Random) -> List[int]:
    left = dict(weights)
    chosen = []
    for _ in range(count):
        pick = rng.choices(list(left), weights=list(left.values()))[0]
        chosen.append(pick)
        del left[pick]
    return chosen


def _play(assistant: Assistant, kind: str, start: float, rng: random.Random, parcels, sender: str) -> Conversation:
    front_end = "ivr" if kind == "knowledge" and rng.random() < IVR_SHARE else "app"
    customer = Customer(assistant, sender, start, front_end)
    if kind in NEEDS_RNG:
        PLAYS[kind](customer, parcels, rng)
    else:
        PLAYS[kind](customer, parcels)
    return customer.record


def figures_as_rows(figures: Figures) -> List[dict]:
    return [{"metric": m, "segment": s, "value": v} for (m, s), v in sorted(figures.items())]


def play_month(var_dir: Path, first_day: date, days: int, seed: int) -> List[Conversation]:
    """Starts a private assistant in `var_dir` on a simulated clock, plays the month,
    loads the analytics tables (var_dir/analytics.db) and stops it."""
    var_dir.mkdir(parents=True, exist_ok=True)
    clock = SimulatedClock(var_dir / "clock")
    clock.set(datetime(first_day.year, first_day.month, first_day.day, tzinfo=timezone.utc).timestamp() - 86400)
    stack = Stack.on_free_ports(ensure_model(), var_dir)
    passwords = ensure_demo_users(stack.settings.users_file)
    if "agent1" not in passwords:
        raise SystemExit(f"{var_dir} was used before: give an empty --var-dir.")
    with inherited_environment({**GENERATOR_ENVIRONMENT, **clock.environment()}):
        stack.start()
    try:
        played = generate(Assistant.of(stack, clock, "agent1", passwords["agent1"]), first_day, days, seed)
        subprocess.run([sys.executable, "-m", "analytics.loading"], cwd=ROOT, check=True,
                       env={**stack.settings.process_environment(), **analytics_environment(var_dir)})
    finally:
        stack.stop()
    return played


def analytics_environment(var_dir: Path) -> Dict[str, str]:
    return {"ANALYTICS_DATABASE_URL": f"sqlite:///{var_dir.resolve() / 'analytics.db'}"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--var-dir", type=Path, default=ROOT / "var" / "month",
                        help="an empty folder for the assistant's data (default var/month)")
    parser.add_argument("--from", dest="first_day", type=date.fromisoformat, default=date(2026, 11, 1))
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    started = time.monotonic()
    played = play_month(args.var_dir, args.first_day, args.days, args.seed)
    expected = args.var_dir / "expected-figures.json"
    expected.write_text(json.dumps(figures_as_rows(expected_figures(played)), ensure_ascii=False, indent=1),
                        encoding="utf-8")
    last_day = args.first_day + timedelta(days=args.days - 1)
    database = analytics_environment(args.var_dir)["ANALYTICS_DATABASE_URL"]
    print(f"{len(played)} conversations played in {time.monotonic() - started:.0f} s; the figures "
          f"the report should show are in {expected}. The report:\n  ANALYTICS_DATABASE_URL={database} "
          f"python -m analytics.report --from {args.first_day} --to {last_day} --no-load")


if __name__ == "__main__":
    main()
