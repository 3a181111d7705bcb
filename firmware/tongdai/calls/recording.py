"""Call recordings: WAV files under var/recordings/YYYY-MM-DD/, and their retention.

Retention keeps the SD card from filling: files older than the age limit go, and
while the disk has less free space than the floor, the oldest go first.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import os
import shutil
import time
from pathlib import Path

from tongdai.calls.switch import Switch

log = logging.getLogger("tongdai.calls")
PRUNE_INTERVAL = 600.0  # seconds between retention passes
# Folders retention leaves alone: voicemail (the box's owner deletes messages) and
# prompts being recorded from a phone.
KEPT = ("voicemail", "prompts")


class Recorder:
    """One call's recording: started and stopped on a bridge (both parties, mixed)."""

    def __init__(self, switch: Switch, call_id: str) -> None:
        self.switch = switch
        day = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
        self.file = f"{day}/{call_id}.wav"  # relative to the recordings directory
        self.recording: str | None = None
        self.used = False

    @property
    def active(self) -> bool:
        return self.recording is not None

    async def start(self, target: str) -> None:
        if self.active:
            return
        recording = self.switch.new_id("r")
        # A second start (on-demand, after a stop) appends a part number.
        name = self.file if not self.used else self.file.replace(".wav", f"-{recording}.wav")
        await self.switch.request("record", recording=recording, target=target, file=name)
        self.recording, self.used = recording, True

    async def stop(self) -> None:
        if self.recording is None:
            return
        recording, self.recording = self.recording, None
        with contextlib.suppress(*self.switch.transient):
            await self.switch.request("record_stop", recording=recording)


def prune(directory: Path, *, keep_days: int, min_free_mb: int, now: float | None = None) -> int:
    """Delete recordings past their age, then the oldest while space is short.
    Returns how many files went."""
    if not directory.is_dir():
        return 0
    now = time.time() if now is None else now
    files = sorted(
        (
            (p.stat().st_mtime, p)
            for p in directory.rglob("*.wav")
            if p.is_file() and p.relative_to(directory).parts[0] not in KEPT
        ),
        key=lambda item: item[0],
    )
    removed = 0
    cutoff = now - keep_days * 86400
    keep = []
    for mtime, path in files:
        if mtime < cutoff:
            removed += _remove(path)
        else:
            keep.append(path)
    floor = min_free_mb * 1024 * 1024
    while keep and shutil.disk_usage(directory).free < floor:
        removed += _remove(keep.pop(0))
    for day in directory.iterdir():
        if day.is_dir() and day.name not in KEPT and not any(day.iterdir()):
            with contextlib.suppress(OSError):
                day.rmdir()
    return removed


def _remove(path: Path) -> int:
    try:
        os.unlink(path)
    except OSError as exc:
        log.warning("could not delete recording %s: %s", path, exc)
        return 0
    log.info("retention: deleted recording %s", path.name)
    return 1
