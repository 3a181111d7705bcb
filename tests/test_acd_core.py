"""The ACD core, run against both builds: the Cython-compiled module and the same source
interpreted."""

import os

import pytest
import tongdai.acdcore


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


def _core(acd, strategy="longest-idle", agents=("a1", "a2", "a3"), wrap_up=0.0):
    core = acd.Core()
    core.add_queue("sales", strategy, wrap_up)
    for agent in agents:
        core.add_agent(agent, 0.0)
        core.add_member("sales", agent)
    return core


def test_longest_idle_agent_gets_the_call(acd):
    core = _core(acd)
    core.login("a2", 1.0)
    core.login("a1", 2.0)
    core.login("a3", 3.0)
    core.enqueue("c1", "sales", 10.0)
    assert core.next_offers(10.0) == [("c1", "a2")]
    assert core.agents["a2"].state == acd.RESERVED


def test_priority_then_arrival_orders_calls(acd):
    core = _core(acd, agents=("a1",))
    assert core.enqueue("early", "sales", 1.0) == 1
    assert core.enqueue("late", "sales", 2.0) == 2
    assert core.enqueue("vip", "sales", 3.0, priority=5) == 1
    assert core.position("early") == 2
    core.login("a1", 4.0)
    assert core.next_offers(4.0) == [("vip", "a1")]


def test_answer_wrap_up_then_available_again(acd):
    core = _core(acd, agents=("a1",), wrap_up=15.0)
    core.login("a1", 0.0)
    core.enqueue("c1", "sales", 1.0)
    core.enqueue("c2", "sales", 2.0)
    assert core.next_offers(2.0) == [("c1", "a1")]
    core.answered("c1", 5.0)
    assert core.agents["a1"].state == acd.ON_CALL
    core.hangup("a1", 65.0)
    assert core.agents["a1"].state == acd.WRAP_UP
    assert core.next_offers(70.0) == []  # still wrapping up
    assert core.next_offers(80.0) == [("c2", "a1")]


def test_no_answer_puts_the_call_back_and_frees_the_agent(acd):
    core = _core(acd, agents=("a1", "a2"))
    core.login("a1", 0.0)
    core.login("a2", 1.0)
    core.enqueue("c1", "sales", 2.0)
    assert core.next_offers(2.0) == [("c1", "a1")]
    core.pause("a1", 20.0, "no answer")  # the service auto-pauses a ringing-out agent
    core.not_answered("c1", 20.0)
    assert core.agents["a1"].state == acd.PAUSED
    assert core.next_offers(20.0) == [("c1", "a2")]


def test_round_robin_remembers_where_it_stopped(acd):
    core = _core(acd, strategy="round-robin")
    for agent in ("a1", "a2", "a3"):
        core.login(agent, 0.0)
    got = []
    for i in range(4):
        core.enqueue(f"c{i}", "sales", float(i))
        ((call, agent),) = core.next_offers(float(i))
        got.append(agent)
        core.answered(call, float(i))
        core.hangup(agent, float(i))
    assert got == ["a1", "a2", "a3", "a1"]


def test_abandon_while_ringing_frees_the_agent(acd):
    core = _core(acd, agents=("a1",))
    core.login("a1", 0.0)
    core.enqueue("c1", "sales", 1.0)
    core.next_offers(1.0)
    core.abandon("c1", 3.0)
    assert core.agents["a1"].state == acd.AVAILABLE and not core.calls


def test_bad_requests_raise_and_change_nothing(acd):
    core = _core(acd, agents=("a1",))
    with pytest.raises(acd.AcdError):
        core.add_queue("x", "telepathy")
    with pytest.raises(acd.AcdError):
        core.enqueue("c1", "nope", 0.0)
    with pytest.raises(acd.AcdError):
        core.hangup("a1", 0.0)
    with pytest.raises(acd.AcdError):
        core.pause("ghost", 0.0)
    assert not core.calls and core.agents["a1"].state == acd.LOGGED_OUT


def test_same_inputs_same_outputs(acd):
    """Determinism: two cores fed the same events agree exactly."""

    def drive():
        core = _core(acd, strategy="fewest-calls", agents=tuple(f"a{i}" for i in range(5)))
        log = []
        for i in range(5):
            core.login(f"a{i}", float(i))
        for t in range(50):
            core.enqueue(f"c{t}", "sales", float(t), priority=t % 3)
            for call, agent in core.next_offers(float(t)):
                log.append((t, call, agent))
                core.answered(call, float(t))
            for agent in list(core.agents.values()):
                if agent.state == acd.ON_CALL and (t + len(agent.id)) % 4 == 0:
                    core.hangup(agent.id, float(t))
        return log

    assert drive() == drive()
