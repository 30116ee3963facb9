"""Erlang A: Erlang C with customers who give up waiting (the M/M/N+M queue).

Each customer waits at most an exponential patience of mean P seconds, then hangs up.
Model and formulas: O. Garnett, A. Mandelbaum, M. Reiman, "Designing a call center with
impatient customers", Manufacturing & Service Operations Management 4(3), 2002; the
closed forms as summarised by A. Mandelbaum and S. Zeltyn, "The M/M/n+G queue: summary
of performance measures" (Technion technical note), with λ arrivals per second,
μ = 1/AHT, θ = 1/P, x = Nμ/θ, y = λ/θ, E = Erlang B(N, λ/μ), ρ = λ/(Nμ) and
J(x, y) = x·e^y·y^(−x)·γ(x, y) (γ the lower incomplete gamma function):

  P(wait > 0)          = J·E / (1 + (J − 1)·E)
  P(abandon | wait>0)  = 1/(ρ·J) + 1 − 1/ρ
  P(V > t)             = P(wait > 0) · γ(x, y·e^(−θt)) / γ(x, y)

V is the time until an agent would be free for the customer. The service level here is
P(V ≤ t): customers who hang up before t do not count against it (as ACDs commonly
leave out short abandons); the abandonment is reported beside it. Occupancy counts only
the customers served: λ·(1 − P(abandon))·AHT / N.

J is summed as its series J = Σₖ yᵏ / ((x+1)(x+2)…(x+k)) in logarithms, so neither a
long patience nor a large centre overflows. With patience → ∞ all of this becomes
Erlang C (the unit test checks it).
"""
import math

from analytics.erlang import (
    DEFAULT_MAX_OCCUPANCY,
    DEFAULT_SERVICE_LEVEL,
    DEFAULT_SHRINKAGE,
    DEFAULT_TARGET_SECONDS,
    Staffing,
    agents_needed,
    check_targets,
    erlang_b,
    offered_load,
    scheduled_agents,
)

# Terms of J's series below e^-40 of the sum change nothing a double can hold.
_NEGLIGIBLE = 40.0


def _log_sum(a: float, b: float) -> float:
    high, low = max(a, b), min(a, b)
    return high + math.log1p(math.exp(low - high))


def _log_j(x: float, y: float) -> float:
    """log J(x, y), from its series; the terms rise while x + k < y, then fall."""
    if y <= 0:
        return 0.0
    log_y = math.log(y)
    log_sum = log_term = 0.0
    k = 0
    while True:
        k += 1
        log_term += log_y - math.log(x + k)
        log_sum = _log_sum(log_sum, log_term)
        if x + k > y and log_term < log_sum - _NEGLIGIBLE:
            return log_sum


def _rates(arrivals_per_second: float, handle_seconds: float, patience_seconds: float):
    if handle_seconds <= 0 or patience_seconds <= 0:
        raise ValueError("handle_seconds and mean_patience_seconds must be positive")
    return arrivals_per_second, 1 / handle_seconds, 1 / patience_seconds


def waiting_probability(agents: int, arrivals_per_second: float, handle_seconds: float,
                        patience_seconds: float) -> float:
    lam, mu, theta = _rates(arrivals_per_second, handle_seconds, patience_seconds)
    if lam == 0:
        return 0.0
    blocking = erlang_b(agents, lam / mu)
    inverse_j = math.exp(-_log_j(agents * mu / theta, lam / theta))
    # J·E / (1 + (J − 1)·E), divided through by J so a huge J cannot overflow.
    return blocking / (inverse_j + blocking * (1 - inverse_j))


def abandonment(agents: int, arrivals_per_second: float, handle_seconds: float,
                patience_seconds: float) -> float:
    """Share of all customers who hang up before an agent answers."""
    lam, mu, theta = _rates(arrivals_per_second, handle_seconds, patience_seconds)
    if lam == 0:
        return 0.0
    rho = lam / (agents * mu)
    log_j = _log_j(agents * mu / theta, lam / theta)
    given_waiting = math.exp(-log_j) / rho + 1 - 1 / rho
    waiting = waiting_probability(agents, lam, handle_seconds, patience_seconds)
    return min(1.0, max(0.0, given_waiting)) * waiting


def service_level(agents: int, arrivals_per_second: float, handle_seconds: float,
                  patience_seconds: float, target_seconds: float) -> float:
    """P(V ≤ target_seconds): see the module's docstring for who counts."""
    lam, mu, theta = _rates(arrivals_per_second, handle_seconds, patience_seconds)
    if lam == 0:
        return 1.0
    x, y = agents * mu / theta, lam / theta
    decay = math.exp(-theta * target_seconds)
    # γ(x, y·d)/γ(x, y) = d^x · e^(y(1−d)) · J(x, y·d) / J(x, y), in logarithms.
    log_ratio = (x * math.log(decay) + y * (1 - decay)
                 + _log_j(x, y * decay) - _log_j(x, y))
    waiting = waiting_probability(agents, lam, handle_seconds, patience_seconds)
    return 1 - waiting * math.exp(min(0.0, log_ratio))


def agents_needed_with_patience(
    arrivals_per_interval: float,
    interval_seconds: float,
    handle_seconds: float,
    mean_patience_seconds: float,
    target_service_level: float = DEFAULT_SERVICE_LEVEL,
    target_seconds: float = DEFAULT_TARGET_SECONDS,
    max_occupancy: float = DEFAULT_MAX_OCCUPANCY,
    shrinkage: float = DEFAULT_SHRINKAGE,
) -> Staffing:
    """As erlang.agents_needed, for customers who hang up after `mean_patience_seconds`
    on average; usually a little fewer agents, at the price of the abandonment."""
    check_targets(target_service_level, max_occupancy)
    load = offered_load(arrivals_per_interval, interval_seconds, handle_seconds)
    if load == 0:
        return Staffing(0.0, 0, 0, 1.0, 0.0, 0.0)
    lam = arrivals_per_interval / interval_seconds
    args = (lam, handle_seconds, mean_patience_seconds)

    def meets(agents: int) -> bool:
        busy = load * (1 - abandonment(agents, *args)) / agents
        return service_level(agents, *args, target_seconds) >= target_service_level \
            and busy <= max_occupancy

    # Both tests only get easier with more agents, and the Erlang C answer passes them
    # (hanging up shortens the others' waits): bisect below it.
    low, high = 1, agents_needed(arrivals_per_interval, interval_seconds, handle_seconds,
                                 target_service_level, target_seconds, max_occupancy).agents
    while low < high:
        middle = (low + high) // 2
        low, high = (low, middle) if meets(middle) else (middle + 1, high)
    agents = high
    level = service_level(agents, *args, target_seconds)
    lost = abandonment(agents, *args)
    busy = load * (1 - lost) / agents
    # Little's law on the queue: abandonments per second = θ · mean queue length, so
    # the mean wait over all customers is P(abandon) · patience.
    return Staffing(
        load=load,
        agents=agents,
        scheduled=scheduled_agents(agents, shrinkage),
        service_level=level,
        average_speed_of_answer=lost * mean_patience_seconds,
        occupancy=min(1.0, busy),
        abandonment=lost,
    )
