"""Build the prompt set offline: espeak-ng speaks each phrase, sox makes 16-bit mono WAV
at 8 and 16 kHz, peaks at -3 dBFS, with the silence trimmed (words are joined at play time).

    python -m tongdai.prompts.build [--out DIR]

Unchanged prompts are kept (a manifest records the text and voice each was made from),
so a rebuild after adding a phrase takes a second.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tongdai.prompts.catalog import LANGUAGES, texts

BUILT = Path(__file__).parent / "sounds"
RATES = (8000, 16000)
VOICES = {"vi": "vi", "en": "en-us"}
SPEED = 150  # words per minute: a little slower than espeak's 175, for the phone
# espeak-ng peaks at full scale and resampling then clips: leave 3 dB of headroom.
LEVEL = ["gain", "-n", "-3"]
# Trim silence at both ends, then leave 60 ms so joined words do not run together.
TRIM = ["silence", "1", "0.01", "0.5%", "reverse", "silence", "1", "0.01", "0.5%", "reverse",
        "pad", "0.03", "0.03"]  # fmt: skip


class BuildError(RuntimeError):
    pass


def build(out: Path = BUILT) -> int:
    """Make every missing or changed prompt; returns how many were made."""
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise BuildError(f"{tool} is missing (Debian package {tool}: image/deps.sh)")
    manifest_path = out / "manifest.json"
    try:
        manifest = json.loads(manifest_path.read_text())
    except (OSError, ValueError):
        manifest = {}
    made = 0
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        for lang in LANGUAGES:
            for name, text in texts(lang).items():
                key = f"{lang}/{name}"
                recipe = f"{VOICES[lang]}|{SPEED}|{LEVEL}|{TRIM}|{text}"
                stamp = hashlib.sha256(recipe.encode()).hexdigest()
                files = [out / str(rate) / lang / f"{name}.wav" for rate in RATES]
                if manifest.get(key) == stamp and all(f.exists() for f in files):
                    continue
                _espeak(text, lang, raw)
                for rate, file in zip(RATES, files, strict=True):
                    file.parent.mkdir(parents=True, exist_ok=True)
                    _wav(raw, file, rate)
                manifest[key] = stamp
                made += 1
    out.mkdir(parents=True, exist_ok=True)
    manifest_path.write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return made


def speak(text: str, lang: str, file: Path, rate: int) -> None:
    """Speak a phrase given at run time (a queue's name whispered to agents, a greeting an
    admin typed) into `file` (a WAV, whatever its name)."""
    for tool in ("espeak-ng", "sox"):
        if shutil.which(tool) is None:
            raise BuildError(f"{tool} is missing (Debian package {tool}: image/deps.sh)")
    file.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        raw = Path(tmp) / "raw.wav"
        _espeak(text, lang, raw)
        _wav(raw, file, rate)


def _espeak(text: str, lang: str, raw: Path) -> None:
    # "--": typed text starting with "-" is spoken, never taken for an option
    _run(["espeak-ng", "-v", VOICES[lang], "-s", str(SPEED), "-w", str(raw), "--", text])


def _wav(raw: Path, file: Path, rate: int) -> None:
    _run(["sox", str(raw), "-t", "wav", "-r", str(rate), "-c", "1", "-b", "16", str(file),
          *LEVEL, *TRIM])  # fmt: skip


def _run(cmd: list[str]) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        raise BuildError(f"{cmd[0]} failed: {done.stderr.strip()[:300]}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tongdai.prompts.build")
    parser.add_argument("--out", type=Path, default=BUILT)
    args = parser.parse_args(argv)
    try:
        made = build(args.out)
    except BuildError as exc:
        print(f"prompts: {exc}", file=sys.stderr)
        return 1
    print(f"prompts: {made} made, the rest unchanged, in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
