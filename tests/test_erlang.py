"""Staffing maths (tongdai.acd.erlang): textbook Erlang C figures, and Erlang A checked three
independent ways: a simulation, the chain's flow balance, and the virtual-wait integrals."""

import heapq
import math
import random

import pytest
from tongdai.acd.erlang import (
    Metrics,
    agents_for,
    erlang_a_metrics,
    erlang_c,
    erlang_c_metrics,
)

# (agents, calls_per_hour, aht, sl_seconds, patience) for the Erlang A cross-checks
ERLANG_A_CASES = [
    (3, 200, 60, 10, 30),  # overloaded (A = 3.33 > 3): only abandonment keeps it stable
    (5, 250, 60, 20, 120),
    (11, 200, 180, 20, 60),
]


# --- Erlang C ------------------------------------------------------------------------------


def test_erlang_c_textbook_figures():
    # 200 calls/hour, AHT 180 s: A = 10 erlangs
    assert erlang_c(11, 10) == pytest.approx(0.6821, abs=5e-5)
    m11 = erlang_c_metrics(11, 200, 180, 20)
    assert m11.p_wait == pytest.approx(0.6821, abs=5e-5)
    assert m11.service_level == pytest.approx(0.3896, abs=5e-5)  # 1 - Pw·exp(-20/180)
    assert m11.asa == pytest.approx(122.78, abs=0.01)
    assert m11.occupancy == pytest.approx(10 / 11)
    assert m11.abandon_rate == 0.0
    m14 = erlang_c_metrics(14, 200, 180, 20)
    assert m14.p_wait == pytest.approx(0.1741, abs=5e-5)
    assert m14.service_level == pytest.approx(0.8884, abs=5e-5)
    assert m14.asa == pytest.approx(7.836, abs=1e-3)


def test_erlang_c_edges():
    assert erlang_c(5, 0) == 0.0
    assert erlang_c(10, 10) == 1.0
    assert erlang_c(10, 12.5) == 1.0
    assert erlang_c(1, 0.5) == pytest.approx(0.5)  # M/M/1: P(wait) = rho
    assert erlang_c_metrics(10, 200, 180, 20) == Metrics(0.0, math.inf, 0.0, 1.0, 1.0)
    assert erlang_c_metrics(3, 0, 180, 20) == Metrics(1.0, 0.0, 0.0, 0.0, 0.0)


def test_erlang_c_large_is_stable():
    # Factorials or powers would overflow here; the recurrence must not.
    p = erlang_c(1000, 980)
    assert 0 < p < 1
    assert erlang_c(1000, 10) == 0.0  # ~1e-1500, underflows to 0 rather than failing
    assert erlang_c(1000, 999.9) > erlang_c(1000, 990) > p


# --- Erlang A ------------------------------------------------------------------------------


def test_erlang_a_without_patience_is_erlang_c():
    c = erlang_c_metrics(11, 200, 180, 20)
    assert erlang_a_metrics(11, 200, 180, 20) == c
    assert erlang_a_metrics(11, 200, 180, 20, patience=None) == c
    assert erlang_a_metrics(11, 200, 180, 20, patience=math.inf) == c


def test_erlang_a_tends_to_erlang_c_as_patience_grows():
    c = erlang_c_metrics(11, 200, 180, 20)
    a = erlang_a_metrics(11, 200, 180, 20, patience=1e12)
    assert a.service_level == pytest.approx(c.service_level, abs=1e-6)
    assert a.p_wait == pytest.approx(c.p_wait, abs=1e-6)
    assert a.asa == pytest.approx(c.asa, abs=1e-6)
    assert a.occupancy == pytest.approx(c.occupancy, abs=1e-6)
    assert a.abandon_rate < 1e-6


def _simulate(agents, calls_per_hour, aht, sl_seconds, patience, calls=200_000, seed=7):
    """FCFS M/M/c+M by event times: each caller is offered the earliest free agent; one who
    would wait longer than its patience leaves and takes no agent time."""
    rng = random.Random(seed)
    free_at = [0.0] * agents  # min-heap of the times agents become free
    now = wait_sum = 0.0
    within = abandoned = 0
    for _ in range(calls):
        now += rng.expovariate(calls_per_hour / 3600)
        wait = max(0.0, free_at[0] - now)
        if rng.expovariate(1 / patience) < wait:
            abandoned += 1
            continue
        within += wait <= sl_seconds
        wait_sum += wait
        heapq.heapreplace(free_at, now + wait + rng.expovariate(1 / aht))
    return within / calls, wait_sum / (calls - abandoned), abandoned / calls


@pytest.mark.parametrize("case", ERLANG_A_CASES[:2])
def test_erlang_a_matches_simulation(case):
    m = erlang_a_metrics(*case)
    service_level, asa, abandon_rate = _simulate(*case)
    assert m.service_level == pytest.approx(service_level, abs=0.01)
    assert m.asa == pytest.approx(asa, rel=0.05)
    assert m.abandon_rate == pytest.approx(abandon_rate, abs=0.01)


def _birth_death(agents, calls_per_hour, aht, patience, states=2000):
    """Stationary law of the chain, plainly (small cases only): pi_k up to a far cut-off."""
    lam, mu, theta = calls_per_hour / 3600, 1 / aht, 1 / patience
    weights = [1.0]
    for k in range(1, states):
        weights.append(weights[-1] * lam / (min(k, agents) * mu + max(k - agents, 0) * theta))
    total = sum(weights)
    return [w / total for w in weights]


@pytest.mark.parametrize("case", ERLANG_A_CASES)
def test_erlang_a_flow_balance(case):
    # Abandonments per second = theta·E[queue length]; per offered call divide by lambda.
    agents, calls_per_hour, aht, _, patience = case
    pi = _birth_death(agents, calls_per_hour, aht, patience)
    mean_queue = sum(max(k - agents, 0) * p for k, p in enumerate(pi))
    m = erlang_a_metrics(*case)
    assert m.abandon_rate == pytest.approx(mean_queue / patience / (calls_per_hour / 3600), 1e-9)
    assert m.p_wait == pytest.approx(sum(pi[agents:]), rel=1e-9)
    busy = sum(min(k, agents) * p for k, p in enumerate(pi))
    assert m.occupancy == pytest.approx(busy / agents, rel=1e-9)


def _simpson(f, a, b, n=4000):
    h = (b - a) / n
    odd = sum(f(a + i * h) for i in range(1, n, 2))
    even = sum(f(a + i * h) for i in range(2, n, 2))
    return (f(a) + f(b) + 4 * odd + 2 * even) * h / 3


@pytest.mark.parametrize("case", ERLANG_A_CASES)
def test_erlang_a_matches_virtual_wait_integrals(case):
    # Mandelbaum & Zeltyn: the wait V a caller would have with infinite patience has density
    # c·mu·pi_c·exp(lambda·H(x) - c·mu·x), H(x) = (1 - exp(-theta·x))/theta; the caller is
    # served if its patience outlasts V. A different route from the code's, so a fair check.
    agents, calls_per_hour, aht, sl_seconds, patience = case
    lam, mu, theta = calls_per_hour / 3600, 1 / aht, 1 / patience
    load = lam / mu
    inverse_b = sum(load**k / math.factorial(k) for k in range(agents + 1))
    inverse_b /= load**agents / math.factorial(agents)

    def density(x):
        return math.exp(lam * -math.expm1(-theta * x) / theta - agents * mu * x)

    end = (lam / theta + 40) / (agents * mu)  # density < e^-40 beyond
    pi_c = 1 / (inverse_b - 1 + agents * mu * _simpson(density, 0, end))
    p_wait = 1 - pi_c * (inverse_b - 1)
    k = agents * mu * pi_c
    served_in_time = k * _simpson(lambda x: density(x) * math.exp(-theta * x), 0, sl_seconds)
    abandon = k * _simpson(lambda x: density(x) * -math.expm1(-theta * x), 0, end)
    wait = k * _simpson(lambda x: x * density(x) * math.exp(-theta * x), 0, end)
    m = erlang_a_metrics(*case)
    assert m.p_wait == pytest.approx(p_wait, abs=1e-9)
    assert m.service_level == pytest.approx(1 - p_wait + served_in_time, abs=1e-9)
    assert m.abandon_rate == pytest.approx(abandon, abs=1e-9)
    assert m.asa == pytest.approx(wait / (1 - abandon), rel=1e-8)


def test_erlang_a_edges():
    m = erlang_a_metrics(11, 200, 180, 0, patience=60)
    assert m.service_level == pytest.approx(1 - m.p_wait)  # T = 0: only unqueued calls count
    assert erlang_a_metrics(2, 0, 180, 20, patience=60) == Metrics(1.0, 0.0, 0.0, 0.0, 0.0)
    # Heavily overloaded: stable anyway, abandonment soaks up the excess load.
    m = erlang_a_metrics(5, 3600, 180, 20, patience=30)
    assert m.occupancy == pytest.approx(1.0, abs=1e-6)
    assert m.abandon_rate == pytest.approx(1 - 5 / 180, abs=1e-3)
    assert 0 <= m.service_level < 0.05


def test_erlang_a_large_is_stable():
    m = erlang_a_metrics(1000, 20_000, 180, 20, patience=180)  # A = 1000 erlangs
    assert 0.9 < m.service_level < 1 and 0 < m.abandon_rate < 0.05
    m = erlang_a_metrics(200, 20_000, 180, 60, patience=600)  # 5x overloaded, long queue
    assert m.abandon_rate == pytest.approx(0.8, abs=1e-6)
    assert m.service_level >= 0 and math.isfinite(m.asa)


# --- Staffing ------------------------------------------------------------------------------


def test_agents_for_erlang_c():
    assert erlang_c_metrics(13, 200, 180, 20).service_level < 0.8
    assert erlang_c_metrics(14, 200, 180, 20).service_level >= 0.8
    assert agents_for(200, 180, 20, 0.8) == 14
    assert agents_for(200, 180, 20, 0.5) == 12
    # SL 0.5 needs 12, but occupancy is 0.83 at 12 and 0.77 at 13
    assert agents_for(200, 180, 20, 0.5, max_occupancy=0.75) == 14
    assert agents_for(0, 180, 20, 0.8) == 0


def test_agents_for_erlang_a_is_minimal():
    n = agents_for(200, 180, 20, 0.8, patience=60)
    assert erlang_a_metrics(n, 200, 180, 20, 60).service_level >= 0.8
    assert erlang_a_metrics(n - 1, 200, 180, 20, 60).service_level < 0.8
    assert n <= agents_for(200, 180, 20, 0.8)  # impatient callers free up the queue
    # Overloaded and impatient: the search starts below A and must still find the answer.
    n = agents_for(3600, 180, 20, 0.5, patience=10)
    assert erlang_a_metrics(n, 3600, 180, 20, 10).service_level >= 0.5
    assert erlang_a_metrics(n - 1, 3600, 180, 20, 10).service_level < 0.5


def test_agents_for_gives_up():
    with pytest.raises(ValueError, match="agents would be needed"):
        agents_for(1e7, 180, 20, 0.8)


# --- Argument checks -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: erlang_c(0, 1), "agents"),
        (lambda: erlang_c(-2, 1), "agents"),
        (lambda: erlang_c(2.5, 1), "agents"),
        (lambda: erlang_c(3, -1), "load"),
        (lambda: erlang_c_metrics(0, 200, 180, 20), "agents"),
        (lambda: erlang_c_metrics(5, -1, 180, 20), "calls_per_hour"),
        (lambda: erlang_c_metrics(5, 200, 0, 20), "aht must be > 0 seconds"),
        (lambda: erlang_c_metrics(5, 200, -180, 20), "aht"),
        (lambda: erlang_c_metrics(5, 200, 180, -1), "sl_seconds"),
        (lambda: erlang_c_metrics(5, 200, math.nan, 20), "aht"),
        (lambda: erlang_a_metrics(5, 200, 180, 20, patience=0), "patience"),
        (lambda: erlang_a_metrics(5, 200, 180, 20, patience=-5), "patience"),
        (lambda: erlang_a_metrics(-1, 200, 180, 20, patience=60), "agents"),
        (lambda: agents_for(200, 180, 20, 0), "target_sl"),
        (lambda: agents_for(200, 180, 20, 1), "target_sl"),
        (lambda: agents_for(200, 180, 20, 1.5), "target_sl"),
        (lambda: agents_for(200, 180, 20, 0.8, max_occupancy=0), "max_occupancy"),
        (lambda: agents_for(-1, 180, 20, 0.8), "calls_per_hour"),
        (lambda: agents_for(200, 0, 20, 0.8), "aht"),
    ],
)
def test_bad_arguments(call, message):
    with pytest.raises(ValueError, match=message):
        call()
