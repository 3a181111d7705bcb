"""Deterministic ACD core: no I/O, no clock (time is an argument), no hidden randomness.

The live service and the simulator drive this same code. Callers report what
happened (an agent logged in, a call entered a queue, an offer was answered)
with the current time, and ask `next_offers(now)` which waiting call should
ring which free agent.
"""

LOGGED_OUT = 0
AVAILABLE = 1
RESERVED = 2  # being offered a call (ringing)
ON_CALL = 3
WRAP_UP = 4
PAUSED = 5
STATE_NAMES = ("logged-out", "available", "reserved", "on-call", "wrap-up", "paused")

STRATEGIES = ("longest-idle", "round-robin", "fewest-calls", "linear")


class AcdError(ValueError):
    """A request that does not fit the current state (unknown agent, bad transition...)."""


class Agent:
    def __init__(self, agent_id: str, now: float):
        self.id = agent_id
        self.state = LOGGED_OUT
        self.state_since = now
        self.idle_since = now  # when the agent last became free to take a call
        self.wrap_until = 0.0
        self.calls_taken = 0
        self.pause_reason = ""
        self.call_id = ""


class Member:
    def __init__(self, agent: Agent, penalty: int, order: int):
        self.agent = agent
        self.penalty = penalty
        self.order = order  # position in the queue's member list (linear strategy)


class Call:
    def __init__(self, call_id: str, queue: str, priority: int, entered: float, seq: int):
        self.id = call_id
        self.queue = queue
        self.priority = priority
        self.entered = entered
        self.seq = seq  # tie-break between calls entering at the same instant
        self.offered_to = ""


class Queue:
    def __init__(self, name: str, strategy: str, wrap_up: float):
        self.name = name
        self.strategy = strategy
        self.wrap_up = wrap_up
        self.members = {}  # agent id -> Member
        self.rr_last = -1  # round-robin memory: order of the member last offered a call


class Core:
    def __init__(self):
        self.agents = {}
        self.queues = {}
        self.calls = {}
        self._seq = 0

    # -- configuration -------------------------------------------------------
    def add_queue(self, name: str, strategy: str = "longest-idle", wrap_up: float = 0.0):
        if strategy not in STRATEGIES:
            raise AcdError("strategy: one of " + ", ".join(STRATEGIES))
        if name in self.queues:
            raise AcdError(f"queue {name} exists")
        self.queues[name] = Queue(name, strategy, wrap_up)

    def add_agent(self, agent_id: str, now: float):
        if agent_id not in self.agents:
            self.agents[agent_id] = Agent(agent_id, now)

    def add_member(self, queue: str, agent_id: str, penalty: int = 0):
        q = self._queue(queue)
        agent = self._agent(agent_id)
        q.members[agent_id] = Member(agent, penalty, len(q.members))

    # -- agent state ---------------------------------------------------------
    def login(self, agent_id: str, now: float):
        agent = self._agent(agent_id)
        if agent.state == LOGGED_OUT:
            self._set(agent, AVAILABLE, now)
            agent.idle_since = now

    def logout(self, agent_id: str, now: float):
        agent = self._agent(agent_id)
        if agent.state in (RESERVED, ON_CALL):
            raise AcdError(f"agent {agent_id} is on a call")
        self._set(agent, LOGGED_OUT, now)

    def pause(self, agent_id: str, now: float, reason: str = ""):
        agent = self._agent(agent_id)
        if agent.state == LOGGED_OUT:
            raise AcdError(f"agent {agent_id} is logged out")
        agent.pause_reason = reason
        if agent.state in (AVAILABLE, WRAP_UP):
            self._set(agent, PAUSED, now)
        # reserved or on a call: the pause takes effect when that ends (_free)

    def unpause(self, agent_id: str, now: float):
        agent = self._agent(agent_id)
        agent.pause_reason = ""
        if agent.state == PAUSED:
            self._set(agent, AVAILABLE, now)
            agent.idle_since = now

    # -- calls -----------------------------------------------------------------
    def enqueue(self, call_id: str, queue: str, now: float, priority: int = 0) -> int:
        """Add a waiting call; returns its 1-based position in its queue."""
        self._queue(queue)
        if call_id in self.calls:
            raise AcdError(f"call {call_id} is already queued")
        self._seq += 1
        self.calls[call_id] = Call(call_id, queue, priority, now, self._seq)
        return self.position(call_id)

    def position(self, call_id: str) -> int:
        call = self._call(call_id)
        key = _call_key(call)
        return 1 + sum(
            1 for c in self.calls.values() if c.queue == call.queue and _call_key(c) < key
        )

    def abandon(self, call_id: str, now: float):
        """The caller hung up while waiting (or while an agent's phone rang)."""
        call = self.calls.pop(call_id, None)
        if call is None:
            raise AcdError(f"no waiting call {call_id}")
        if call.offered_to:
            agent = self.agents[call.offered_to]
            agent.call_id = ""
            self._free(agent, now)

    def next_offers(self, now: float) -> list:
        """Match waiting calls to free agents: a list of (call id, agent id) to ring.

        Calls are served highest priority first, then longest waiting, across
        all queues, so an agent in several queues gets the most urgent call.
        """
        self._end_wrap_ups(now)
        offers = []
        free = 0
        for agent in self.agents.values():
            if agent.state == AVAILABLE:
                free += 1
        if free == 0:
            return offers
        exhausted = set()  # queues with no free member left in this pass
        for call in sorted(self.calls.values(), key=_call_key):
            if call.offered_to or call.queue in exhausted:
                continue
            member = self._pick(self.queues[call.queue])
            if member is None:
                exhausted.add(call.queue)
                continue
            agent = member.agent
            call.offered_to = agent.id
            agent.call_id = call.id
            self._set(agent, RESERVED, now)
            offers.append((call.id, agent.id))
            free -= 1
            if free == 0:
                break
        return offers

    def answered(self, call_id: str, now: float):
        """The offered agent answered: the call leaves the queue."""
        call = self._call(call_id)
        if not call.offered_to:
            raise AcdError(f"call {call_id} was not offered")
        del self.calls[call_id]
        agent = self.agents[call.offered_to]
        agent.calls_taken += 1
        self._set(agent, ON_CALL, now)

    def not_answered(self, call_id: str, now: float):
        """The offer rang out or was rejected: the call waits again in its place."""
        call = self._call(call_id)
        if call.offered_to:
            agent = self.agents[call.offered_to]
            agent.call_id = ""
            call.offered_to = ""
            self._free(agent, now)

    def hangup(self, agent_id: str, now: float):
        """The agent's answered call ended: wrap-up, then free (or paused if asked)."""
        agent = self._agent(agent_id)
        if agent.state != ON_CALL:
            raise AcdError(f"agent {agent_id} is not on a call")
        wrap = 0.0
        for q in self.queues.values():
            if agent_id in q.members and q.wrap_up > wrap:
                wrap = q.wrap_up
        agent.call_id = ""
        agent.wrap_until = now + wrap
        self._set(agent, WRAP_UP, now)
        self._end_wrap_ups(now)

    # -- internals ---------------------------------------------------------------
    def _end_wrap_ups(self, now: float):
        for agent in self.agents.values():
            if agent.state == WRAP_UP and now >= agent.wrap_until:
                self._free(agent, now)

    def _free(self, agent: Agent, now: float):
        """An agent's call or offer ended: available, or paused if a pause was asked for."""
        if agent.pause_reason:
            self._set(agent, PAUSED, now)
        else:
            self._set(agent, AVAILABLE, now)
            agent.idle_since = now

    def _pick(self, q: Queue):
        """The free member the queue's strategy ranks first (lowest penalty tier first)."""
        best = None
        best_key = None
        for m in q.members.values():
            if m.agent.state != AVAILABLE:
                continue
            key = _rank(q, m)
            if best is None or key < best_key:
                best = m
                best_key = key
        if best is not None and q.strategy == "round-robin":
            q.rr_last = best.order
        return best

    def _set(self, agent: Agent, state: int, now: float):
        agent.state = state
        agent.state_since = now

    def _agent(self, agent_id: str) -> Agent:
        agent = self.agents.get(agent_id)
        if agent is None:
            raise AcdError(f"no agent {agent_id}")
        return agent

    def _queue(self, name: str) -> Queue:
        q = self.queues.get(name)
        if q is None:
            raise AcdError(f"no queue {name}")
        return q

    def _call(self, call_id: str) -> Call:
        call = self.calls.get(call_id)
        if call is None:
            raise AcdError(f"no waiting call {call_id}")
        return call


def _rank(q: Queue, m: Member):
    agent = m.agent
    if q.strategy == "longest-idle":
        return (m.penalty, agent.idle_since, 0, m.order)
    if q.strategy == "fewest-calls":
        return (m.penalty, agent.calls_taken, agent.idle_since, m.order)
    if q.strategy == "linear":
        return (m.penalty, 0, 0, m.order)
    # round-robin: the next member after the one last offered, wrapping around
    return (m.penalty, m.order <= q.rr_last, 0, m.order)


def _call_key(call: Call):
    return (-call.priority, call.entered, call.seq)
