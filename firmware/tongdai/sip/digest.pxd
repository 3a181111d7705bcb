# C types for digest.py when Cython compiles it (the .py stays plain Python).

cdef class Verdict:
    cdef readonly object outcome
    cdef readonly object username
