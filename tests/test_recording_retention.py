"""Recording retention: age limit, then oldest first while the disk is short of space."""

import os
import time
from collections import namedtuple

from tongdai.calls import recording

Usage = namedtuple("Usage", "total used free")


def _wav(directory, name, age_days, now):
    path = directory / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"RIFF" + bytes(40))
    os.utime(path, (now - age_days * 86400, now - age_days * 86400))
    return path


def test_old_recordings_go_and_empty_day_folders_with_them(tmp_path):
    now = time.time()
    old = _wav(tmp_path, "2026-01-01/a.wav", 100, now)
    new = _wav(tmp_path, "2026-11-20/b.wav", 3, now)
    assert recording.prune(tmp_path, keep_days=90, min_free_mb=0, now=now) == 1
    assert not old.exists() and new.exists() and not (tmp_path / "2026-01-01").exists()


def test_oldest_go_first_while_space_is_short(tmp_path, monkeypatch):
    now = time.time()
    files = [_wav(tmp_path, f"d/{i}.wav", 10 - i, now) for i in range(5)]  # 0 is oldest
    state = {"free": 0}

    def usage(_):
        state["free"] += 1  # each deletion (one check each) frees "1 MiB"
        return Usage(100, 0, (state["free"] - 1) * 1024 * 1024)

    monkeypatch.setattr(recording.shutil, "disk_usage", usage)
    removed = recording.prune(tmp_path, keep_days=90, min_free_mb=2, now=now)
    assert removed == 2
    assert [f.exists() for f in files] == [False, False, True, True, True]
