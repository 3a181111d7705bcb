"""Staffing maths: Erlang C (M/M/c) and Erlang A (M/M/c+M, callers who give up) and the
number of agents needed for a service level. Pure functions; times in seconds, arrival
rates in calls per hour, loads in erlangs."""

from __future__ import annotations

import math
from dataclasses import dataclass

MAX_AGENTS = 10_000  # agents_for gives up beyond this
_MAX_QUEUE = 1_000_000  # Erlang A: hard cap on the truncated queue-length series
_LOG_EPS = math.log(1e-17)  # drop queue states whose total weight is below this relative size


@dataclass(frozen=True)
class Metrics:
    service_level: float  # fraction of offered calls answered within sl_seconds
    asa: float  # mean wait of answered calls, seconds
    abandon_rate: float  # fraction of offered calls that hang up while waiting
    occupancy: float  # mean fraction of agents busy
    p_wait: float  # probability that a call has to wait at all


def _check_agents(agents: int) -> None:
    if isinstance(agents, bool) or not isinstance(agents, int) or agents <= 0:
        raise ValueError("agents must be a positive integer")


def _check_finite(name: str, value: float, unit: str, positive: bool) -> None:
    # `not (x > 0)` rather than `x <= 0` so that NaN is rejected too
    ok = value > 0 if positive else value >= 0
    if not (ok and math.isfinite(value)):
        raise ValueError(f"{name} must be {'>' if positive else '>='} 0{unit}")


def _check_call_args(calls_per_hour: float, aht: float, sl_seconds: float) -> None:
    _check_finite("calls_per_hour", calls_per_hour, "", positive=False)
    _check_finite("aht", aht, " seconds", positive=True)
    _check_finite("sl_seconds", sl_seconds, " seconds", positive=False)


def _log_erlang_b(agents: int, load: float) -> float:
    """log of the Erlang B blocking probability, by the recurrence B(k) = A·B/(k + A·B).

    Kept in logs because B underflows (~A^c/c!) when A is much smaller than c."""
    log_b = 0.0
    log_load = math.log(load)
    for k in range(1, agents + 1):
        log_b += log_load - math.log(k + load * math.exp(log_b))
    return log_b


def erlang_c(agents: int, load: float) -> float:
    """Probability that a call waits in an M/M/c queue with `load` erlangs; 1.0 if unstable."""
    _check_agents(agents)
    _check_finite("load", load, " erlangs", positive=False)
    if load == 0:
        return 0.0
    if load >= agents:
        return 1.0
    b = math.exp(_log_erlang_b(agents, load))
    return agents * b / (agents - load * (1 - b))


def erlang_c_metrics(agents: int, calls_per_hour: float, aht: float, sl_seconds: float) -> Metrics:
    """Erlang C: every caller waits as long as it takes."""
    _check_agents(agents)
    _check_call_args(calls_per_hour, aht, sl_seconds)
    load = calls_per_hour * aht / 3600
    if load >= agents:
        return Metrics(0.0, math.inf, 0.0, 1.0, 1.0)
    p_wait = erlang_c(agents, load)
    drain = (agents - load) / aht  # the wait of a waiting call is exponential at this rate
    return Metrics(
        service_level=1 - p_wait * math.exp(-drain * sl_seconds),
        asa=p_wait / drain,
        abandon_rate=0.0,
        occupancy=load / agents,
        p_wait=p_wait,
    )


def _queue_distribution(c: int, lam: float, mu: float, theta: float) -> tuple[float, list[float]]:
    """Stationary law of the M/M/c+M birth-death chain, which an arrival sees (PASTA).

    Returns (P(fewer than c in system), [P(c + j in system) for j = 0, 1, ...]).
    Weights are relative to state c and kept in logs: they overflow when the queue is long.
    """
    load = lam / mu
    log_b = _log_erlang_b(c, load)
    # sum_{k<c} pi_k / pi_c = 1/B - 1, because pi_0..pi_c are shaped like Erlang B's
    below = -log_b + math.log(-math.expm1(log_b)) if log_b < 0 else -math.inf
    logs = [0.0]
    top = max(below, 0.0)
    while True:
        # birth/death ratio from c+j to c+j+1; it only decreases with j
        ratio = lam / (c * mu + len(logs) * theta)
        # the tail beyond here is at most term * ratio / (1 - ratio): stop once negligible
        if ratio < 1 and logs[-1] + math.log(ratio / (1 - ratio)) < top + _LOG_EPS:
            break
        if len(logs) > _MAX_QUEUE:
            raise ValueError("patience is too long for this load: the queue does not settle")
        logs.append(logs[-1] + math.log(ratio))
        top = max(top, logs[-1])
    weights = [math.exp(x - top) for x in logs]
    w_below = math.exp(below - top)
    total = math.fsum(weights) + w_below
    return w_below / total, [w / total for w in weights]


def _served_within(pq: list[float], c_mu: float, theta: float, t: float) -> float:
    """P(an arrival waits, is served, and waits <= t), summed over the states it may find.

    A caller finding j others waiting is a pure-death chain on the number ahead of it, i:
    it leaves i at rate c·mu + i·theta (a service or a caller ahead giving up; from i = 0
    that means being served) and gives up itself at rate theta. P(served by t) is
    exp(Q·t) of that bidiagonal generator, evaluated by uniformisation (Poisson-weighted
    steps of a discrete chain: all terms positive, so no cancellation); all starting
    states are propagated at once as one vector weighted by their probabilities.
    """
    if t == 0:
        return 0.0
    rate = c_mu + len(pq) * theta  # the largest exit rate of any state (uniformisation rate)
    x = rate * t
    n_max = int(x + 8 * math.sqrt(x) + 30)  # Poisson(x) tail beyond: ~1e-15 or less
    stay = [1 - (c_mu + (i + 1) * theta) / rate for i in range(n_max + 1)]
    advance = [(c_mu + i * theta) / rate for i in range(n_max + 1)]
    v = [*pq[:n_max], 0.0]  # starting in i >= n_max needs more than n_max steps: never in time
    served = total = 0.0
    log_x = math.log(x)
    for n in range(1, n_max + 1):
        served += v[0] * advance[0]
        keep = min(len(v) - 1, n_max - n)  # states that can still be served in time
        # not strict: the rate lists cover every state, v only those still in play
        moves = zip(v[:keep], v[1 : keep + 1], stay, advance[1:], strict=False)
        v = [a * s + b * d for a, b, s, d in moves]
        v.append(0.0)
        total += served * math.exp(n * log_x - x - math.lgamma(n + 1))
    return total


def erlang_a_metrics(
    agents: int,
    calls_per_hour: float,
    aht: float,
    sl_seconds: float,
    patience: float | None = None,
) -> Metrics:
    """Erlang A (Palm's M/M/c+M): callers hang up after an exponential time of mean
    `patience` seconds. service_level counts calls answered within sl_seconds among all
    offered calls (abandoned calls are never within). patience None or inf is Erlang C."""
    if patience is None or patience == math.inf:
        return erlang_c_metrics(agents, calls_per_hour, aht, sl_seconds)
    _check_agents(agents)
    _check_call_args(calls_per_hour, aht, sl_seconds)
    if not patience > 0:
        raise ValueError("patience must be > 0 seconds")
    if calls_per_hour == 0:
        return Metrics(1.0, 0.0, 0.0, 0.0, 0.0)
    lam, mu, theta, c = calls_per_hour / 3600, 1 / aht, 1 / patience, agents
    p_free, pq = _queue_distribution(c, lam, mu, theta)
    # Per starting queue position j (a pure-death chain, see _served_within):
    # gave_up = P(abandon), wait = E[wait; served], by first-step recurrences on j.
    served_prob, gave_up, wait = 1.0, 0.0, 0.0
    p_abandon = wait_total = 0.0
    for j, p in enumerate(pq):
        advance = c * mu + j * theta
        leave = advance + theta
        wait = advance / leave * (served_prob / leave + wait)
        served_prob *= advance / leave
        gave_up = theta / leave + advance / leave * gave_up  # = 1 - served_prob, no cancellation
        p_abandon += p * gave_up
        wait_total += p * wait
    p_answered = 1 - p_abandon
    return Metrics(
        service_level=p_free + _served_within(pq, c * mu, theta, sl_seconds),
        asa=wait_total / p_answered,
        abandon_rate=p_abandon,
        occupancy=min(1.0, p_answered * lam / mu / c),  # min: rounding at overload
        p_wait=math.fsum(pq),
    )


def agents_for(
    calls_per_hour: float,
    aht: float,
    sl_seconds: float,
    target_sl: float,
    patience: float | None = None,
    max_occupancy: float | None = None,
) -> int:
    """Fewest agents whose service level reaches target_sl (Erlang C, or Erlang A when
    patience is given) and, if given, whose occupancy is at most max_occupancy."""
    _check_call_args(calls_per_hour, aht, sl_seconds)
    if not 0 < target_sl < 1:
        raise ValueError("target_sl must be between 0 and 1 (exclusive)")
    if max_occupancy is not None and not 0 < max_occupancy <= 1:
        raise ValueError("max_occupancy must be in (0, 1]")
    if calls_per_hour == 0:
        return 0
    load = calls_per_hour * aht / 3600
    if patience is None or patience == math.inf:
        start = math.ceil(load)  # fewer agents than erlangs never drain the queue
    else:
        # Answered calls keep (1 - P(abandon))·A agents busy on average, so
        # target <= SL <= 1 - P(abandon) <= c/A: no smaller c can do (floor: rounding slack).
        start = math.floor(target_sl * load)
    for agents in range(max(1, start), MAX_AGENTS + 1):
        m = erlang_a_metrics(agents, calls_per_hour, aht, sl_seconds, patience)
        if m.service_level >= target_sl and (max_occupancy is None or m.occupancy <= max_occupancy):
            return agents
    raise ValueError(f"more than {MAX_AGENTS} agents would be needed")
