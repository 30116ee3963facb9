"""Erlang C and Erlang A (analytics/erlang.py, analytics/erlang_a.py) against published
and hand-worked figures. Every expected value below is written from its source or by
hand from a textbook closed form, never copied from this code's output."""
import math

import pytest

from analytics import erlang, erlang_a
from analytics.erlang import agents_needed

# The Call Centre Helper worked example ("Erlang C formula – made simple with an easy
# worked example", callcentrehelper.com): 100 contacts per 30 minutes, handle time
# 180 s, 80 % answered within 20 s, maximum occupancy 85 %, shrinkage 30 %.
# It works out: traffic intensity 10 Erlangs; with 11 agents a 68.21 % probability of
# waiting; 14 agents reach the target (88.8 % within 20 s, 13 agents give 79.6 %) at an
# occupancy of 71.4 %; 14 / (1 − 0.3) = 20 agents on the rota.
EXAMPLE = dict(arrivals=100, interval=1800, handle=180)

# (source, agents, load in Erlangs, handle s, P(wait), service level within 20 s, ASA s)
ROWS = [
    # Call Centre Helper, 11 agents: P(wait) 68.21 % as published; the service level and
    # ASA by hand from it with the article's formulas: 1 − 0.6821·e^(−1·20/180) and
    # 0.6821 · 180 / (11 − 10).
    ("callcentrehelper N=11", 11, 10.0, 180, 0.6821, 0.3896, 122.8),
    # Call Centre Helper: 13 agents miss the target (79.6 %), 14 meet it (88.8 %).
    ("callcentrehelper N=13", 13, 10.0, 180, None, 0.796, None),
    ("callcentrehelper N=14", 14, 10.0, 180, None, 0.888, None),
    # M/M/1 (Kleinrock, Queueing Systems vol. 1, §3.2): P(wait) = ρ, mean wait
    # ρ/(μ − λ). One contact an hour of 180 s: ρ = 0.05, mean wait 0.05·180/0.95 =
    # 9.474 s, within 20 s: 1 − 0.05·e^(−0.95·20/180) = 0.95501.
    ("M/M/1, 1 contact/hour", 1, 0.05, 180, 0.05, 0.95501, 9.474),
    # M/M/2 closed form: P(wait) = A² / (2 + A), so A = 1 → 1/3; mean wait
    # (1/3)·AHT/(2 − 1) = 60 s for AHT 180 s; within 20 s: 1 − e^(−20/180)/3 = 0.70172.
    ("M/M/2, A=1", 2, 1.0, 180, 1 / 3, 0.70172, 60.0),
    # Overload: N ≤ A, the queue grows without end (every text's stability condition).
    ("overloaded N=A", 10, 10.0, 180, 1.0, 0.0, math.inf),
    ("overloaded N<A", 9, 10.0, 180, 1.0, 0.0, math.inf),
]


@pytest.mark.parametrize("source, agents, load, handle, waiting, level, asa", ROWS,
                         ids=[row[0] for row in ROWS])
def test_erlang_c_matches_published_figures(source, agents, load, handle, waiting, level, asa):
    if waiting is not None:
        assert erlang.erlang_c(agents, load) == pytest.approx(waiting, abs=5e-5)
    assert erlang.service_level(agents, load, handle, 20) == pytest.approx(level, abs=6e-4)
    if asa is not None:
        assert erlang.average_speed_of_answer(agents, load, handle) == pytest.approx(asa, abs=0.05)


def test_the_worked_example_needs_14_agents_and_20_on_the_rota():
    plan = agents_needed(EXAMPLE["arrivals"], EXAMPLE["interval"], EXAMPLE["handle"])
    assert plan.load == pytest.approx(10.0)
    assert (plan.agents, plan.scheduled) == (14, 20)
    assert plan.service_level == pytest.approx(0.888, abs=6e-4)
    assert plan.occupancy == pytest.approx(0.714, abs=5e-4)


def test_the_occupancy_cap_can_need_more_agents_than_the_service_level():
    # The same load at 30 % within 20 s: 11 agents suffice for that (38.96 % above), but
    # at most 85 % busy needs 10 / 0.85 → 12; with a 95 % cap 11 is enough.
    assert agents_needed(100, 1800, 180, target_service_level=0.3).agents == 12
    assert agents_needed(100, 1800, 180, target_service_level=0.3, max_occupancy=0.95).agents == 11


def test_one_contact_an_hour_needs_one_agent_and_two_on_the_rota():
    plan = agents_needed(1, 3600, 180)
    assert (plan.agents, plan.scheduled) == (1, 2)  # ⌈1 / 0.7⌉
    assert agents_needed(1, 3600, 180, shrinkage=0).scheduled == 1


def test_no_arrivals_need_no_agent():
    assert agents_needed(0, 3600, 180).agents == 0


@pytest.mark.parametrize("agents, load", [(10, 4.46), (100, 84.06)])
def test_erlang_b_matches_the_published_one_percent_table(agents, load):
    # Erlang B tables at a 1 % grade of service (e.g. ITU-T E.500 family / any traffic
    # table): 10 circuits carry 4.46 Erlangs, 100 circuits 84.06 Erlangs.
    assert erlang.erlang_b(agents, load) == pytest.approx(0.01, abs=3e-4)


def test_a_very_large_centre_neither_overflows_nor_drifts():
    # Halfin & Whitt (1981): for large N, C ≈ 1 / (1 + β·Φ(β)/φ(β)), β = (N − A)/√A.
    # N = 5000, A = 4900: β = 1.4286, Φ(β) = 0.9234, φ(β) = 0.1438 → C ≈ 0.0983.
    assert erlang.erlang_c(5000, 4900.0) == pytest.approx(0.0983, abs=0.005)
    # 49,000 contacts per 30 minutes of 180 s: the 85 % occupancy cap binds,
    # ⌈4900 / 0.85⌉ = 5765 agents, whose service level is then all but 100 %.
    plan = agents_needed(49_000, 1800, 180)
    assert plan.agents == 5765
    assert plan.service_level > 0.99


def test_erlang_a_with_endless_patience_is_erlang_c():
    lam = 100 / 1800
    for agents, level in ((13, 0.796), (14, 0.888)):
        assert erlang_a.service_level(agents, lam, 180, 1e9, 20) == pytest.approx(level, abs=6e-4)
        assert erlang_a.abandonment(agents, lam, 180, 1e9) == pytest.approx(0, abs=1e-6)


def _birth_death(agents, lam, handle, patience, queue_limit=500):
    """P(wait) and P(abandon) of M/M/N+M solved directly as the birth–death chain of
    Garnett, Mandelbaum & Reiman (2002): n in the system leave at min(n, N)·μ +
    max(0, n − N)·θ; abandonments per second θ·E[queue] over arrivals λ."""
    mu, theta = 1 / handle, 1 / patience
    weights = [1.0]
    for n in range(1, agents + queue_limit):
        weights.append(weights[-1] * lam / (min(n, agents) * mu + max(0, n - agents) * theta))
    total = sum(weights)
    waiting = sum(weights[agents:]) / total
    queue = sum((n - agents) * w for n, w in enumerate(weights) if n > agents) / total
    return waiting, theta * queue / lam


@pytest.mark.parametrize("agents", [8, 10, 12])
def test_erlang_a_agrees_with_the_birth_death_chain(agents):
    lam = 100 / 1800
    waiting, abandoning = _birth_death(agents, lam, 180, 60)
    assert erlang_a.waiting_probability(agents, lam, 180, 60) == pytest.approx(waiting, rel=1e-6)
    assert erlang_a.abandonment(agents, lam, 180, 60) == pytest.approx(abandoning, rel=1e-6)


def test_impatient_customers_need_fewer_agents_but_some_hang_up():
    patient = agents_needed(100, 1800, 180)
    impatient = erlang_a.agents_needed_with_patience(100, 1800, 180, mean_patience_seconds=120)
    assert impatient.agents < patient.agents
    assert impatient.service_level >= 0.8 and impatient.occupancy <= 0.85
    assert 0 < impatient.abandonment < 0.2
    # Mean wait over all customers = P(abandon) × mean patience (Little's law).
    assert impatient.average_speed_of_answer == pytest.approx(impatient.abandonment * 120)
