"""Feature codes and the numbers they take, in one place (issue 6 makes them
configurable). Extensions and conference rooms may not take these numbers."""

from __future__ import annotations

PICKUP = "*8"  # answer a call ringing another extension
DIRECTED_PICKUP = "**"  # followed by the extension: answer the call ringing there
RECORD_TOGGLE = "*1"  # during a call: start or stop an on-demand recording
PARK = "70"  # transfer here to park (or call it first to hear the slot)
AGENT_LOGIN = "*45"  # a queue agent logs in, or out if logged in
AGENT_PAUSE = "*46"  # a queue agent pauses, or unpauses if paused
SLOTS = tuple(str(n) for n in range(71, 80))  # parking slots: dial one to take its call
RESERVED_NUMBERS = frozenset({PARK, *SLOTS})
