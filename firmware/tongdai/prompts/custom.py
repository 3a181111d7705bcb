"""Custom prompts: uploaded (WAV or MP3), typed (spoken by espeak-ng), or a human-recorded
pack replacing the built set file by file. Each becomes `<folder>/<lang>/<name>.wav`, 16-bit
mono PCM at the media engine's rate, which tongdai.prompts.library prefers to a built one.

A file is checked by its content, never its name, converted into a temporary file with a
name of ours, and then renamed over the prompt in one step: a bad upload changes nothing
and a call never plays a half-written prompt.
"""

from __future__ import annotations

import functools
import os
import shutil
import struct
import subprocess
import tempfile
import wave
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from tongdai.prompts.build import LEVEL, BuildError, speak
from tongdai.prompts.catalog import LANGUAGES, texts
from tongdai.prompts.normalise import normalise
from tongdai.store.destinations import PROMPT_RE

MAX_BYTES = 20 * 1024 * 1024
MAX_SECONDS = 600
MAX_TEXT = 1000  # characters a typed prompt may have (about a minute of speech)
_CHUNK = 64 * 1024


class PromptError(ValueError):
    pass


@dataclass(frozen=True)
class Entry:
    name: str
    lang: str
    state: str  # "built", "custom" (replaces a built one) or "custom only"


@dataclass
class PackReport:
    installed: list[str]  # "vi/goodbye", ...
    unknown: list[str]  # files not named like a prompt of the catalogue, left alone


class CustomPrompts:
    """The custom prompts under `folder` (the sounds directory's `prompts/`), made at
    `rate` (settings.media_clock_rate)."""

    def __init__(
        self, folder: Path, rate: int, *, max_bytes: int = MAX_BYTES,
        max_seconds: float = MAX_SECONDS,
    ) -> None:  # fmt: skip
        self.folder = folder
        self.rate = rate
        self.max_bytes = max_bytes
        self.max_seconds = max_seconds

    def install(self, name: str, lang: str, upload: BinaryIO) -> Path:
        """Make prompt `name` from an uploaded WAV or MP3 (an open binary file)."""
        return self.convert_into(self._target(name, lang), upload)

    def convert_into(self, target: Path, upload: BinaryIO) -> Path:
        """Write an uploaded WAV or MP3 to `target` in the engine's format (a voicemail
        greeting, say); `target` is ours, never a name from the upload."""
        with tempfile.TemporaryDirectory() as tmp:
            source = Path(tmp) / "upload"
            with source.open("wb") as out:
                _copy(upload, out, self.max_bytes)
            with self._converted(target) as part:
                self._convert(source, part)
                os.replace(part, target)
        return target

    def speak_custom(self, name: str, lang: str, text: str) -> Path:
        """Make prompt `name` by speaking `text` ("Xin chào, bấm 1 để gặp ...")."""
        target = self._target(name, lang)
        if not text.strip():
            raise PromptError("text: nothing to say")
        if len(text) > MAX_TEXT:
            raise PromptError(f"text: longer than {MAX_TEXT} characters")
        with self._converted(target) as part:
            try:
                speak(normalise(text, lang), lang, part, self.rate)
            except BuildError as exc:
                raise PromptError(str(exc)) from exc
            os.replace(part, target)
        return target

    def remove(self, name: str, lang: str | None = None) -> list[str]:
        """Delete the custom prompt (in one language, or both): a built one speaks again."""
        langs = [lang] if lang else list(LANGUAGES)
        removed = []
        for one in langs:
            file = self._target(name, one)
            if file.is_file():
                file.unlink()
                removed.append(f"{one}/{name}")
        if not removed:
            raise PromptError(f"no custom prompt {name!r}" + (f" in {lang}" if lang else ""))
        return removed

    def listing(self, lang: str | None = None) -> list[Entry]:
        """Every prompt name per language, built or custom, sorted."""
        out = []
        for one in [lang] if lang else LANGUAGES:
            built = set(texts(one))
            folder = self.folder / one
            custom = {f.stem for f in folder.glob("*.wav")} if folder.is_dir() else set()
            for name in sorted(built | custom):
                if name not in custom:
                    state = "built"
                else:
                    state = "custom" if name in built else "custom only"
                out.append(Entry(name, one, state))
        return out

    def install_pack(self, pack: Path) -> PackReport:
        """Import a human-recorded pack (`vi/<name>.wav`, `en/<name>.mp3`, ...) named like
        the built prompts. Either every good file is installed or, if one is bad, none."""
        if not pack.is_dir():
            raise PromptError(f"{pack}: not a folder")
        chosen: dict[tuple[str, str], Path] = {}
        unknown = sorted(
            f.name for f in pack.iterdir() if f.name not in LANGUAGES and not f.name.startswith(".")
        )
        bad: list[str] = []
        for lang in LANGUAGES:
            folder = pack / lang
            files = sorted(f for f in folder.iterdir() if not f.name.startswith(".")) if (
                folder.is_dir()) else []  # fmt: skip
            names = texts(lang)
            for file in files:
                label = f"{lang}/{file.name}"
                if file.stem not in names or not file.is_file():
                    unknown.append(label)
                elif (lang, file.stem) in chosen:
                    bad.append(f"{label}: a second file for {lang}/{file.stem}")
                else:
                    chosen[(lang, file.stem)] = file
        if not chosen and not bad:
            raise PromptError(f"{pack}: no prompt files in {' or '.join(LANGUAGES)} subfolders")
        with ExitStack() as stack:
            ready = []
            for (lang, name), file in chosen.items():
                target = self._target(name, lang)
                part = stack.enter_context(self._converted(target))
                try:
                    if file.stat().st_size > self.max_bytes:
                        raise PromptError(_too_big(self.max_bytes))
                    self._convert(file, part)
                except PromptError as exc:
                    bad.append(f"{lang}/{file.name}: {exc}")
                ready.append((part, target, f"{lang}/{name}"))
            if bad:
                raise PromptError("nothing installed: " + "; ".join(bad))
            for part, target, _ in ready:
                os.replace(part, target)
        return PackReport(sorted(label for _, _, label in ready), unknown)

    def _target(self, name: str, lang: str) -> Path:
        if not PROMPT_RE.fullmatch(name):  # fullmatch: "$" alone lets a final "\n" in
            raise PromptError(
                f"name {name!r}: lower-case letters, digits, '_' and '-' (at most 64)"
            )
        if lang not in LANGUAGES:
            raise PromptError(f"language {lang!r}: one of {', '.join(LANGUAGES)}")
        return self.folder / lang / f"{name}.wav"

    @contextmanager
    def _converted(self, target: Path) -> Iterator[Path]:
        """A temporary file beside `target` (so the rename is atomic); gone afterwards
        unless it was renamed into place. Its name does not end in .wav: never a prompt."""
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(dir=target.parent, prefix=".new-", suffix=".part")
        os.close(fd)
        part = Path(name)
        os.chmod(part, 0o644)  # the service may run as another user than the CLI
        try:
            yield part
        finally:
            part.unlink(missing_ok=True)

    def _convert(self, source: Path, out: Path) -> None:
        """`source` (WAV or MP3, by content) -> 16-bit mono PCM WAV at our rate in `out`."""
        kind = sniff(source)
        formats = _sox_formats()
        if kind == "wav":
            check_wav(source)
        elif "mp3" not in formats:
            raise PromptError("MP3 needs sox's MP3 support (Debian package libsox-fmt-mp3)")
        # Trimmed just past the limit, so a long file costs no more than a short one.
        done = subprocess.run(
            ["sox", "-t", kind, str(source), "-t", "wav", "-r", str(self.rate), "-c", "1",
             "-b", "16", "-e", "signed-integer", str(out),
             "trim", "0", str(self.max_seconds + 1), *LEVEL],
            capture_output=True, text=True,
        )  # fmt: skip
        if done.returncode != 0:
            reason = done.stderr.strip().splitlines()[-1:] or ["sox failed"]
            raise PromptError(f"cannot read this {kind.upper()} file ({reason[0][:200]})")
        with wave.open(str(out)) as w:
            seconds = w.getnframes() / w.getframerate()
        if seconds == 0:
            raise PromptError("the file holds no sound")
        if seconds > self.max_seconds:
            raise PromptError(f"longer than {_duration(self.max_seconds)}")


def sniff(file: Path) -> str:
    """ "wav" or "mp3" by the first bytes; anything else is refused."""
    with file.open("rb") as f:
        head = f.read(12)
    if not head:
        raise PromptError("the file is empty")
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:3] == b"ID3" or _mpeg_frame(head):
        return "mp3"
    raise PromptError("not a WAV or MP3 file")


def check_wav(file: Path) -> None:
    """Walk the RIFF chunks: a format chunk, then sound data the file really holds (sox
    would quietly convert what is left of an upload that broke off)."""
    size = file.stat().st_size
    with file.open("rb") as f:
        f.seek(12)
        seen_format = False
        while True:
            header = f.read(8)
            if len(header) < 8:
                raise PromptError("the WAV file has no sound data (truncated?)")
            chunk, length = header[:4], struct.unpack("<I", header[4:])[0]
            if chunk == b"data":
                if not seen_format:
                    raise PromptError("the WAV file has no format chunk")
                left = size - f.tell()
                # 0 and 0xFFFFFFFF: written as a stream, the data runs to the end
                if length in (0, 0xFFFFFFFF):
                    length = left
                if length == 0:
                    raise PromptError("the file holds no sound")
                if length > left:
                    raise PromptError(
                        f"the WAV file is truncated: {left} of its {length} bytes of sound"
                    )
                return
            seen_format = seen_format or chunk == b"fmt "
            f.seek(length + length % 2, os.SEEK_CUR)


def _mpeg_frame(head: bytes) -> bool:
    """An MPEG audio frame header: sync bits, a layer, a bitrate and a sample rate."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return False
    layer, bitrate, rate = (head[1] >> 1) & 3, head[2] >> 4, (head[2] >> 2) & 3
    return layer != 0 and bitrate != 0xF and rate != 3


@functools.cache
def _sox_formats() -> frozenset[str]:
    if shutil.which("sox") is None:
        raise PromptError("sox is missing (Debian package sox: image/deps.sh)")
    out = subprocess.run(["sox", "-h"], capture_output=True, text=True).stdout
    line = next((x for x in out.splitlines() if x.startswith("AUDIO FILE FORMATS:")), "")
    return frozenset(line.split(":", 1)[-1].split())


def _copy(src: BinaryIO, dst: BinaryIO, limit: int) -> None:
    total = 0
    while chunk := src.read(_CHUNK):
        total += len(chunk)
        if total > limit:
            raise PromptError(_too_big(limit))
        dst.write(chunk)


def _too_big(limit: int) -> str:
    size = f"{limit / 2**20:g} MB" if limit >= 2**20 else f"{limit} bytes"
    return f"the file is larger than {size}"


def _duration(seconds: float) -> str:
    return f"{seconds / 60:g} minutes" if seconds >= 60 else f"{seconds:g} s"
