# C types for message.py when Cython compiles it (the .py stays plain Python).
import cython

@cython.locals(start=Py_ssize_t, end=Py_ssize_t, body_start=Py_ssize_t, text=str, lines=list,
               bare_lf=bint, first=str, fields=list)
cpdef parse(bytes data)

# Every header line of every message passes through this loop: str-typed locals let
# Cython call the string methods directly.
@cython.locals(line=str, name=str, colon=str, value=str, lower=str, fields=list, known=dict,
               names=tuple)
cdef tuple _fields(list lines, bint unfolded)
