# C types for fields.py when Cython compiles it (the .py stays plain Python).

cdef class Via:
    cdef readonly str transport
    cdef readonly str host
    cdef readonly object port
    cdef readonly dict params
    cdef readonly str protocol
