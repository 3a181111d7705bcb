# C types for message.py when Cython compiles it (the .py stays plain Python).
import cython

# Every header line of every message passes through this loop: str-typed locals let
# Cython call the string methods directly.
@cython.locals(start=Py_ssize_t, end=Py_ssize_t, body_start=Py_ssize_t, text=str, line=str,
               name=str, colon=str, value=str, lower=str, first=str, lines=list, fields=list,
               known=dict, names=tuple)
cpdef parse(bytes data)
