# C types for core.py when Cython compiles it (the .py stays plain Python).

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
