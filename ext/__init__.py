"""The ACD core: a deterministic state machine for agents, queues and waiting calls.

`core.py` is plain Python that setup.py compiles with Cython (core.pxd adds
C types). Where the compiled module is missing, the same source runs
interpreted; COMPILED tells which one is loaded.
"""

from tongdai.acdcore import core
from tongdai.acdcore.core import (
    AVAILABLE,
    LOGGED_OUT,
    ON_CALL,
    PAUSED,
    RESERVED,
    STATE_NAMES,
    STRATEGIES,
    WRAP_UP,
    AcdError,
    Core,
)

COMPILED: bool = core.__file__.endswith((".so", ".pyd"))

__all__ = [
    "AVAILABLE",
    "COMPILED",
    "LOGGED_OUT",
    "ON_CALL",
    "PAUSED",
    "RESERVED",
    "STATE_NAMES",
    "STRATEGIES",
    "WRAP_UP",
    "AcdError",
    "Core",
]
