# C types for core.py when Cython compiles it (the .py stays plain Python).
from tongdai.sip.fields cimport Via
from tongdai.sip.validate cimport Checked

cdef class Incoming:
    cdef public object req
    cdef public Checked checked
    cdef public object key
    cdef public object flow
    cdef public object reply
    cdef public object now
