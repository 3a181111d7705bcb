# C types for location.py when Cython compiles it (the .py stays plain Python).

cdef class Binding:
    cdef public object aor
    cdef public object contact
    cdef public object expires_at
    cdef public object call_id
    cdef public object cseq
    cdef public object transport
    cdef public object source
    cdef public object registered_at
    cdef public object q
    cdef public object instance
    cdef public object user_agent
    cdef public object flow
    cdef public object reachable
    cdef public object next_qualify
