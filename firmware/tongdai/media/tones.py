"""Call-progress tones the media engine can play, by name.

Vietnam follows the ITU-T E.180 plan on 425 Hz (as most of Europe and Asia do):
ringback 1 s on / 4 s off, busy 0.5 s / 0.5 s, congestion 0.25 s / 0.25 s.
A tone may also be given as a list of segments {freq1, freq2, on_ms, off_ms}
(tests inject pure tones this way and look for them on the far side).
"""

from __future__ import annotations

from typing import Any

# name -> segments (freq1 Hz, freq2 Hz, on ms, off ms)
TONES: dict[str, list[tuple[int, int, int, int]]] = {
    "ringback": [(425, 0, 1000, 4000)],
    "busy": [(425, 0, 500, 500)],
    "congestion": [(425, 0, 250, 250)],
    "dial": [(425, 0, 1000, 0)],
    "beep": [(1000, 0, 250, 0)],
    "waiting": [(425, 0, 200, 200), (425, 0, 200, 9400)],  # call waiting: two short pips
}
MAX_SEGMENTS = 8


class ToneError(ValueError):
    pass


def segments(spec: Any) -> list[tuple[int, int, int, int]]:
    """A tone name or a list of segment dicts -> validated segments."""
    if isinstance(spec, str):
        if spec not in TONES:
            raise ToneError(f"unknown tone {spec!r} (known: {', '.join(sorted(TONES))})")
        return TONES[spec]
    if not isinstance(spec, list) or not 1 <= len(spec) <= MAX_SEGMENTS:
        raise ToneError(f"a tone is a name or a list of 1-{MAX_SEGMENTS} segments")
    out = []
    for seg in spec:
        try:
            f1, f2 = int(seg.get("freq1", 0)), int(seg.get("freq2", 0))
            on, off = int(seg.get("on_ms", 1000)), int(seg.get("off_ms", 0))
        except (AttributeError, TypeError, ValueError):
            raise ToneError("a tone segment needs integer freq1, freq2, on_ms, off_ms") from None
        if not (0 < f1 < 4000 and 0 <= f2 < 4000 and 0 < on <= 60_000 and 0 <= off <= 60_000):
            raise ToneError("tone frequencies must be in 1-3999 Hz and times in 0-60000 ms")
        out.append((f1, f2, on, off))
    return out
