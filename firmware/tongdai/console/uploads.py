"""Uploads: a file sent through a form is kept only if its content is of an accepted kind
and within a size, under a name the box makes up. Nothing the client sends (its file name,
its claimed content type) reaches the file system.

    saved = await uploads.save(form["file"], settings.data_dir / "uploads",
                               kinds=(uploads.WAV, uploads.MP3), max_bytes=20 << 20)
"""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from fastapi import UploadFile

CHUNK = 64 * 1024


@dataclass(frozen=True)
class Kind:
    name: str  # what the error message calls it
    suffix: str  # the saved file's extension
    signatures: tuple[tuple[int, bytes], ...]  # (offset, bytes) any one of which must match

    def matches(self, head: bytes) -> bool:
        return any(head[at : at + len(sig)] == sig for at, sig in self.signatures)


WAV = Kind("WAV", ".wav", ((8, b"WAVE"),))
MP3 = Kind("MP3", ".mp3", ((0, b"ID3"), (0, b"\xff\xfb"), (0, b"\xff\xf3"), (0, b"\xff\xf2")))
CSV = Kind("CSV", ".csv", ())  # text: checked as UTF-8 without NUL bytes instead
PNG = Kind("PNG", ".png", ((0, b"\x89PNG\r\n\x1a\n"),))


class UploadError(ValueError):
    """A refused upload; the message names the field and the reason."""


def _is_text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start > len(head) - 4  # a character cut by the end of the sample
    return True


async def save(
    upload: UploadFile,
    directory: Path,
    *,
    kinds: tuple[Kind, ...],
    max_bytes: int,
    field: str = "file",
) -> Path:
    """Check the upload and store it as <random>.<suffix> in `directory`; return the path."""
    head = await upload.read(CHUNK)
    if not head:
        raise UploadError(f"{field}: the file is empty")
    kind = next((k for k in kinds if (k.matches(head) if k.signatures else _is_text(head))), None)
    if kind is None:
        raise UploadError(f"{field}: not a {' or '.join(k.name for k in kinds)} file")
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / (secrets.token_hex(16) + kind.suffix)
    size = 0
    try:
        with open(path, "xb") as out:
            chunk = head
            while chunk:
                size += len(chunk)
                if size > max_bytes:
                    raise UploadError(f"{field}: larger than {max_bytes // 1024} KiB")
                out.write(chunk)
                chunk = await upload.read(CHUNK)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    os.chmod(path, 0o640)
    return path
