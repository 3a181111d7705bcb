# C types for headers.py when Cython compiles it (the .py stays plain Python).
import cython

# Looked up a dozen times in every message.
@cython.locals(key=str)
cpdef str key_of(str name)

cdef class Headers:
    cdef public list _fields
