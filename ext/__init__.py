"""The ACD core: a deterministic state machine for agents, queues and waiting calls.

`core.py` is plain Python that setup.py compiles with Cython (core.pxd adds
C types). Where the compiled module is missing, the same source runs
interpreted; COMPILED tells which one is loaded.
"""

import importlib.util
from pathlib import Path
from types import ModuleType

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


def load_interpreted() -> ModuleType:
    """A fresh copy of the core run from its Python source, even where the compiled one exists.

    Tests and benchmarks use it to run the same logic on both builds.
    """
    source = Path(__file__).with_name("core.py")
    spec = importlib.util.spec_from_file_location("tongdai.acdcore.core_interpreted", source)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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
    "load_interpreted",
]
