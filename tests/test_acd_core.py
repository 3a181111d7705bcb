"""The ACD core, run against both builds: the Cython-compiled module and the same source
interpreted. Actions are compared by name: ("offer", call, agent)."""

import math
import os

import pytest
import tongdai.acdcore
from hypothesis import given, settings
from hypothesis import strategies as st


@pytest.fixture(params=["compiled", "interpreted"])
def acd(request):
    if request.param == "interpreted":
        return tongdai.acdcore.load_interpreted()
    if not tongdai.acdcore.COMPILED:
        pytest.skip("the compiled ACD core is not built (make ext)")
    return tongdai.acdcore.core


def test_compiled_core_is_loaded_under_make_test():
    if os.environ.get("TONGDAI_REQUIRE_COMPILED") != "1":
        pytest.skip("only enforced by `make test`")
    assert tongdai.acdcore.COMPILED, "make test must run against the Cython build"
    assert tongdai.acdcore.core.__file__.endswith(".so")
    # the .pxd was applied: the core's objects are C structs, not dicts
    assert not hasattr(tongdai.acdcore.Core(), "__dict__")


def named(acd, actions):
    return [(acd.ACTION_NAMES[kind], call, agent) for kind, call, agent in actions]


def hotline(acd, strategy="longest-idle", agents=3, login=True, **options):
    """A core with one queue (id 0) and agents 0..n-1 logged in at t=0, 1, 2..."""
    core = acd.Core(acd.Rng(7))
    core.add_queue("sales", strategy, **options)
    for i in range(agents):
        core.add_agent(f"a{i}", 0.0)
        core.add_member(0, i)
        if login:
            core.login(i, float(i))
    return core


def offers(acd, core, now):
    return [(call, agent) for name, call, agent in named(acd, core.poll(now)) if name == "offer"]


def test_longest_idle_agent_gets_the_call(acd):
    core = hotline(acd, login=False)
    for agent, at in ((1, 1.0), (0, 2.0), (2, 3.0)):
        core.login(agent, at)
    call = core.enqueue(0, 10.0)
    assert offers(acd, core, 10.0) == [(call, 1)]
    assert core.agent_state(1) == ("reserved", 10.0, "", call)
    core.answered(call, 1, 12.0)
    core.hangup(1, 70.0)  # free again, and now the most recently idle
    calls = [core.enqueue(0, 80.0) for _ in range(3)]
    assert offers(acd, core, 80.0) == [(calls[0], 0), (calls[1], 2), (calls[2], 1)]


def test_priority_then_arrival_orders_calls_across_queues(acd):
    core = hotline(acd, agents=0)
    core.add_queue("vip", "linear")
    agent = core.add_agent("a", 0.0)
    core.add_member(0, agent)
    core.add_member(1, agent)
    early = core.enqueue(0, 1.0)
    vip = core.enqueue(1, 2.0, priority=5)
    late = core.enqueue(0, 3.0, priority=5)
    assert [core.position(c) for c in (early, vip, late)] == [2, 1, 1]
    core.login(agent, 4.0)
    # the agent serves both queues: the highest priority, longest waiting call first
    assert offers(acd, core, 4.0) == [(vip, agent)]
    core.answered(vip, agent, 5.0)
    core.hangup(agent, 6.0)
    assert offers(acd, core, 6.0) == [(late, agent)]


@pytest.mark.parametrize(
    "strategy, expected",
    [
        ("linear", [0, 0, 0]),  # top-down every time
        ("round-robin", [0, 1, 2]),  # after the one offered last (agent 2), wrapping
        ("fewest-calls", [1, 2, 1]),  # calls taken so far: 2, 0, 1 (ties: longest idle)
        ("least-talk-time", [1, 1, 1]),  # seconds talked: 120, 0, 30
    ],
)
def test_strategies_pick_as_named(acd, strategy, expected):
    core = hotline(acd, strategy, agents=3)
    _history(core, [(0, 60.0), (0, 60.0), (2, 30.0)])
    picks = []
    for i in range(3):
        now = 1000.0 + i
        call = core.enqueue(0, now)
        [(_, agent)] = offers(acd, core, now)
        picks.append(agent)
        core.answered(call, agent, now)
        core.hangup(agent, now + 0.5)
    assert picks == expected


def _history(core, calls):
    """Give agents talk history directly through the public API: a private queue whose
    only member is the agent (the numbers kept per member are per queue, so history is
    made in the same queue by pausing the others)."""
    for agent, talk in calls:
        others = [a for a in range(len(core.agents)) if a != agent]
        for other in others:
            core.pause(other, 0.0, "history")
        call = core.enqueue(0, 0.0)
        core.poll(0.0)
        core.answered(call, agent, 0.0)
        core.hangup(agent, talk)
        for other in others:
            core.unpause(other, 0.0)


def test_penalty_tiers_ring_first_and_skills_weigh_level(acd):
    core = hotline(acd, agents=3)
    core.add_member(0, 0, penalty=2)
    core.add_member(0, 1, penalty=1)
    core.add_member(0, 2, penalty=1)
    first = core.enqueue(0, 10.0)
    assert offers(acd, core, 10.0) == [(first, 1)]  # lowest tier, longest idle
    second = core.enqueue(0, 10.0)
    assert offers(acd, core, 10.0) == [(second, 2)]
    third = core.enqueue(0, 10.0)
    assert offers(acd, core, 10.0) == [(third, 0)]  # the next tier only when it is busy

    skills = hotline(acd, "skills", agents=3)
    skills.add_member(0, 0, level=1)
    skills.add_member(0, 1, level=5)
    skills.add_member(0, 2, level=3)
    call = skills.enqueue(0, 10.0)
    assert offers(acd, skills, 10.0) == [(call, 1)]


def test_random_strategies_draw_from_the_seeded_generator(acd):
    counts = {"random": [0, 0, 0], "weighted-random": [0, 0, 0]}
    for strategy in counts:
        core = hotline(acd, strategy, agents=3)
        core.add_member(0, 0, weight=1.0)
        core.add_member(0, 1, weight=3.0)
        core.add_member(0, 2, weight=6.0)
        for i in range(3000):
            call = core.enqueue(0, float(i))
            [(_, agent)] = offers(acd, core, float(i))
            counts[strategy][agent] += 1
            core.answered(call, agent, float(i))
            core.hangup(agent, float(i))
    assert all(900 < n < 1100 for n in counts["random"]), counts
    assert [round(n / 300) for n in counts["weighted-random"]] == [1, 3, 6], counts


def test_ring_all_rings_the_tier_and_the_answer_cancels_the_rest(acd):
    core = hotline(acd, "ring-all", agents=3)
    core.add_member(0, 2, penalty=1)
    call = core.enqueue(0, 5.0)
    assert offers(acd, core, 5.0) == [(call, 0), (call, 1)]
    core.answered(call, 1, 6.0)
    assert named(acd, core.poll(6.0)) == [("cancel", call, 0)]
    assert core.agent_state(0)[0] == "available"
    assert core.agent_state(1)[0] == "on-call"


def test_ring_timeout_retry_and_auto_pause(acd):
    core = hotline(acd, agents=1, ring_timeout=15.0, retry=5.0)
    core.configure_agent(0, max_no_answer=2, no_answer_delay=0.0)
    call = core.enqueue(0, 0.0)
    assert offers(acd, core, 0.0) == [(call, 0)]
    assert core.next_due() == 15.0
    assert named(acd, core.poll(15.0)) == [("ring-timeout", call, 0)]
    assert core.call_info(call)["state"] == "waiting"
    assert core.poll(19.0) == []  # the retry delay
    assert offers(acd, core, 20.0) == [(call, 0)]
    # the second unanswered offer in a row pauses the agent
    assert named(acd, core.poll(35.0)) == [
        ("ring-timeout", call, 0),
        ("autopause", -1, 0),
    ]
    assert core.agent_state(0)[:3] == ("paused", 35.0, "no-answer")
    core.unpause(0, 50.0)
    assert offers(acd, core, 50.0) == [(call, 0)]
    core.answered(call, 0, 52.0)
    numbers = core.queue_numbers(0, 52.0)
    assert numbers["answered"] == 1 and numbers["answered_in_sl"] == 0


def test_reject_and_busy_rest_the_agent(acd):
    core = hotline(acd, agents=2)
    core.configure_agent(0, reject_delay=10.0, busy_delay=30.0)
    call = core.enqueue(0, 100.0)
    assert offers(acd, core, 100.0) == [(call, 0)]
    core.rejected(call, 0, 101.0)
    assert offers(acd, core, 101.0) == [(call, 1)]  # straight on to the other agent
    core.rejected(call, 1, 102.0, busy=True)
    assert offers(acd, core, 102.0) == []
    assert core.next_due() == 111.0  # agent 0 rests 10 s, agent 1 30 s
    assert offers(acd, core, 111.0) == [(call, 0)]


def test_wrap_up_and_a_pause_asked_for_during_a_call(acd):
    core = hotline(acd, agents=1, wrap_up=30.0)
    call = core.enqueue(0, 0.0)
    core.poll(0.0)
    core.answered(call, 0, 1.0)
    core.hangup(0, 61.0)
    assert core.agent_state(0)[0] == "wrap-up"
    second = core.enqueue(0, 62.0)
    assert offers(acd, core, 62.0) == []
    assert offers(acd, core, 91.0) == [(second, 0)]
    core.answered(second, 0, 92.0)
    core.pause(0, 100.0, "lunch")
    assert core.agent_state(0)[0] == "on-call"
    core.hangup(0, 120.0)  # no wrap-up: the pause starts when the call ends
    assert core.agent_state(0)[:3] == ("paused", 120.0, "lunch")
    numbers = core.queue_numbers(0, 120.0)
    assert numbers["avg_talk"] == pytest.approx(44.0) and numbers["avg_wrap"] == 30.0


def test_maximum_wait_length_and_empty_rules(acd):
    core = hotline(acd, agents=1, max_wait=60.0, max_len=2, leave_empty="no-ready-agents")
    core.pause(0, 0.0, "meeting")
    first, second = core.enqueue(0, 0.0), core.enqueue(0, 1.0)
    assert core.enqueue(0, 2.0) == tongdai.acdcore.REFUSED_FULL
    assert named(acd, core.poll(60.0)) == [("timeout", first, -1)]
    core.logout(0, 61.0)
    assert named(acd, core.poll(61.0)) == [("leave-empty", second, -1)]
    core.configure_queue(0, join_empty="no-agents")
    assert core.enqueue(0, 62.0) == tongdai.acdcore.REFUSED_EMPTY
    numbers = core.queue_numbers(0, 62.0)
    assert (numbers["timed_out"], numbers["left_empty"], numbers["refused"]) == (1, 1, 2)


def test_numbers_service_level_asa_abandons_and_intervals(acd):
    core = hotline(acd, agents=1, sl_seconds=20.0, short_abandon=5.0)
    calls = [core.enqueue(0, 0.0) for _ in range(4)]
    core.poll(0.0)
    core.answered(calls[0], 0, 10.0)  # within 20 s
    core.abandon(calls[1], 3.0)  # short abandon: left out of the service level
    core.abandon(calls[2], 40.0)
    core.hangup(0, 70.0)
    core.poll(70.0)
    core.answered(calls[3], 0, 71.0)  # 71 s: outside
    n = core.queue_numbers(0, 80.0)
    assert (n["offered"], n["answered"], n["abandoned"], n["short_abandoned"]) == (4, 2, 2, 1)
    assert n["service_level"] == pytest.approx(1 / 3)  # 1 of 3 counted calls
    assert n["asa"] == pytest.approx(40.5)
    assert n["abandon_rate"] == 0.5 and n["longest_answered_wait"] == 71.0
    assert n["agents"]["on-call"] == 1
    core.roll_interval(100.0)
    assert core.queue_numbers(0, 100.0)["offered"] == 0
    assert core.queue_numbers(0, 100.0, total=True)["offered"] == 4
    agent = core.agent_numbers(0, 100.0)
    assert agent["answered"] == 0  # a new interval
    waiting = core.enqueue(0, 101.0)
    assert core.queue_numbers(0, 131.0)["longest_wait"] == 30.0
    assert core.position(waiting) == 1


def test_estimated_wait_follows_position_and_agents(acd):
    core = hotline(acd, agents=2, handle_estimate=120.0)
    for _ in range(2):  # both agents busy
        call = core.enqueue(0, 0.0)
        core.poll(0.0)
        core.answered(call, core.call_info(call)["ringing"][0], 0.0)
    waiting = [core.enqueue(0, 1.0) for _ in range(3)]
    # n-th in line waits for n services at 2 agents / 120 s each
    assert [core.ewt(c) for c in waiting] == pytest.approx([60.0, 120.0, 180.0])
    core.logout(0, 2.0)  # on a call: logs out when it ends
    core.hangup(0, 120.0)  # (a 120 s call keeps the handle-time estimate where it was)
    core.poll(120.0)
    assert core.ewt(waiting[1]) == pytest.approx(240.0)  # second in line, one agent left
    core.logout(1, 121.0)
    core.hangup(1, 121.0)
    assert math.isinf(core.ewt(waiting[1]))


def test_bad_requests_raise_and_change_nothing(acd):
    core = hotline(acd, agents=1)
    with pytest.raises(acd.AcdError, match="strategy"):
        core.add_queue("x", "cheapest")
    with pytest.raises(acd.AcdError, match="ring_timeout"):
        core.configure_queue(0, wrap_up=5.0, ring_timeout=-1)
    assert core.queue_numbers(0, 0.0)["offered"] == 0
    with pytest.raises(acd.AcdError, match="max_len"):
        core.configure_queue(0, max_len=2.5)
    with pytest.raises(acd.AcdError, match="no agent"):
        core.login(9, 0.0)
    with pytest.raises(acd.AcdError, match="not on a call"):
        core.hangup(0, 0.0)
    call = core.enqueue(0, 1.0)
    with pytest.raises(acd.AcdError, match="not ringing"):
        core.answered(call, 0, 1.0)
    with pytest.raises(acd.AcdError, match="no waiting call"):
        core.abandon(99, 1.0)
    assert core.agent_state(0)[0] == "available"
    assert core.position(call) == 1
    core.poll(1.0)
    with pytest.raises(acd.AcdError, match="logged out"):
        core.logout(0, 2.0) or core.pause(0, 2.0)
    # the logout went through (the call was withdrawn), the pause was refused
    assert core.agent_state(0)[0] == "logged-out"
    assert core.call_info(call)["state"] == "waiting"


# -- both builds agree, event for event ----------------------------------------------------

OPS = st.lists(
    st.tuples(
        st.sampled_from(
            [
                "enqueue",
                "abandon",
                "answer",
                "reject",
                "busy",
                "no_answer",
                "hangup",
                "login",
                "logout",
                "pause",
                "unpause",
                "keep",
                "member",
            ]
        ),
        st.integers(0, 7),
        st.integers(0, 3),
        st.floats(0.0, 40.0),
    ),
    max_size=120,
)


def run_scenario(acd, strategy, ops):
    core = acd.Core(acd.Rng(11))
    core.add_queue("a", strategy, ring_timeout=12.0, retry=3.0, wrap_up=5.0, max_wait=200.0)
    core.add_queue("b", "longest-idle", max_len=4, leave_empty="no-ready-agents")
    for i in range(4):
        core.add_agent(f"x{i}", 0.0, max_no_answer=2)
        core.add_member(i % 2, i, penalty=i // 2)
    core.add_member(1, 0, level=3)
    log = []
    now = 0.0
    for op, n, m, dt in ops:
        now += dt
        log.extend(core.poll(now))
        calls = sorted(core.calls) if hasattr(core, "calls") else []
        call = calls[n % len(calls)] if calls else -1
        try:
            if op == "enqueue":
                log.append(("enqueue", core.enqueue(n % 2, now, priority=m)))
            elif op == "member":
                core.add_member(n % 2, m, penalty=n % 3, level=m, weight=1.0 + n)
            elif op in ("login", "logout", "unpause"):
                getattr(core, op)(m, now)
            elif op == "pause":
                core.pause(m, now, "r")
            elif op == "hangup":
                core.hangup(m, now)
            elif op == "abandon":
                core.abandon(call, now)
            elif op == "keep":
                core.keep_place(call)
            elif op == "answer":
                core.answered(call, m, now)
            elif op in ("reject", "busy"):
                core.rejected(call, m, now, busy=op == "busy")
            elif op == "no_answer":
                core.no_answer(call, m, now)
        except acd.AcdError as exc:
            log.append(("error", str(exc)))
        log.append(tuple(core.agent_state(i) for i in range(4)))
        log.append(core.next_due())
    log.extend(core.poll(now + 500.0))
    log.append([core.queue_numbers(q, now + 500.0, total=True) for q in (0, 1)])
    log.append([core.agent_numbers(a, now + 500.0) for a in range(4)])
    _check_invariants(core)
    return log


def _check_invariants(core):
    ready = 0
    for agent in range(4):
        state, _, _, call = core.agent_state(agent)
        if state == "reserved":
            assert agent in core.call_info(call)["ringing"]
        ready += core.agents[agent].ready
    assert ready == core.ready_count
    for q in core.queues:
        ready = [m for m in q.members if m.agent.ready]
        assert list(q.ready_orders[: q.ready]) == [m.order for m in ready]
        assert list(q.ready_penalties[: q.ready]) == [m.penalty for m in ready]
        assert list(q.ready_idle[: q.ready]) == [m.agent.idle_since for m in ready]
        states = [m.agent.state for m in q.members]
        off, paused = tongdai.acdcore.LOGGED_OUT, tongdai.acdcore.PAUSED
        assert q.logged_in == sum(s != off for s in states)
        assert q.serving == sum(s not in (off, paused) for s in states)
    for call in core.calls:
        info = core.call_info(call)
        assert (info["state"] == "ringing") == bool(info["ringing"])


@settings(max_examples=60, deadline=None)
@given(ops=OPS, strategy=st.sampled_from(tongdai.acdcore.STRATEGIES))
def test_both_builds_agree_event_for_event(ops, strategy):
    if not tongdai.acdcore.COMPILED:
        pytest.skip("the compiled ACD core is not built (make ext)")
    compiled = run_scenario(tongdai.acdcore.core, strategy, ops)
    assert compiled == run_scenario(tongdai.acdcore.load_interpreted(), strategy, ops)


# -- the simulator -----------------------------------------------------------------------------


def test_simulator_builds_agree_and_are_deterministic(acd):
    args = dict(agents=5, calls_per_hour=90, aht=180, calls=3000, patience=60.0, seed=4)
    result = acd.simulate(**args)
    assert result == acd.simulate(**args)
    assert result != acd.simulate(**{**args, "seed": 5})
    if tongdai.acdcore.COMPILED:
        assert result == tongdai.acdcore.simulate(**args)
    assert set(result) >= {"service_level", "asa", "abandon_rate", "occupancy", "calls"}
    assert result["calls"] == 3000 - 150  # the warm-up's calls are left out


def test_simulator_agrees_with_erlang_c_and_erlang_a():
    from tongdai.acd import erlang

    sim = tongdai.acdcore.simulate
    for agents, rate, aht, patience in ((10, 160, 180, 0.0), (4, 100, 120, 90.0)):
        got = [sim(agents, rate, aht, 20, calls=200_000, patience=patience, seed=s) for s in (1, 2)]
        if patience:
            want = erlang.erlang_a_metrics(agents, rate, aht, 20, patience=patience)
        else:
            want = erlang.erlang_c_metrics(agents, rate, aht, 20)
        mean = {k: sum(g[k] for g in got) / len(got) for k in got[0]}
        assert mean["service_level"] == pytest.approx(want.service_level, abs=0.01)
        assert mean["asa"] == pytest.approx(want.asa, rel=0.06)
        assert mean["abandon_rate"] == pytest.approx(want.abandon_rate, abs=0.005)
        assert mean["occupancy"] == pytest.approx(want.occupancy, abs=0.01)


def test_abandon_while_ringing_an_agent_whose_pause_empties_the_queue(acd):
    # The release of the ringing agent (paused on release) empties the queue: the
    # abandoned call must not be let go of twice.
    core = hotline(acd, agents=1, leave_empty="no-ready-agents")
    call = core.enqueue(0, 0.0)
    other = core.enqueue(0, 0.0)
    assert offers(acd, core, 0.0) == [(call, 0)]
    core.pause(0, 1.0, "lunch")  # pending: the phone rings
    core.abandon(call, 2.0)
    assert named(acd, core.poll(2.0)) == [("cancel", call, 0), ("leave-empty", other, -1)]
    assert core.agent_state(0)[:3] == ("paused", 2.0, "lunch")
    n = core.queue_numbers(0, 2.0)
    assert (n["abandoned"], n["left_empty"], n["waiting"]) == (1, 1, 0)


def test_a_core_let_go_of_with_calls_in_hand_is_freed(acd):
    # Compiled, calls are out of sight of the cycle collector: the core unlinks the ones
    # it still holds when it goes (waiting, ringing, talking, wrapping up).
    import gc

    def run():
        core = hotline(acd, agents=3, wrap_up=30.0)
        calls = [core.enqueue(0, 1.0) for _ in range(6)]
        assert len(offers(acd, core, 1.0)) == 3
        core.answered(calls[0], 0, 2.0)
        core.answered(calls[1], 1, 2.0)
        core.hangup(1, 3.0)
        core.poll(3.0)

    def queues_left():
        gc.collect()
        return sum(1 for o in gc.get_objects() if type(o) is acd.Queue and o.name == "sales")

    before = queues_left()
    for _ in range(5):
        run()
    assert queues_left() == before
