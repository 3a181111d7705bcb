# C types for core.py when Cython compiles it (the .py stays plain Python).
cimport cython

cdef class Agent:
    cdef public str id
    cdef public int state
    cdef public double state_since
    cdef public double idle_since
    cdef public double wrap_until
    cdef public long calls_taken
    cdef public str pause_reason
    cdef public str call_id

cdef class Member:
    cdef public Agent agent
    cdef public int penalty
    cdef public int order

cdef class Call:
    cdef public str id
    cdef public str queue
    cdef public int priority
    cdef public double entered
    cdef public long seq
    cdef public str offered_to

cdef class Queue:
    cdef public str name
    cdef public str strategy
    cdef public double wrap_up
    cdef public dict members
    cdef public int rr_last

cdef class Core:
    cdef public dict agents
    cdef public dict queues
    cdef public dict calls
    cdef long _seq

    @cython.locals(call=Call, agent=Agent, member=Member, free=int)
    cpdef list next_offers(self, double now)

    @cython.locals(agent=Agent)
    cpdef _end_wrap_ups(self, double now)

    @cython.locals(best=Member, m=Member)
    cpdef _pick(self, Queue q)

    cpdef _free(self, Agent agent, double now)
    cpdef _set(self, Agent agent, int state, double now)
    cpdef Agent _agent(self, str agent_id)
    cpdef Queue _queue(self, str name)
    cpdef Call _call(self, str call_id)

    @cython.locals(call=Call, agent=Agent)
    cpdef answered(self, str call_id, double now)

    @cython.locals(agent=Agent, q=Queue, wrap=double)
    cpdef hangup(self, str agent_id, double now)


@cython.locals(agent=Agent)
cpdef tuple _rank(Queue q, Member m)

cpdef tuple _call_key(Call call)
