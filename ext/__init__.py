"""The ACD core: a deterministic state machine for agents, queues and waiting calls, and
the simulator that drives it with synthetic traffic.

`core.py` is plain Python that setup.py compiles with Cython (core.pxd adds C types).
Where the compiled module is missing, the same source runs interpreted; COMPILED tells
which one is loaded.
"""

import importlib.util
from pathlib import Path
from types import ModuleType

from tongdai.acdcore import core
from tongdai.acdcore.core import (
    ACTION_NAMES,
    CONSTANTS,
    EMPTY_RULES,
    STATE_NAMES,
    STRATEGIES,
    AcdError,
    Core,
    Rng,
    simulate,
)

COMPILED: bool = core.__file__.endswith((".so", ".pyd"))

# agent states, poll() actions and enqueue() refusals (C constants when compiled)
LOGGED_OUT = CONSTANTS["LOGGED_OUT"]
AVAILABLE = CONSTANTS["AVAILABLE"]
RESERVED = CONSTANTS["RESERVED"]
ON_CALL = CONSTANTS["ON_CALL"]
WRAP_UP = CONSTANTS["WRAP_UP"]
PAUSED = CONSTANTS["PAUSED"]
OFFER = CONSTANTS["OFFER"]
CANCEL = CONSTANTS["CANCEL"]
RING_TIMEOUT = CONSTANTS["RING_TIMEOUT"]
TIMEOUT = CONSTANTS["TIMEOUT"]
LEAVE_EMPTY = CONSTANTS["LEAVE_EMPTY"]
AUTOPAUSE = CONSTANTS["AUTOPAUSE"]
REFUSED_FULL = CONSTANTS["REFUSED_FULL"]
REFUSED_EMPTY = CONSTANTS["REFUSED_EMPTY"]


def load_interpreted() -> ModuleType:
    """A fresh copy of the core run from its Python source, even where the compiled one
    exists. Tests and benchmarks use it to run the same logic on both builds."""
    source = Path(__file__).with_name("core.py")
    spec = importlib.util.spec_from_file_location("tongdai.acdcore.core_interpreted", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


__all__ = [
    "ACTION_NAMES", "AUTOPAUSE", "AVAILABLE", "CANCEL", "COMPILED", "EMPTY_RULES",
    "LEAVE_EMPTY", "LOGGED_OUT", "OFFER", "ON_CALL", "PAUSED", "REFUSED_EMPTY",
    "REFUSED_FULL", "RESERVED", "RING_TIMEOUT", "STATE_NAMES", "STRATEGIES", "TIMEOUT",
    "WRAP_UP", "AcdError", "Core", "Rng", "load_interpreted", "simulate",
]  # fmt: skip
