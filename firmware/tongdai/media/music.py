"""The box's own music on hold, composed here so no licensed recording ships with it.

A slow melody on the five-note scale of Vietnamese folk music (C D F G A), each
note a soft sine with a little second harmonic, rising and falling in volume like
a plucked string. Written once into the sounds directory; an admin may replace
the file with their own music of the same name.
"""

from __future__ import annotations

import array
import math
import sys
import wave
from pathlib import Path

RATE = 16000
NOTES = {"C": 261.63, "D": 293.66, "F": 349.23, "G": 392.00, "A": 440.00, "c": 523.25}
# Two phrases and their answer; each letter one beat, "-" holds the note a beat longer.
MELODY = "CDFG A-GF DFGA c-AG FGAc A-GF GFDC D-C- CDFG A-cA GFDF G-F- DCDF G-A- GFDC C---"
BEAT = 0.5  # seconds
LEVEL = 0.25  # of full scale: music on hold should sit below speech


def notes() -> list[tuple[float, float]]:
    """The melody as (frequency, seconds)."""
    out: list[tuple[float, float]] = []
    for symbol in MELODY.replace(" ", ""):
        if symbol == "-":
            freq, length = out.pop()
            out.append((freq, length + BEAT))
        else:
            out.append((NOTES[symbol], BEAT))
    return out


def render() -> array.array:
    samples = array.array("h")
    peak = 32767 * LEVEL
    for freq, length in notes():
        count = int(length * RATE)
        w = 2 * math.pi * freq / RATE
        attack = int(0.02 * RATE)
        for i in range(count):
            # a quick attack and an exponential decay, ending at silence
            envelope = min(1.0, i / attack) * math.exp(-3.0 * i / count) * (1 - i / count)
            value = math.sin(w * i) + 0.2 * math.sin(2 * w * i)
            samples.append(int(peak * envelope * value))
    return samples


def write(path: Path) -> None:
    """Write the music as 16-bit mono WAV (atomically: a half-written file never plays)."""
    samples = render()
    if sys.byteorder != "little":
        samples.byteswap()
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    with wave.open(str(tmp), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(samples.tobytes())
    tmp.replace(path)


def ensure(path: Path) -> None:
    if not path.exists():
        write(path)
