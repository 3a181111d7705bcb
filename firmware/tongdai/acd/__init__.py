"""The ACD's Python face: queue and agent configuration, the live service's driver of
the Cython core (tongdai.acdcore), queue_log, the simulator and staffing maths."""
