# cython: annotation_typing=False, boundscheck=False, wraparound=False, initializedcheck=False
"""Deterministic ACD core: no I/O, no clock (time is an argument), no randomness except
from the seeded generator passed in.

The live service and the simulator drive this same code. Drivers report what happened
(an agent logged in, a call entered a queue, an offer was answered, a call ended) with the
current time, then call `poll(now)`, which fires what fell due (ring timeouts, wrap-ups,
maximum waits) and matches waiting calls to free agents. It returns actions for the driver:
ring this agent with that call, stop ringing, take a call to its overflow destination...
`next_due()` tells the driver when to poll again if nothing else happens first.

Agents, queues and calls are small integers (indexes) here; the live service maps them to
names. The matching rule: waiting calls are served highest priority first, then longest
waiting, across all queues (so an agent in several queues gets the most urgent call among
them); the call's queue strategy picks which of its free members rings.

core.pxd gives Cython the C types; the file stays plain Python and also runs interpreted.
"""

import gc
import math
from array import array

import cython
from cython.cimports.libc.math import exp, log

INF = float("inf")
MASK32 = 0xFFFFFFFF

# Agent states
LOGGED_OUT = 0
AVAILABLE = 1
RESERVED = 2  # an offered call rings on the agent's phone
ON_CALL = 3
WRAP_UP = 4
PAUSED = 5
STATE_NAMES = ("logged-out", "available", "reserved", "on-call", "wrap-up", "paused")

# Queue strategies: which free member rings
RING_ALL = 0
LONGEST_IDLE = 1
ROUND_ROBIN = 2  # with memory: the member after the one offered last
FEWEST_CALLS = 3
LEAST_TALK_TIME = 4
LINEAR = 5  # top-down in member order, every time
RANDOM = 6
WEIGHTED_RANDOM = 7  # by member weight
SKILLS = 8  # best skill level x penalty x idle time
STRATEGIES = (
    "ring-all", "longest-idle", "round-robin", "fewest-calls", "least-talk-time",
    "linear", "random", "weighted-random", "skills",
)  # fmt: skip

# Join-when-empty and leave-when-empty rules: when is a queue "empty" of agents?
EMPTY_NEVER = 0  # never: callers join and stay whatever the agents do
EMPTY_NO_AGENTS = 1  # no member logged in
EMPTY_NO_READY = 2  # no member logged in and unpaused
EMPTY_RULES = ("never", "no-agents", "no-ready-agents")

# Why enqueue refused a call (negative, so never a call id)
REFUSED_FULL = -1
REFUSED_EMPTY = -2

# Actions poll() returns, as (action, call id, agent id); -1 where it does not apply
OFFER = 1  # ring the agent with the call
CANCEL = 2  # stop ringing the agent: answered elsewhere, abandoned, or withdrawn
RING_TIMEOUT = 3  # the offer rang out: stop ringing; the call waits again
TIMEOUT = 4  # the call waited its queue's maximum: take it to the overflow destination
LEAVE_EMPTY = 5  # the call leaves: no agent is left to serve its queue
AUTOPAUSE = 6  # the agent was paused after too many unanswered offers
ACTION_NAMES = ("", "offer", "cancel", "ring-timeout", "timeout", "leave-empty", "autopause")

# Call states
WAITING = 0
RINGING = 1
ANSWERED = 2
GONE = 3

# Timer kinds
T_WRAP = 0
T_REST = 1
T_RING = 2
T_RETRY = 3
T_MAX_WAIT = 4
T_SIM_HANGUP = 5  # the simulator's own events
T_SIM_ABANDON = 6

# The constants above are C variables when compiled (invisible to Python): the Python
# face reads them from here.
CONSTANTS = {
    "LOGGED_OUT": LOGGED_OUT, "AVAILABLE": AVAILABLE, "RESERVED": RESERVED,
    "ON_CALL": ON_CALL, "WRAP_UP": WRAP_UP, "PAUSED": PAUSED,
    "REFUSED_FULL": REFUSED_FULL, "REFUSED_EMPTY": REFUSED_EMPTY,
    "OFFER": OFFER, "CANCEL": CANCEL, "RING_TIMEOUT": RING_TIMEOUT, "TIMEOUT": TIMEOUT,
    "LEAVE_EMPTY": LEAVE_EMPTY, "AUTOPAUSE": AUTOPAUSE,
}  # fmt: skip

AUTOPAUSE_REASON = "no-answer"
IDLE_SCALE = 60.0  # skills strategy: a minute of idle time doubles a member's score
HANDLE_WINDOW = 100  # handle-time estimate: the mean of the first calls, then a moving mean
HANDLE_PRIOR = 10  # the configured handle time counts as this many calls
DECAY = 0.999  # patience estimate: weight of older callers' waits


# Ziggurat tables for exponential variates (Marsaglia and Tsang, 2000): 256 layers of equal
# area under exp(-x), layer i spanning [0, x[i]) (x[0] is the base layer's width with the
# tail's area added; x[1] = ZIG_R, where the tail begins; x[256] = 0). Most draws take one
# 32-bit word and no logarithm. Computed with Python floats and the C library's exp and
# log in both builds, so both have the same tables.
ZIG_R = 7.69711747013104972
ZIG_V = 0.0039496598225815571993  # each layer's area


def _ziggurat() -> tuple:
    x = [0.0] * 257
    x[0] = ZIG_V / math.exp(-ZIG_R)
    x[1] = ZIG_R
    for i in range(1, 255):
        x[i + 1] = -math.log(ZIG_V / x[i] + math.exp(-x[i]))
    f = [math.exp(-v) for v in x]
    f[256] = 1.0
    return x, [v / 16777216.0 for v in x[:256]], f


_tables = _ziggurat()
ZIG_X = _tables[0]
ZIG_W = _tables[1]  # x scaled for a 24-bit integer u
ZIG_F = _tables[2]  # exp(-x)


class AcdError(ValueError):
    """A request that does not fit the current state (unknown agent, bad transition...)."""


class Rng:
    """xoshiro128** (Blackman and Vigna). Its 32-bit words give the same stream as plain
    Python ints (masked) and as C unsigned ints, so both builds draw the same numbers."""

    def __init__(self, seed: int = 0):
        x = seed & 0xFFFFFFFFFFFFFFFF
        words = []
        for _ in range(2):  # splitmix64 fills the state from any seed
            x = (x + 0x9E3779B97F4A7C15) & 0xFFFFFFFFFFFFFFFF
            z = x
            z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & 0xFFFFFFFFFFFFFFFF
            z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & 0xFFFFFFFFFFFFFFFF
            z = z ^ (z >> 31)
            words += [z & 0xFFFFFFFF, z >> 32]
        self.s0, self.s1, self.s2, self.s3 = words

    def next_u32(self) -> int:
        s0, s1, s2, s3 = self.s0, self.s1, self.s2, self.s3
        x = (s1 * 5) & MASK32
        result = ((((x << 7) & MASK32) | (x >> 25)) * 9) & MASK32
        t = (s1 << 9) & MASK32
        s2 ^= s0
        s3 ^= s1
        s1 ^= s2
        s0 ^= s3
        s2 ^= t
        self.s3 = ((s3 << 11) & MASK32) | (s3 >> 21)
        self.s0, self.s1, self.s2 = s0, s1, s2
        return result

    def random(self) -> float:
        """Uniform in [0, 1) with 53 random bits."""
        a = self.next_u32() >> 5
        b = self.next_u32() >> 6
        return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0)

    def exponential(self, mean: float) -> float:
        """Exponential with this mean, by the ziggurat: a word's low 8 bits pick a layer,
        its high 24 a point across it, which falls inside the curve 99% of the time."""
        w = self.next_u32()
        i = w & 255
        x = (w >> 8) * ZIG_W[i]
        if x < ZIG_X[i + 1]:
            return x * mean
        return self._exponential_edge(i, x) * mean

    def _exponential_edge(self, i: int, x: float) -> float:
        """A standard exponential, the point x of layer i being beyond the layer below."""
        while True:
            if i == 0:  # the tail: beyond ZIG_R the exponential starts afresh
                return ZIG_R - log(1.0 - self.random())
            if ZIG_F[i] + self.random() * (ZIG_F[i + 1] - ZIG_F[i]) < exp(-x):
                return x  # under the curve's edge
            w = self.next_u32()  # missed it: a new word, a new layer
            i = w & 255
            x = (w >> 8) * ZIG_W[i]
            if x < ZIG_X[i + 1]:
                return x

    def below(self, n: int) -> int:
        return int(self.random() * n)


NO_TIMER = -1  # an agent or call holding no timer


class Timers:
    """A binary min-heap of timers by (at, seq): timers due at the same instant fire in
    the order they were set. A timer is a slot number, held until the timer fires or is
    cancelled (cancelling takes it out of the heap). The heap keeps each entry's (at, seq)
    beside its slot in C arrays, so sifting compares and moves plain numbers."""

    def __init__(self):
        self.seq = 0
        self.size = 0  # timers in the heap: slots in use
        self.free = 0  # slots in free_slots, ready for reuse
        # by heap position
        self.heap_at = array("d", [0.0]) * 16
        self.heap_seq = array("q", [0]) * 16
        self.heap_slot = array("i", [0]) * 16
        # by slot
        self.kinds = array("i", [0]) * 16
        self.place = array("i", [0]) * 16  # heap position
        self.targets = [None] * 16  # the Agent or Call a timer is about
        self.free_slots = array("i", [0]) * 16

    def add(self, at: float, kind: int, target: object) -> int:
        if self.free:
            self.free -= 1
            slot = self.free_slots[self.free]
        else:  # slots 0..size-1 are all in use
            if self.size == len(self.targets):
                self._grow()
            slot = self.size
        self.seq += 1
        self.kinds[slot] = kind
        self.targets[slot] = target
        self.size += 1
        self._sift_up(self.size - 1, at, self.seq, slot)
        return slot

    def cancel(self, timer: int):
        """Take the timer out (its holder forgets it: the slot serves other timers)."""
        self._remove(self.place[timer])

    def peek(self) -> float:
        """When the first timer falls due (INF when none)."""
        return self.heap_at[0] if self.size else INF

    def pop(self) -> int:
        """The first timer. Its slot is free again: read its kind and target before adding
        a timer."""
        return self._remove(0)

    def _remove(self, i: int) -> int:
        """Take out the timer at heap position i; the last entry fills the gap."""
        slot = self.heap_slot[i]
        self.free_slots[self.free] = slot
        self.free += 1
        self.size -= 1
        n = self.size
        if i < n:
            at = self.heap_at[n]
            seq = self.heap_seq[n]
            up = (i - 1) >> 1
            if i > 0 and (
                at < self.heap_at[up] or (at == self.heap_at[up] and seq < self.heap_seq[up])
            ):
                self._sift_up(i, at, seq, self.heap_slot[n])
            else:
                self._sift_down(i, at, seq, self.heap_slot[n])
        return slot

    def _sift_up(self, i: int, at: float, seq: int, slot: int):
        """Put the entry (at, seq, slot) in the gap at i or above it."""
        while i > 0:
            up = (i - 1) >> 1
            if self.heap_at[up] < at or (self.heap_at[up] == at and self.heap_seq[up] < seq):
                break
            self.heap_at[i] = self.heap_at[up]  # the parent moves down
            self.heap_seq[i] = self.heap_seq[up]
            self.heap_slot[i] = self.heap_slot[up]
            self.place[self.heap_slot[i]] = i
            i = up
        self.heap_at[i] = at
        self.heap_seq[i] = seq
        self.heap_slot[i] = slot
        self.place[slot] = i

    def _sift_down(self, i: int, at: float, seq: int, slot: int):
        """Put the entry (at, seq, slot) in the gap at i or below it."""
        n = self.size
        while True:
            child = 2 * i + 1
            if child >= n:
                break
            right = child + 1
            if right < n:  # the earlier child, without a branch (a coin flip to predict)
                child += (self.heap_at[right] < self.heap_at[child]) | (
                    (self.heap_at[right] == self.heap_at[child])
                    & (self.heap_seq[right] < self.heap_seq[child])
                )
            if at < self.heap_at[child] or (
                at == self.heap_at[child] and seq < self.heap_seq[child]
            ):
                break
            self.heap_at[i] = self.heap_at[child]  # the child moves up
            self.heap_seq[i] = self.heap_seq[child]
            self.heap_slot[i] = self.heap_slot[child]
            self.place[self.heap_slot[i]] = i
            i = child
        self.heap_at[i] = at
        self.heap_seq[i] = seq
        self.heap_slot[i] = slot
        self.place[slot] = i

    def _grow(self):
        """Twice the slots (compiled, the arrays are C views: new arrays replace them)."""
        self.heap_at = _doubled(self.heap_at, "d")
        self.heap_seq = _doubled(self.heap_seq, "q")
        self.heap_slot = _doubled(self.heap_slot, "i")
        self.kinds = _doubled(self.kinds, "i")
        self.place = _doubled(self.place, "i")
        self.free_slots = _doubled(self.free_slots, "i")
        self.targets += [None] * len(self.targets)


def _doubled(values: object, typecode: str) -> array:
    """A copy of `values` (an array, or a C view of one) twice as long."""
    out = array(typecode, values)
    out.extend(out)
    return out


STATS_COUNTS = (
    "offered", "answered", "answered_in_sl", "abandoned", "short_abandoned", "timed_out",
    "left_empty", "refused", "callbacks", "wait_answered", "wait_abandoned", "talk",
    "completed", "wrap", "wraps",
)  # fmt: skip


class Stats:
    """A queue's numbers over an interval (since `since`)."""

    def __init__(self, since: float):
        self.since = since
        self.offered = 0  # entered the queue
        self.answered = 0
        self.answered_in_sl = 0  # answered within the queue's service-level time
        self.abandoned = 0  # short abandons included
        self.short_abandoned = 0
        self.timed_out = 0
        self.left_empty = 0
        self.refused = 0  # full or empty at entry: never entered
        self.callbacks = 0  # callers who hung up keeping their place
        self.wait_answered = 0.0
        self.wait_abandoned = 0.0
        self.longest_answered = 0.0
        self.talk = 0.0
        self.completed = 0  # answered calls that ended
        self.wrap = 0.0
        self.wraps = 0

    def add(self, other: "Stats"):
        """Count another interval's numbers in (for the totals)."""
        for name in STATS_COUNTS:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.longest_answered = max(self.longest_answered, other.longest_answered)


class Agent:
    def __init__(self, agent_id: int, name: str, now: float):
        self.id = agent_id
        self.name = name
        self.state = LOGGED_OUT
        self.since = now  # in this state since
        self.idle_since = now  # when the agent last became free after a call (or logged in)
        self.ready = False  # available and not resting: can be offered a call now
        self.resting = False  # a delay after a rejected or unanswered offer
        self.timer = NO_TIMER  # wrap-up or rest
        self.call = None  # ringing, talking, or the last one while wrapping up
        self.member = None  # the membership the current call came through
        self.answered_at = 0.0
        self.wrap_from = 0.0
        self.pause_reason = ""
        self.pause_pending = False  # asked while busy: takes effect when the call ends
        self.logout_pending = False
        self.no_answers = 0  # in a row
        self.max_no_answer = 3  # 0: never auto-pause
        self.reject_delay = 10.0
        self.busy_delay = 30.0
        self.no_answer_delay = 10.0
        self.members = []
        self.alone = (self,)  # a call's ringing agents when it rings just this one (shared)
        # numbers over the interval
        self.offered = 0
        self.answered = 0
        self.counted_since = now
        self.t_available = 0.0
        self.t_ringing = 0.0
        self.t_talking = 0.0
        self.t_wrapping = 0.0
        self.t_paused = 0.0


class Member:
    def __init__(self, queue: object, agent: Agent, penalty: int, level: int, weight: float):
        self.queue = queue
        self.agent = agent
        self.penalty = penalty  # lower tiers ring first
        self.level = level  # skill level for the skills strategy (higher is better)
        self.weight = weight  # weighted-random strategy
        self.order = 0  # position in the queue's member list
        self.calls = 0  # answered through this queue (fewest-calls)
        self.talk = 0.0  # seconds talked through this queue (least-talk-time)


# (class directives Cython takes from here, not from core.pxd)
@cython.freelist(256)  # calls come and go all day: reuse their memory
@cython.no_gc  # nor tracked by the cycle collector (about 3% of the simulator's time): the
# cycles a call closes (its queue's chain, a ringing or busy agent) open as it ends, and
# Core.__dealloc__ opens those of the calls in hand when a core goes
@cython.cclass
class Call:
    """A caller in a queue (made by _new_call)."""


def _new_call(call_id: int, queue: object, priority: int, entered: float, seq: int) -> Call:
    call = Call.__new__(Call)  # (no __init__: its arguments would be boxed)
    call.id = call_id
    call.queue = queue
    call.priority = priority
    call.entered = entered
    call.seq = seq  # tie-break between calls entering at the same instant
    call.state = WAITING
    call.ready_at = entered  # after a ring timeout the call waits `retry` seconds
    call.ringing = ()  # agents being offered the call (a tuple: most offers ring one)
    call.ring_timer = NO_TIMER
    call.wait_timer = NO_TIMER
    call.retry_timer = NO_TIMER
    call.sim_timer = NO_TIMER  # the simulator's abandon timer
    call.behind = None  # the next call in the queue's chain
    call.first_position = 0
    call.callback = False
    call.ewt = -1.0  # the estimate given at entry (the simulator scores it)
    return call


class Queue:
    def __init__(self, queue_id: int, name: str, strategy: int, now: float):
        self.id = queue_id
        self.name = name
        self.strategy = strategy
        self.ring_timeout = 15.0  # 0: ring until answered or abandoned
        self.retry = 2.0  # after a ring timeout, before the call is offered again
        self.wrap_up = 0.0
        self.max_wait = 0.0  # 0: no limit
        self.max_len = 0  # 0: no limit
        self.sl_seconds = 20.0
        self.short_abandon = 5.0
        self.join_empty = EMPTY_NEVER
        self.leave_empty = EMPTY_NEVER
        self.members = []
        self.logged_in = 0  # members logged in
        self.serving = 0  # members logged in and not paused
        self.ready = 0  # members whose agent is ready
        # their orders, ascending, in [:ready], and beside each what picking reads: the
        # member's penalty and its agent's idle_since (which changes only while not ready)
        self.ready_orders = array("i", [0]) * 8
        self.ready_penalties = array("l", [0]) * 8
        self.ready_idle = array("d", [0.0]) * 8
        # the waiting calls, in service order (priority, then entry time): a chain from
        # first to last through Call.behind (no list to grow and shrink as calls come and go)
        self.first = None
        self.last = None
        self.length = 0
        self.rr_last = -1  # round-robin memory: order of the member offered last
        self.handle_estimate = 180.0  # seconds of talk and wrap-up, learned from calls
        self.handled = 0
        self.wait_exposure = 0.0  # decayed sum of finished callers' waits
        self.abandon_weight = 0.0  # decayed count of abandons
        self.stats = Stats(now)  # this interval
        self.total = Stats(now)  # the intervals before it


QUEUE_OPTIONS = (
    "ring_timeout", "retry", "wrap_up", "max_wait", "max_len", "sl_seconds",
    "short_abandon", "join_empty", "leave_empty", "handle_estimate",
)  # fmt: skip
AGENT_OPTIONS = ("max_no_answer", "reject_delay", "busy_delay", "no_answer_delay")
INT_OPTIONS = ("max_len", "max_no_answer")


class Core:
    def __init__(self, rng: Rng = None):
        self.agents = []
        self.queues = []
        self.calls = {}  # call id -> Call, while it waits or rings
        # The public methods find calls by id here; the simulator holds its calls itself
        # and turns the index off (a tenth of its work).
        self.indexed = True
        self.timers = Timers()
        # Actions for the driver, flat: action, call, agent, action, call... The first
        # `acted` are new; the driver sets acted to 0 once it has taken them. The list keeps
        # its length from poll to poll, so recording an action allocates nothing.
        self.actions = []
        self.acted = 0
        self.rng = rng if rng is not None else Rng(0)
        self.ready_count = 0  # agents that can be offered a call now
        self.waiting_count = 0
        self.next_call = 0
        self.seq = 0

    def __dealloc__(self):
        """Compiled, calls are out of sight of the cycle collector (see Call): a core let
        go of with calls in hand unlinks them, or the cycles they close would never be
        freed. (Interpreted, this is never called.)"""
        _unlink_calls(self)

    # -- configuration -------------------------------------------------------------------

    def add_queue(self, name: str, strategy: str = "longest-idle", now: float = 0.0, **options):
        """A new queue; returns its id. Options: see QUEUE_OPTIONS (seconds for times)."""
        if strategy not in STRATEGIES:
            raise AcdError("strategy: one of " + ", ".join(STRATEGIES))
        q = Queue(len(self.queues), name, STRATEGIES.index(strategy), now)
        self._configure(q, QUEUE_OPTIONS, options)
        self.queues.append(q)
        return q.id

    def configure_queue(self, queue_id: int, strategy: str = "", **options):
        q = self._queue(queue_id)
        if strategy and strategy not in STRATEGIES:
            raise AcdError("strategy: one of " + ", ".join(STRATEGIES))
        self._configure(q, QUEUE_OPTIONS, options)
        if strategy:
            q.strategy = STRATEGIES.index(strategy)

    def add_agent(self, name: str, now: float, **options):
        """A new agent (logged out); returns its id. Options: see AGENT_OPTIONS."""
        agent = Agent(len(self.agents), name, now)
        self._configure(agent, AGENT_OPTIONS, options)
        self.agents.append(agent)
        return agent.id

    def configure_agent(self, agent_id: int, **options):
        self._configure(self._agent(agent_id), AGENT_OPTIONS, options)

    def _configure(self, target, names: tuple, options: dict):
        checked = {}
        for name, value in options.items():
            if name not in names:
                raise AcdError(f"{name}: not an option (one of {', '.join(names)})")
            if name in ("join_empty", "leave_empty"):
                if value not in EMPTY_RULES:
                    raise AcdError(f"{name}: one of {', '.join(EMPTY_RULES)}")
                value = EMPTY_RULES.index(value)
            elif name in INT_OPTIONS and (type(value) is not int or value < 0):
                raise AcdError(f"{name}: must be a whole number >= 0")
            elif type(value) not in (int, float) or not 0 <= value < INF:
                raise AcdError(f"{name}: must be a number >= 0")
            elif name == "handle_estimate" and value <= 0:
                raise AcdError(f"{name}: must be > 0")
            checked[name] = value
        for name, value in checked.items():  # all or nothing
            setattr(target, name, value)

    def add_member(
        self, queue_id: int, agent_id: int, penalty: int = 0, level: int = 1,
        weight: float = 1.0,
    ):  # fmt: skip
        q = self._queue(queue_id)
        agent = self._agent(agent_id)
        if penalty < 0 or level < 0 or not weight > 0:
            raise AcdError("penalty and level must be >= 0 and weight > 0")
        for m in q.members:
            if m.agent is agent:  # already a member: update it
                m.penalty, m.level, m.weight = penalty, level, weight
                if agent.ready:
                    _remove_ready(q, m.order)
                    _add_ready(q, m)
                return
        m = Member(q, agent, penalty, level, weight)
        m.order = len(q.members)
        q.members.append(m)
        agent.members.append(m)
        if m.order == len(q.ready_orders):
            q.ready_orders = _doubled(q.ready_orders, "i")
            q.ready_penalties = _doubled(q.ready_penalties, "l")
            q.ready_idle = _doubled(q.ready_idle, "d")
        if agent.ready:
            _add_ready(q, m)
        q.logged_in += agent.state != LOGGED_OUT
        q.serving += _serves(agent.state)

    def remove_member(self, queue_id: int, agent_id: int, now: float):
        q = self._queue(queue_id)
        agent = self._agent(agent_id)
        for m in q.members:
            if m.agent is agent:
                break
        else:
            raise AcdError(f"agent {agent.name} is not a member of queue {q.name}")
        q.members.remove(m)
        agent.members.remove(m)
        q.logged_in -= agent.state != LOGGED_OUT
        q.serving -= _serves(agent.state)
        q.ready = 0
        for i in range(len(q.members)):
            other = q.members[i]
            other.order = i
            if other.agent.ready:
                _add_ready(q, other)
        if agent.call is not None and agent.call.queue is q and agent.state == RESERVED:
            self._withdraw(agent.call, agent, now)
        self._check_empty(q, now)

    # -- agent state ---------------------------------------------------------------------

    def login(self, agent_id: int, now: float):
        agent = self._agent(agent_id)
        agent.logout_pending = False
        if agent.state == LOGGED_OUT:
            agent.idle_since = now
            agent.no_answers = 0
            self._set(agent, AVAILABLE, now)

    def logout(self, agent_id: int, now: float):
        """Logged out now, or when the call in hand ends."""
        agent = self._agent(agent_id)
        if agent.state == ON_CALL:
            agent.logout_pending = True
            return
        if agent.state == RESERVED:
            self._withdraw(agent.call, agent, now)
        self._end_wrap(agent, now)
        self._cancel_timer(agent)
        agent.call = None
        agent.member = None
        agent.resting = False
        agent.pause_pending = False
        agent.pause_reason = ""
        self._set(agent, LOGGED_OUT, now)
        for m in agent.members:
            self._check_empty(m.queue, now)

    def pause(self, agent_id: int, now: float, reason: str = ""):
        """Paused now, or when the call in hand ends (a wrap-up is cut short)."""
        agent = self._agent(agent_id)
        if agent.state == LOGGED_OUT:
            raise AcdError(f"agent {agent.name} is logged out")
        self._pause(agent, now, reason or "paused")

    def unpause(self, agent_id: int, now: float):
        agent = self._agent(agent_id)
        agent.pause_pending = False
        agent.pause_reason = ""
        if agent.state == PAUSED:
            agent.no_answers = 0
            self._set(agent, AVAILABLE, now)

    # -- calls ---------------------------------------------------------------------------

    def enqueue(self, queue_id: int, now: float, priority: int = 0) -> int:
        """A caller enters a queue: the call's id, or REFUSED_FULL / REFUSED_EMPTY."""
        call = self._enqueue(self._queue(queue_id), now, priority)
        if call is None:
            q = self.queues[queue_id]
            return REFUSED_FULL if q.max_len and q.length >= q.max_len else REFUSED_EMPTY
        return call.id

    def abandon(self, call_id: int, now: float):
        """The caller hung up while waiting (or while an agent's phone rang)."""
        self._abandon(self._call(call_id), now)

    def answered(self, call_id: int, agent_id: int, now: float):
        """The agent answered the call offered to them: it leaves the queue."""
        call = self._call(call_id)
        agent = self._agent(agent_id)
        if call.state != RINGING or agent.call is not call or agent.state != RESERVED:
            raise AcdError(f"call {call_id} is not ringing agent {agent.name}")
        self._answer(call, agent, now)

    def rejected(self, call_id: int, agent_id: int, now: float, busy: bool = False):
        """The agent declined the offer (or their phone was busy): they rest a while and
        the call goes back to waiting in its place."""
        call, agent = self._offered(call_id, agent_id)
        self._unring(call, agent, now, agent.busy_delay if busy else agent.reject_delay)

    def no_answer(self, call_id: int, agent_id: int, now: float):
        """The agent's phone gave up ringing before the queue's ring timeout."""
        call, agent = self._offered(call_id, agent_id)
        self._rang_out(call, agent, now)
        if not call.ringing:
            self._after_ring(call, now)

    def hangup(self, agent_id: int, now: float):
        """The agent's answered call ended: wrap-up, then free (or paused if asked)."""
        agent = self._agent(agent_id)
        if agent.state != ON_CALL:
            raise AcdError(f"agent {agent.name} is not on a call")
        self._hangup(agent, now)

    def keep_place(self, call_id: int):
        """The caller asked to be called back: the call keeps its place in the queue."""
        call = self._call(call_id)
        if not call.callback:
            call.callback = True
            call.queue.stats.callbacks += 1

    # -- time ------------------------------------------------------------------------------

    def poll(self, now: float) -> list:
        """Fire what fell due, match waiting calls to free agents, and return the actions
        for the driver as (action, call id, agent id) tuples."""
        out = []
        actions = self.actions
        for i in range(0, 3 * self._poll(now), 3):
            call, agent = actions[i + 1], actions[i + 2]
            out.append(
                (actions[i], -1 if call is None else call.id, -1 if agent is None else agent.id)
            )
        self.acted = 0
        return out

    def next_due(self) -> float:
        """When something happens by itself (INF when nothing will)."""
        return self.timers.peek()

    # -- what drivers and the console read ------------------------------------------------

    def position(self, call_id: int) -> int:
        call = self._call(call_id)
        return _place(call)

    def ewt(self, call_id: int) -> float:
        """Estimated seconds until the call is answered (INF when nobody serves it)."""
        return self._ewt(self._call(call_id))

    def call_info(self, call_id: int) -> dict:
        call = self._call(call_id)
        return {
            "queue": call.queue.id, "priority": call.priority, "entered": call.entered,
            "state": ("waiting", "ringing")[call.state],
            "ringing": [agent.id for agent in call.ringing],
            "position": _place(call),
            "first_position": call.first_position, "callback": call.callback,
        }  # fmt: skip

    def waiting(self, queue_id: int) -> list:
        return [call.id for call in _waiting(self._queue(queue_id))]

    def agent_state(self, agent_id: int) -> tuple:
        """(state name, since, pause reason, call id or -1)"""
        agent = self._agent(agent_id)
        call = agent.call if agent.state in (RESERVED, ON_CALL) else None
        return (
            STATE_NAMES[agent.state], agent.since, agent.pause_reason,
            -1 if call is None else call.id,
        )  # fmt: skip

    def queue_numbers(self, queue_id: int, now: float, total: bool = False) -> dict:
        """A queue's numbers for the current interval (or since the core started)."""
        q = self._queue(queue_id)
        s = q.stats
        if total:
            s = Stats(q.total.since)
            s.add(q.total)
            s.add(q.stats)
        finished = s.answered + s.abandoned + s.timed_out + s.left_empty
        counted = finished - s.short_abandoned
        states = dict.fromkeys(STATE_NAMES, 0)
        busy = staffed = 0.0
        for m in q.members:
            agent = m.agent
            states[STATE_NAMES[agent.state]] += 1
            self._account(agent, now)
            busy += agent.t_ringing + agent.t_talking + agent.t_wrapping
            staffed += agent.t_available + agent.t_ringing + agent.t_talking + agent.t_wrapping
        longest = 0.0
        for call in _waiting(q):
            longest = max(longest, now - call.entered)
        return {
            "since": s.since, "waiting": q.length, "longest_wait": longest,
            "offered": s.offered, "answered": s.answered, "abandoned": s.abandoned,
            "short_abandoned": s.short_abandoned, "timed_out": s.timed_out,
            "left_empty": s.left_empty, "refused": s.refused, "callbacks": s.callbacks,
            "answered_in_sl": s.answered_in_sl,
            "service_level": s.answered_in_sl / counted if counted > 0 else None,
            "asa": s.wait_answered / s.answered if s.answered else None,
            "avg_talk": s.talk / s.completed if s.completed else None,
            "avg_wrap": s.wrap / s.wraps if s.wraps else None,
            "longest_answered_wait": s.longest_answered,
            "abandon_rate": s.abandoned / finished if finished else None,
            "occupancy": busy / staffed if staffed > 0 else None,
            "agents": states, "handle_estimate": q.handle_estimate,
        }  # fmt: skip

    def agent_numbers(self, agent_id: int, now: float) -> dict:
        agent = self._agent(agent_id)
        self._account(agent, now)
        busy = agent.t_ringing + agent.t_talking + agent.t_wrapping
        staffed = busy + agent.t_available
        return {
            "state": STATE_NAMES[agent.state], "since": agent.since,
            "pause_reason": agent.pause_reason, "offered": agent.offered,
            "answered": agent.answered, "no_answers_in_a_row": agent.no_answers,
            "available": agent.t_available, "ringing": agent.t_ringing,
            "talking": agent.t_talking, "wrapping": agent.t_wrapping,
            "paused": agent.t_paused,
            "occupancy": busy / staffed if staffed > 0 else None,
        }  # fmt: skip

    def roll_interval(self, now: float):
        """Start a new interval for the queues' and agents' numbers."""
        for q in self.queues:
            q.total.add(q.stats)
            q.stats = Stats(now)
        for agent in self.agents:
            self._account(agent, now)
            agent.offered = agent.answered = 0
            agent.t_available = agent.t_ringing = agent.t_talking = 0.0
            agent.t_wrapping = agent.t_paused = 0.0

    # -- internals: calls ------------------------------------------------------------------

    def _enqueue(self, q: Queue, now: float, priority: int) -> Call:
        if (q.max_len and q.length >= q.max_len) or (
            q.join_empty and not self._staffed(q, q.join_empty)
        ):
            q.stats.refused += 1
            return None
        self.seq += 1
        call = _new_call(self.next_call, q, priority, now, self.seq)
        self.next_call += 1
        if q.last is None or q.last.priority >= priority:  # at the end, as a rule
            call.first_position = q.length + 1
            if q.last is None:
                q.first = call
            else:
                q.last.behind = call
            q.last = call
        else:  # behind the calls of its priority and higher
            ahead = None
            behind = q.first
            call.first_position = 1
            while behind.priority >= priority:
                ahead = behind
                behind = behind.behind
                call.first_position += 1
            call.behind = behind
            if ahead is None:
                q.first = call
            else:
                ahead.behind = call
        q.length += 1
        if self.indexed:
            self.calls[call.id] = call
        self.waiting_count += 1
        q.stats.offered += 1
        if q.max_wait > 0:
            call.wait_timer = self.timers.add(now + q.max_wait, T_MAX_WAIT, call)
        return call

    def _leave(self, call: Call):
        """Out of the queue (answered, abandoned, timed out, left)."""
        q = call.queue
        ahead = None
        c = q.first
        while c is not call:
            if c is None:
                raise AcdError("not in the list")
            ahead = c
            c = c.behind
        if ahead is None:
            q.first = call.behind
        else:
            ahead.behind = call.behind
        if q.last is call:
            q.last = ahead
        call.behind = None
        q.length -= 1
        if self.indexed:
            del self.calls[call.id]
        self.waiting_count -= 1
        timers = self.timers
        if call.ring_timer != NO_TIMER:
            timers.cancel(call.ring_timer)
            call.ring_timer = NO_TIMER
        if call.wait_timer != NO_TIMER:
            timers.cancel(call.wait_timer)
            call.wait_timer = NO_TIMER
        if call.retry_timer != NO_TIMER:
            timers.cancel(call.retry_timer)
            call.retry_timer = NO_TIMER

    def _let_go(self, call: Call, now: float, state: int, keep: Agent):
        """Take the call out of its queue, then stop ringing its agents (but `keep`, who
        answered). In that order: an agent whose release empties the queue (a pause
        asked for while ringing, and a leave-empty rule) must not drop it again."""
        ringing = call.ringing
        call.ringing = ()
        self._leave(call)
        call.state = state
        for agent in ringing:
            if agent is not keep:
                self._act(CANCEL, call, agent)
                self._release(agent, now, 0.0)

    def _answer(self, call: Call, agent: Agent, now: float):
        q = call.queue
        self._let_go(call, now, ANSWERED, agent)
        wait = now - call.entered
        s = q.stats
        s.answered += 1
        s.wait_answered += wait
        if wait <= q.sl_seconds:
            s.answered_in_sl += 1
        if wait > s.longest_answered:
            s.longest_answered = wait
        self._exposed(q, wait, 0.0)
        for m in agent.members:
            if m.queue is q:
                agent.member = m
                m.calls += 1
                break
        agent.answered += 1
        agent.no_answers = 0
        agent.answered_at = now
        self._set(agent, ON_CALL, now)

    def _abandon(self, call: Call, now: float):
        q = call.queue
        self._let_go(call, now, GONE, None)
        wait = now - call.entered
        short = wait < q.short_abandon
        s = q.stats
        s.abandoned += 1
        s.wait_abandoned += wait
        if short:
            s.short_abandoned += 1
        self._exposed(q, wait, 1.0)

    def _exposed(self, q: Queue, wait: float, abandoned: float):
        # Exponential patience's rate is abandons per second of waiting (its maximum
        # likelihood estimate); older callers count less so the estimate follows the day.
        q.wait_exposure = q.wait_exposure * DECAY + wait
        q.abandon_weight = q.abandon_weight * DECAY + abandoned

    def _drop(self, call: Call, now: float, action: int):
        """The queue lets go of a call (maximum wait, nobody left to serve it)."""
        q = call.queue
        self._let_go(call, now, GONE, None)
        if action == TIMEOUT:
            q.stats.timed_out += 1
        else:
            q.stats.left_empty += 1
        self._exposed(q, now - call.entered, 0.0)
        self._act(action, call, None)

    def _offered(self, call_id: int, agent_id: int) -> tuple:
        call = self._call(call_id)
        agent = self._agent(agent_id)
        if call.state != RINGING or agent.call is not call or agent.state != RESERVED:
            raise AcdError(f"call {call_id} is not ringing agent {agent.name}")
        return call, agent

    def _unring(self, call: Call, agent: Agent, now: float, rest: float):
        """One agent stops ringing with the call; with nobody left ringing it waits."""
        i = _position(call.ringing, agent)
        call.ringing = call.ringing[: i - 1] + call.ringing[i:]
        if not call.ringing:
            if call.ring_timer != NO_TIMER:
                self.timers.cancel(call.ring_timer)
                call.ring_timer = NO_TIMER
            if call.state == RINGING:
                call.state = WAITING
        self._release(agent, now, rest)  # (may drop the call: the queue may be empty now)

    def _rang_out(self, call: Call, agent: Agent, now: float):
        """One agent let the offer ring out: counted, and auto-paused at the limit."""
        agent.no_answers += 1
        if agent.max_no_answer and agent.no_answers >= agent.max_no_answer:
            agent.no_answers = 0
            self._unring(call, agent, now, 0.0)
            self._pause(agent, now, AUTOPAUSE_REASON)
            self._act(AUTOPAUSE, None, agent)
        else:
            self._unring(call, agent, now, agent.no_answer_delay)

    def _after_ring(self, call: Call, now: float):
        retry = call.queue.retry
        if call.state == WAITING and retry > 0:
            call.ready_at = now + retry
            call.retry_timer = self.timers.add(call.ready_at, T_RETRY, call)

    def _withdraw(self, call: Call, agent: Agent, now: float):
        """Stop offering a call to one agent (logging out, removed from the queue)."""
        self._act(CANCEL, call, agent)
        self._unring(call, agent, now, 0.0)

    def _hangup(self, agent: Agent, now: float):
        call = agent.call
        q = call.queue
        talk = now - agent.answered_at
        s = q.stats
        s.completed += 1
        s.talk += talk
        m = agent.member
        if m is not None:
            m.talk += talk
        # the handle time learned for estimates: talk plus the queue's wrap-up
        q.handled += 1
        n = q.handled + HANDLE_PRIOR
        if n > HANDLE_WINDOW:
            n = HANDLE_WINDOW
        q.handle_estimate += (talk + q.wrap_up - q.handle_estimate) / n
        if q.wrap_up > 0 and not agent.logout_pending and not agent.pause_pending:
            agent.wrap_from = now
            self._set(agent, WRAP_UP, now)
            agent.timer = self.timers.add(now + q.wrap_up, T_WRAP, agent)
        else:
            self._free(agent, now)

    # -- internals: agents -------------------------------------------------------------------

    def _set(self, agent: Agent, state: int, now: float):
        self._account(agent, now)
        old = agent.state
        agent.state = state
        agent.since = now
        if old != state and (  # logging in or out, pausing or unpausing
            old in (LOGGED_OUT, PAUSED) or state in (LOGGED_OUT, PAUSED)
        ):
            for m in agent.members:
                q = m.queue
                q.logged_in += (state != LOGGED_OUT) - (old != LOGGED_OUT)
                q.serving += _serves(state) - _serves(old)
        self._update_ready(agent)

    def _account(self, agent: Agent, now: float):
        """Add the time since the last count to the agent's current state."""
        dt = now - agent.counted_since
        if dt <= 0:
            return
        agent.counted_since = now
        state = agent.state
        if state == AVAILABLE:
            agent.t_available += dt
        elif state == ON_CALL:
            agent.t_talking += dt
        elif state == RESERVED:
            agent.t_ringing += dt
        elif state == WRAP_UP:
            agent.t_wrapping += dt
        elif state == PAUSED:
            agent.t_paused += dt

    def _update_ready(self, agent: Agent):
        ready = agent.state == AVAILABLE and not agent.resting
        if ready != agent.ready:
            agent.ready = ready
            self.ready_count += 1 if ready else -1
            for m in agent.members:
                if ready:
                    _add_ready(m.queue, m)
                else:
                    _remove_ready(m.queue, m.order)

    def _free(self, agent: Agent, now: float):
        """The agent's call (and wrap-up) ended: available, or what they asked for."""
        self._end_wrap(agent, now)
        agent.call = None
        agent.member = None
        if agent.logout_pending:
            agent.logout_pending = False
            agent.pause_pending = False
            agent.pause_reason = ""
            self._set(agent, LOGGED_OUT, now)
            for m in agent.members:
                self._check_empty(m.queue, now)
        elif agent.pause_pending:
            agent.pause_pending = False
            self._set(agent, PAUSED, now)
            for m in agent.members:
                self._check_empty(m.queue, now)
        else:
            agent.idle_since = now
            self._set(agent, AVAILABLE, now)

    def _release(self, agent: Agent, now: float, rest: float):
        """An offer to the agent ended without a call: free again, after `rest` seconds."""
        agent.call = None
        if agent.pause_pending or agent.logout_pending:
            self._free(agent, now)
        else:
            if rest > 0:
                agent.resting = True
                self._cancel_timer(agent)
                agent.timer = self.timers.add(now + rest, T_REST, agent)
            self._set(agent, AVAILABLE, now)

    def _pause(self, agent: Agent, now: float, reason: str):
        agent.pause_reason = reason
        if agent.state in (RESERVED, ON_CALL):
            agent.pause_pending = True
        elif agent.state != PAUSED:
            self._end_wrap(agent, now)
            self._cancel_timer(agent)
            agent.resting = False
            agent.call = None
            agent.member = None
            self._set(agent, PAUSED, now)
            for m in agent.members:
                self._check_empty(m.queue, now)

    def _end_wrap(self, agent: Agent, now: float):
        if agent.state == WRAP_UP:
            q = agent.call.queue
            s = q.stats
            s.wrap += now - agent.wrap_from
            s.wraps += 1
            self._cancel_timer(agent)

    def _cancel_timer(self, agent: Agent):
        if agent.timer != NO_TIMER:
            self.timers.cancel(agent.timer)
            agent.timer = NO_TIMER

    def _staffed(self, q: Queue, rule: int) -> bool:
        return (q.logged_in if rule == EMPTY_NO_AGENTS else q.serving) > 0

    def _check_empty(self, q: Queue, now: float):
        if q.leave_empty and q.length and not self._staffed(q, q.leave_empty):
            for call in _waiting(q):
                self._drop(call, now, LEAVE_EMPTY)

    # -- internals: time and matching --------------------------------------------------------

    def _poll(self, now: float) -> int:
        """Fire what fell due and match: how many actions the driver has to take."""
        timers = self.timers
        at = timers.peek()
        while at <= now:
            self._fire(timers.pop(), at)
            at = timers.peek()
        if self.ready_count > 0 and self.waiting_count > 0:
            self._match(now)
        return self.acted

    def _act(self, action: int, call: Call, agent: Agent):
        """Record an action for the driver (see Core.actions)."""
        i = 3 * self.acted
        if i == len(self.actions):
            self.actions.extend((action, call, agent))
        else:
            self.actions[i] = action
            self.actions[i + 1] = call
            self.actions[i + 2] = agent
        self.acted += 1

    def _fire(self, timer: int, at: float):
        kind = self.timers.kinds[timer]
        target = self.timers.targets[timer]
        if kind == T_WRAP:
            agent = target
            agent.timer = NO_TIMER
            self._free(agent, at)
        elif kind == T_REST:
            agent = target
            agent.timer = NO_TIMER
            agent.resting = False
            self._update_ready(agent)
        elif kind == T_RING:
            call = target
            call.ring_timer = NO_TIMER
            while call.ringing:  # (an auto-pause may empty the queue and drop the call)
                agent = call.ringing[0]
                self._act(RING_TIMEOUT, call, agent)
                self._rang_out(call, agent, at)
            self._after_ring(call, at)
        elif kind == T_RETRY:
            call = target
            call.retry_timer = NO_TIMER
        elif kind == T_MAX_WAIT:
            call = target
            call.wait_timer = NO_TIMER
            self._drop(call, at, TIMEOUT)

    def _match(self, now: float):
        """Offer waiting calls to free agents while both exist: the most urgent call that
        has a free agent in its queue first."""
        while self.ready_count > 0:
            best = None
            for q in self.queues:
                if q.ready == 0:  # no free member: none of its calls can ring now
                    continue
                call = q.first
                while call is not None and (call.state != WAITING or call.ready_at > now):
                    call = call.behind
                if call is None:
                    continue
                if best is not None and (
                    best.priority > call.priority
                    or (best.priority == call.priority and (
                        best.entered < call.entered
                        or (best.entered == call.entered and best.seq < call.seq)
                    ))
                ):  # fmt: skip
                    continue
                best = call
            if best is None:
                break
            self._offer(best, now)

    def _offer(self, call: Call, now: float):
        q = call.queue
        if q.strategy == RING_ALL:
            tier = -1
            for m in q.members:
                if m.agent.ready and (tier < 0 or m.penalty < tier):
                    tier = m.penalty
            for m in q.members:
                if m.agent.ready and m.penalty == tier:
                    self._ring(call, m.agent, now)
        else:
            self._ring(call, self._pick(q, now).agent, now)
        call.state = RINGING
        if q.ring_timeout > 0:
            call.ring_timer = self.timers.add(now + q.ring_timeout, T_RING, call)

    def _ring(self, call: Call, agent: Agent, now: float):
        call.ringing = call.ringing + agent.alone if call.ringing else agent.alone
        agent.call = call
        agent.offered += 1
        self._set(agent, RESERVED, now)
        self._act(OFFER, call, agent)

    def _pick(self, q: Queue, now: float) -> Member:
        """The free member the queue's strategy ranks first; lower penalty tiers first
        (except for skills, whose score weighs the penalty). Ready members are visited in
        member order, so ties go to the first."""
        strategy = q.strategy
        best = None
        members = q.members
        if strategy == SKILLS:
            best_score = -1.0
            for k in range(q.ready):
                m = members[q.ready_orders[k]]
                score = (
                    m.level * (1.0 + (now - m.agent.idle_since) / IDLE_SCALE)
                    / (1.0 + m.penalty)
                )  # fmt: skip
                if score > best_score:
                    best, best_score = m, score
            return best
        if strategy != RANDOM and strategy != WEIGHTED_RANDOM:
            rr_last = q.rr_last
            best_k = 0
            for k in range(1, q.ready):
                if q.ready_penalties[k] < q.ready_penalties[best_k] or (
                    q.ready_penalties[k] == q.ready_penalties[best_k]
                    and _better(strategy, q, k, best_k, rr_last)
                ):
                    best_k = k
            best = members[q.ready_orders[best_k]]
            if strategy == ROUND_ROBIN:
                q.rr_last = best.order
            return best
        tier = -1
        count = 0
        weights = 0.0
        for k in range(q.ready):
            m = members[q.ready_orders[k]]
            if tier < 0 or m.penalty < tier:
                tier, count, weights = m.penalty, 0, 0.0
            if m.penalty == tier:
                count += 1
                weights += m.weight
        target = self.rng.random() * (weights if strategy == WEIGHTED_RANDOM else count)
        for k in range(q.ready):
            m = members[q.ready_orders[k]]
            if m.penalty == tier:
                best = m
                target -= m.weight if strategy == WEIGHTED_RANDOM else 1.0
                if target < 0:
                    break
        return best

    def _ewt(self, call: Call) -> float:
        """Expected wait for a caller with n-1 callers ahead while all s serving agents
        are busy: n services at rate s/handle, each sped up by the callers ahead who
        give up (their rate learned from the queue's abandons)."""
        q = call.queue
        if q.serving == 0:
            return INF
        rate = q.serving / q.handle_estimate
        theta = q.abandon_weight / q.wait_exposure if q.wait_exposure > 0 else 0.0
        n = q.length if call is q.last else _place(call)  # (an arrival is last, as a rule)
        ewt = 0.0
        for ahead in range(n):
            ewt += 1.0 / (rate + ahead * theta)
        return ewt

    # -- lookups ---------------------------------------------------------------------------

    def _agent(self, agent_id: int) -> Agent:
        if not 0 <= agent_id < len(self.agents):
            raise AcdError(f"no agent {agent_id}")
        return self.agents[agent_id]

    def _queue(self, queue_id: int) -> Queue:
        if not 0 <= queue_id < len(self.queues):
            raise AcdError(f"no queue {queue_id}")
        return self.queues[queue_id]

    def _call(self, call_id: int) -> Call:
        call = self.calls.get(call_id)
        if call is None:
            raise AcdError(f"no waiting call {call_id}")
        return call


def _serves(state: int) -> bool:
    """Does an agent in this state serve their queues (logged in, not paused)?"""
    return state != LOGGED_OUT and state != PAUSED


def _waiting(q: Queue) -> list:
    """The queue's waiting calls, in service order."""
    calls = []
    call = q.first
    while call is not None:
        calls.append(call)
        call = call.behind
    return calls


def _place(call: Call) -> int:
    """1-based position of a waiting call in its queue."""
    n = 1
    c = call.queue.first
    while c is not call:
        if c is None:
            raise AcdError("not in the list")
        n += 1
        c = c.behind
    return n


def _position(items: tuple, item: object) -> int:
    """1-based position of `item` in `items` (by identity: no comparisons)."""
    for i in range(len(items)):
        if items[i] is item:
            return i + 1
    raise AcdError("not in the list")


def _add_ready(q: Queue, m: Member):
    """The member's agent is ready: into the queue's ready orders (ascending)."""
    i = q.ready
    while i > 0 and q.ready_orders[i - 1] > m.order:
        q.ready_orders[i] = q.ready_orders[i - 1]
        q.ready_penalties[i] = q.ready_penalties[i - 1]
        q.ready_idle[i] = q.ready_idle[i - 1]
        i -= 1
    q.ready_orders[i] = m.order
    q.ready_penalties[i] = m.penalty
    q.ready_idle[i] = m.agent.idle_since
    q.ready += 1


def _remove_ready(q: Queue, order: int):
    """The member at `order` is no longer ready."""
    i = 0
    while q.ready_orders[i] != order:
        i += 1
    q.ready -= 1
    while i < q.ready:
        q.ready_orders[i] = q.ready_orders[i + 1]
        q.ready_penalties[i] = q.ready_penalties[i + 1]
        q.ready_idle[i] = q.ready_idle[i + 1]
        i += 1


def _better(strategy: int, q: Queue, k: int, best: int, rr_last: int) -> bool:
    """Does the k-th ready member rank before the `best`-th (same penalty tier)?"""
    if strategy == LONGEST_IDLE:
        return q.ready_idle[k] < q.ready_idle[best]
    m_order, b_order = q.ready_orders[k], q.ready_orders[best]
    if strategy == FEWEST_CALLS:
        m, b = q.members[m_order], q.members[b_order]
        return m.calls < b.calls or (m.calls == b.calls and q.ready_idle[k] < q.ready_idle[best])
    if strategy == LEAST_TALK_TIME:
        m, b = q.members[m_order], q.members[b_order]
        return m.talk < b.talk or (m.talk == b.talk and q.ready_idle[k] < q.ready_idle[best])
    if strategy == ROUND_ROBIN:
        # members after the one offered last come first, in order, then wrap around
        m_after = m_order > rr_last
        b_after = b_order > rr_last
        if m_after != b_after:
            return m_after
    return m_order < b_order  # then (and for linear) member order


def _unlink_calls(core: Core):
    """Unlink the calls a core holds from its queues and agents (see Core.__dealloc__)."""
    if core.queues is not None:
        for q in core.queues:
            call = q.first
            while call is not None:
                call.queue = None
                call.ringing = ()
                call = call.behind
    if core.agents is not None:
        for agent in core.agents:
            if agent.call is not None:
                agent.call.queue = None
                agent.call.ringing = ()


# -- the simulator ---------------------------------------------------------------------------


def simulate(
    agents: int, calls_per_hour: float, aht: float, sl_seconds: float = 20.0,
    calls: int = 100000, patience: float = 0.0, strategy: str = "longest-idle",
    seed: int = 1, wrap_up: float = 0.0, warmup: float = 0.05,
) -> dict:  # fmt: skip
    """Drive the core with synthetic traffic: Poisson arrivals, exponential handle times
    and (patience > 0) exponential patience, all from one seeded generator. Calls are
    answered the moment they ring. The first `warmup` share of calls fills the system and
    is left out of the numbers. Returns the numbers of the calls after it."""
    if agents < 1 or calls_per_hour <= 0 or aht <= 0 or calls < 1 or patience < 0:
        raise AcdError("agents, calls, calls per hour and aht must be > 0, patience >= 0")
    collecting = gc.isenabled()
    gc.disable()  # a run makes millions of objects and no reference cycles
    try:
        return _simulate(
            agents, calls_per_hour, aht, sl_seconds, calls, patience, strategy, seed,
            wrap_up, warmup,
        )  # fmt: skip
    finally:
        if collecting:
            gc.enable()


def _simulate(
    agents: int, calls_per_hour: float, aht: float, sl_seconds: float, calls: int,
    patience: float, strategy: str, seed: int, wrap_up: float, warmup: float,
) -> dict:  # fmt: skip
    rng = Rng(seed)
    core = Core(Rng(seed + 1))
    core.indexed = False
    q = core.queues[core.add_queue(
        "sim", strategy, ring_timeout=0.0, retry=0.0, wrap_up=wrap_up,
        sl_seconds=sl_seconds, short_abandon=0.0, handle_estimate=aht + wrap_up,
    )]  # fmt: skip
    for i in range(agents):
        core.add_member(q.id, core.add_agent(str(i), 0.0))
        core.login(i, 0.0)
    own = Timers()  # the simulator's events: hang-ups and abandons
    gap = 3600.0 / calls_per_hour
    next_arrival = rng.exponential(gap)
    arrived = 0
    first_counted = int(calls * warmup)
    counted_from = 0.0
    counted_until = 0.0
    busy = 0.0
    staffed = 0.0
    ewt_error = 0.0
    ewt_calls = 0
    gives_up = 0.0
    while True:
        ta = next_arrival if arrived < calls else INF
        ts = own.peek()
        tc = core.timers.peek()
        now = ta
        if ts < now:
            now = ts
        if tc < now:
            now = tc
        if now == INF:
            break
        arrival = None
        if now == ta:
            arrived += 1
            if arrived == first_counted + 1:
                core.roll_interval(now)
                counted_from = now
            next_arrival = now + rng.exponential(gap)
            arrival = core._enqueue(q, now, 0)
            if patience > 0:  # drawn now, used only if the caller waits
                gives_up = now + rng.exponential(patience)
        elif now == ts:
            timer = own.pop()
            if own.kinds[timer] == T_SIM_HANGUP:
                core._hangup(own.targets[timer], now)
            else:
                call = own.targets[timer]
                call.sim_timer = NO_TIMER
                core._abandon(call, now)
        while core._poll(now):
            j = 0
            while j < core.acted:  # (answering may add actions: taken too)
                action = core.actions[3 * j]
                call = core.actions[3 * j + 1]
                if action == OFFER and call.state == RINGING:
                    agent = core.actions[3 * j + 2]
                    core._answer(call, agent, now)
                    own.add(now + rng.exponential(aht), T_SIM_HANGUP, agent)
                    if call.sim_timer != NO_TIMER:
                        own.cancel(call.sim_timer)
                        call.sim_timer = NO_TIMER
                    if call.ewt >= 0:
                        ewt_error += abs(now - call.entered - call.ewt)
                        ewt_calls += 1
                j += 1
            core.acted = 0
        if arrival is not None and arrival.state == WAITING:  # (answered: no abandon timer)
            if patience > 0:
                arrival.sim_timer = own.add(gives_up, T_SIM_ABANDON, arrival)
            if arrived > first_counted:
                arrival.ewt = core._ewt(arrival)  # what the caller would be told
        if now == ta and arrived == calls:  # occupancy over the arrival period
            counted_until = now
            for agent in core.agents:
                core._account(agent, now)
                busy += agent.t_ringing + agent.t_talking + agent.t_wrapping
                staffed += agent.t_available + agent.t_ringing + agent.t_talking
                staffed += agent.t_wrapping
    s = q.stats
    finished = s.answered + s.abandoned
    return {
        "calls": s.offered,
        "service_level": s.answered_in_sl / finished if finished else 0.0,
        "asa": s.wait_answered / s.answered if s.answered else 0.0,
        "abandon_rate": s.abandoned / finished if finished else 0.0,
        "occupancy": busy / staffed if staffed > 0 else 0.0,
        "ewt_mae": ewt_error / ewt_calls if ewt_calls else 0.0,
        "ewt_calls": ewt_calls,
        "hours": (counted_until - counted_from) / 3600.0,
    }
