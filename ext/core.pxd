# C types for core.py when Cython compiles it (the .py stays plain Python).
cimport cython

cdef double INF
cdef unsigned int MASK32
cdef int LOGGED_OUT, AVAILABLE, RESERVED, ON_CALL, WRAP_UP, PAUSED
cdef int RING_ALL, LONGEST_IDLE, ROUND_ROBIN, FEWEST_CALLS, LEAST_TALK_TIME, LINEAR
cdef int RANDOM, WEIGHTED_RANDOM, SKILLS
cdef int EMPTY_NEVER, EMPTY_NO_AGENTS, EMPTY_NO_READY, REFUSED_FULL, REFUSED_EMPTY
cdef int OFFER, CANCEL, RING_TIMEOUT, TIMEOUT, LEAVE_EMPTY, AUTOPAUSE
cdef int WAITING, RINGING, ANSWERED, GONE
cdef int NO_TIMER
cdef int T_WRAP, T_REST, T_RING, T_RETRY, T_MAX_WAIT, T_SIM_HANGUP, T_SIM_ABANDON
cdef double IDLE_SCALE, DECAY
cdef long HANDLE_WINDOW, HANDLE_PRIOR
cdef double ZIG_R, ZIG_V
cdef double ZIG_X[257]
cdef double ZIG_W[256]
cdef double ZIG_F[257]

@cython.final
cdef class Rng:
    cdef public unsigned int s0, s1, s2, s3

    @cython.locals(s0="unsigned int", s1="unsigned int", s2="unsigned int",
                   s3="unsigned int", x="unsigned int", result="unsigned int",
                   t="unsigned int")
    cpdef unsigned int next_u32(self) noexcept
    @cython.locals(a="unsigned int", b="unsigned int")
    cpdef double random(self) noexcept
    @cython.locals(w="unsigned int", i=int, x=double)
    cpdef double exponential(self, double mean) noexcept
    @cython.locals(w="unsigned int")
    cdef double _exponential_edge(self, int i, double x) noexcept
    cpdef long below(self, long n)


@cython.final
cdef class Timers:
    cdef public long long seq
    cdef public Py_ssize_t size, free
    cdef public double[::1] heap_at
    cdef public long long[::1] heap_seq
    cdef public int[::1] heap_slot, kinds, place, free_slots
    cdef public list targets

    @cython.locals(slot=int)
    cdef int add(self, double at, int kind, object target) except -1
    cdef inline void cancel(self, int timer) noexcept
    cdef inline double peek(self) noexcept
    cdef inline int pop(self) noexcept
    @cython.locals(slot=int, n=Py_ssize_t, at=double, seq="long long", up=Py_ssize_t)
    cdef int _remove(self, Py_ssize_t i) noexcept
    @cython.locals(up=Py_ssize_t)
    cdef inline void _sift_up(self, Py_ssize_t i, double at, long long seq, int slot) noexcept
    @cython.locals(n=Py_ssize_t, child=Py_ssize_t, right=Py_ssize_t)
    cdef inline void _sift_down(self, Py_ssize_t i, double at, long long seq, int slot) noexcept
    cdef _grow(self)


@cython.final
cdef class Stats:
    cdef public double since
    cdef public long offered, answered, answered_in_sl, abandoned, short_abandoned
    cdef public long timed_out, left_empty, refused, callbacks, completed, wraps
    cdef public double wait_answered, wait_abandoned, longest_answered, talk, wrap


@cython.final
cdef class Agent:
    cdef public long id
    cdef public str name
    cdef public int state
    cdef public double since, idle_since
    cdef public bint ready, resting
    cdef public int timer
    cdef public Call call
    cdef public Member member
    cdef public double answered_at, wrap_from
    cdef public str pause_reason
    cdef public bint pause_pending, logout_pending
    cdef public long no_answers, max_no_answer
    cdef public double reject_delay, busy_delay, no_answer_delay
    cdef public list members
    cdef public tuple alone
    cdef public long offered, answered
    cdef public double counted_since, t_available, t_ringing, t_talking, t_wrapping
    cdef public double t_paused


@cython.final
cdef class Member:
    cdef public Queue queue
    cdef public Agent agent
    cdef public long penalty, level
    cdef public double weight
    cdef public long order, calls
    cdef public double talk


@cython.final
cdef class Call:
    cdef public long id
    cdef public Queue queue
    cdef public long priority
    cdef public double entered
    cdef public long long seq
    cdef public int state
    cdef public double ready_at
    cdef public tuple ringing
    cdef public int ring_timer, wait_timer, retry_timer, sim_timer
    cdef public Call behind
    cdef public long first_position
    cdef public bint callback
    cdef public double ewt


@cython.final
cdef class Queue:
    cdef public long id
    cdef public str name
    cdef public int strategy
    cdef public double ring_timeout, retry, wrap_up, max_wait
    cdef public long max_len
    cdef public double sl_seconds, short_abandon
    cdef public int join_empty, leave_empty
    cdef public list members
    cdef public Call first, last
    cdef public long length
    cdef public long logged_in, serving, ready
    cdef public int[::1] ready_orders
    cdef public long[::1] ready_penalties
    cdef public double[::1] ready_idle
    cdef public long rr_last
    cdef public double handle_estimate
    cdef public long handled
    cdef public double wait_exposure, abandon_weight
    cdef public Stats stats, total


@cython.final
cdef class Core:
    cdef public list agents, queues
    cdef public dict calls
    cdef public bint indexed
    cdef public Timers timers
    cdef public list actions
    cdef public long acted
    cdef public Rng rng
    cdef public long ready_count, waiting_count, next_call
    cdef public long long seq

    @cython.locals(agent=Agent, call=Call, actions=list, i=Py_ssize_t)
    cpdef list poll(self, double now)
    cpdef double next_due(self) noexcept

    @cython.locals(call=Call, ahead=Call, behind=Call)
    cdef Call _enqueue(self, Queue q, double now, long priority)
    @cython.locals(q=Queue, ahead=Call, c=Call, timers=Timers)
    cdef int _leave(self, Call call) except -1
    @cython.locals(ringing=tuple, agent=Agent)
    cdef int _let_go(self, Call call, double now, int state, Agent keep) except -1
    @cython.locals(wait=double, s=Stats, m=Member, q=Queue)
    cdef int _answer(self, Call call, Agent agent, double now) except -1
    @cython.locals(wait=double, short=bint, s=Stats, q=Queue)
    cdef int _abandon(self, Call call, double now) except -1
    cdef inline void _exposed(self, Queue q, double wait, double abandoned) noexcept
    @cython.locals(s=Stats, q=Queue)
    cdef int _drop(self, Call call, double now, int action) except -1
    @cython.locals(i=Py_ssize_t)
    cdef int _unring(self, Call call, Agent agent, double now, double rest) except -1
    cdef int _rang_out(self, Call call, Agent agent, double now) except -1
    cdef int _after_ring(self, Call call, double now) except -1
    cdef int _withdraw(self, Call call, Agent agent, double now) except -1
    @cython.locals(call=Call, q=Queue, talk=double, s=Stats, m=Member, n=long)
    cdef int _hangup(self, Agent agent, double now) except -1

    @cython.locals(old=int, m=Member, q=Queue)
    cdef inline int _set(self, Agent agent, int state, double now) except -1
    @cython.locals(dt=double, state=int)
    cdef inline void _account(self, Agent agent, double now) noexcept
    @cython.locals(ready=bint, m=Member)
    cdef inline int _update_ready(self, Agent agent) except -1
    @cython.locals(m=Member)
    cdef int _free(self, Agent agent, double now) except -1
    cdef int _release(self, Agent agent, double now, double rest) except -1
    @cython.locals(m=Member)
    cdef int _pause(self, Agent agent, double now, str reason) except -1
    @cython.locals(q=Queue, s=Stats)
    cdef inline int _end_wrap(self, Agent agent, double now) except -1
    cdef inline int _cancel_timer(self, Agent agent) except -1
    cdef bint _staffed(self, Queue q, int rule) noexcept
    @cython.locals(call=Call)
    cdef int _check_empty(self, Queue q, double now) except -1

    @cython.locals(timers=Timers, at=double)
    cdef long _poll(self, double now) except -1
    @cython.locals(i=Py_ssize_t)
    cdef int _act(self, int action, Call call, Agent agent) except -1
    @cython.locals(kind=int, agent=Agent, call=Call)
    cdef int _fire(self, int timer, double at) except -1
    @cython.locals(best=Call, call=Call, q=Queue)
    cdef int _match(self, double now) except -1
    @cython.locals(q=Queue, m=Member, tier=long)
    cdef int _offer(self, Call call, double now) except -1
    cdef inline int _ring(self, Call call, Agent agent, double now) except -1
    @cython.locals(strategy=int, best=Member, m=Member, best_score=double, score=double,
                   tier=long, count=long, weights=double, target=double, rr_last=long,
                   members=list, k=Py_ssize_t, best_k=Py_ssize_t)
    cdef Member _pick(self, Queue q, double now)
    @cython.locals(q=Queue, rate=double, theta=double,
                   n=Py_ssize_t, ewt=double, ahead=Py_ssize_t)
    cdef double _ewt(self, Call call) except? -1

    cpdef Agent _agent(self, long agent_id)
    cpdef Queue _queue(self, long queue_id)
    cpdef Call _call(self, long call_id)


cdef inline bint _serves(int state) noexcept

@cython.locals(calls=list, call=Call)
cdef list _waiting(Queue q)
@cython.locals(n=Py_ssize_t, c=Call)
cdef Py_ssize_t _place(Call call) except -1
@cython.locals(i=Py_ssize_t)
cdef Py_ssize_t _position(tuple items, object item) except -1

@cython.locals(call=Call)
cdef Call _new_call(long call_id, Queue queue, long priority, double entered, long long seq)

@cython.locals(i=Py_ssize_t)
cdef void _add_ready(Queue q, Member m) noexcept
@cython.locals(i=Py_ssize_t)
cdef void _remove_ready(Queue q, int order) noexcept

@cython.locals(m_order=int, b_order=int, m=Member, b=Member, m_after=bint, b_after=bint)
cdef inline bint _better(int strategy, Queue q, Py_ssize_t k, Py_ssize_t best,
                         long rr_last) except -1

@cython.locals(q=Queue, call=Call, agent=Agent)
cdef void _unlink_calls(Core core) noexcept

@cython.locals(collecting=bint)
cpdef dict simulate(long agents, double calls_per_hour, double aht,
                    double sl_seconds=*, long calls=*, double patience=*,
                    str strategy=*, long seed=*, double wrap_up=*, double warmup=*)

@cython.locals(rng=Rng, core=Core, q=Queue, i=long, own=Timers, gap=double,
               next_arrival=double, arrived=long, first_counted=long,
               counted_from=double, counted_until=double, busy=double, staffed=double,
               ewt_error=double, ewt_calls=long, ta=double, ts=double, tc=double,
               now=double, call=Call, arrival=Call, gives_up=double, timer=int,
               agent=Agent, j=Py_ssize_t, action=int, s=Stats, finished=long)
cdef dict _simulate(long agents, double calls_per_hour, double aht,
                    double sl_seconds, long calls, double patience,
                    str strategy, long seed, double wrap_up, double warmup)
