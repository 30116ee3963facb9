"""Erlang C: how many agents a queue of customers needs (the M/M/N queue).

Customers arrive at random (Poisson) and wait, without giving up, for one of N agents;
handle times are exponential with mean AHT. The offered load A = arrivals × AHT /
interval, in Erlangs. Formulas as in the Call Centre Helper worked example ("Erlang C
formula – made simple with an easy worked example") and any queueing textbook:

  C(N, A)       probability that a customer waits at all (Erlang C)
  service level P(wait ≤ t) = 1 − C · e^(−(N − A) · t / AHT)
  ASA           average speed of answer = C · AHT / (N − A)
  occupancy     A / N

C is worked out from Erlang B, B(n, A) = A·B(n−1, A) / (n + A·B(n−1, A)), B(0, A) = 1,
and C = N·B / (N − A·(1 − B)): no factorials or powers, so thousands of agents neither
overflow nor lose precision. With N ≤ A the queue grows without end: C = 1, the service
level is 0 and the ASA infinite.
"""
import math
from dataclasses import dataclass

DEFAULT_SERVICE_LEVEL = 0.8
DEFAULT_TARGET_SECONDS = 20.0
DEFAULT_MAX_OCCUPANCY = 0.85
DEFAULT_SHRINKAGE = 0.3


def offered_load(arrivals: float, interval_seconds: float, handle_seconds: float) -> float:
    """Erlangs: the agents the work would keep busy all the time."""
    if interval_seconds <= 0:
        raise ValueError("interval_seconds must be positive")
    if arrivals < 0 or handle_seconds < 0:
        raise ValueError("arrivals and handle_seconds must not be negative")
    return arrivals * handle_seconds / interval_seconds


def erlang_b(agents: int, load: float) -> float:
    """Probability that all `agents` are busy when nobody may wait (Erlang B)."""
    blocking = 1.0
    for n in range(1, agents + 1):
        blocking = load * blocking / (n + load * blocking)
    return blocking


def erlang_c(agents: int, load: float) -> float:
    """Probability that a customer has to wait for one of `agents` (Erlang C)."""
    if load <= 0:
        return 0.0
    if agents <= load:
        return 1.0
    blocking = erlang_b(agents, load)
    return agents * blocking / (agents - load * (1 - blocking))


def service_level(agents: int, load: float, handle_seconds: float, target_seconds: float) -> float:
    """Share of customers answered within `target_seconds`."""
    if load <= 0:
        return 1.0
    if agents <= load:
        return 0.0
    waiting = erlang_c(agents, load)
    return 1 - waiting * math.exp(-(agents - load) * target_seconds / handle_seconds)


def average_speed_of_answer(agents: int, load: float, handle_seconds: float) -> float:
    """Mean wait in seconds over all customers, those answered at once included."""
    if load <= 0:
        return 0.0
    if agents <= load:
        return math.inf
    return erlang_c(agents, load) * handle_seconds / (agents - load)


def occupancy(agents: int, load: float) -> float:
    """Share of the agents' time spent handling customers."""
    return min(1.0, load / agents) if agents else 0.0


def scheduled_agents(agents: int, shrinkage: float) -> int:
    """Agents to put on the rota so `agents` are at work after breaks, training,
    absence (the shrinkage, a share of paid time)."""
    if not 0 <= shrinkage < 1:
        raise ValueError("shrinkage must be at least 0 and below 1")
    # The rounding guard keeps 14 / 0.7 = 20.000000000000004 at 20.
    return math.ceil(round(agents / (1 - shrinkage), 9))


@dataclass(frozen=True)
class Staffing:
    load: float  # Erlangs
    agents: int  # at work, answering
    scheduled: int  # on the rota, after shrinkage
    service_level: float
    average_speed_of_answer: float  # seconds
    occupancy: float
    abandonment: float = 0.0  # share of customers who hang up first (Erlang A only)


def agents_needed(
    arrivals_per_interval: float,
    interval_seconds: float,
    handle_seconds: float,
    target_service_level: float = DEFAULT_SERVICE_LEVEL,
    target_seconds: float = DEFAULT_TARGET_SECONDS,
    max_occupancy: float = DEFAULT_MAX_OCCUPANCY,
    shrinkage: float = DEFAULT_SHRINKAGE,
) -> Staffing:
    """The fewest agents that answer `target_service_level` of the customers within
    `target_seconds` while busy at most `max_occupancy` of their time; and the agents
    to schedule for that after shrinkage."""
    check_targets(target_service_level, max_occupancy)
    load = offered_load(arrivals_per_interval, interval_seconds, handle_seconds)
    if load == 0:
        return Staffing(0.0, 0, 0, 1.0, 0.0, 0.0)
    # Below load / max_occupancy agents the occupancy cap fails whatever the service level.
    agents = max(1, math.ceil(round(load / max_occupancy, 9)))
    while service_level(agents, load, handle_seconds, target_seconds) < target_service_level:
        agents += 1
    return Staffing(
        load=load,
        agents=agents,
        scheduled=scheduled_agents(agents, shrinkage),
        service_level=service_level(agents, load, handle_seconds, target_seconds),
        average_speed_of_answer=average_speed_of_answer(agents, load, handle_seconds),
        occupancy=occupancy(agents, load),
    )


def check_targets(target_service_level: float, max_occupancy: float) -> None:
    if not 0 < target_service_level < 1:
        raise ValueError("target_service_level must be between 0 and 1")
    if not 0 < max_occupancy <= 1:
        raise ValueError("max_occupancy must be above 0 and at most 1")
