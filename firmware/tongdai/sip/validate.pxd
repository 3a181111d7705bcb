# C types for validate.py when Cython compiles it (the .py stays plain Python).
from tongdai.sip.fields cimport Via

cdef class Checked:
    cdef public object uri
    cdef public list vias
    cdef public object from_
    cdef public object to
    cdef public object cseq
    cdef public object max_forwards
    cdef public object expires
