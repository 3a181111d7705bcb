"""Finding a prompt's file: a recorded one under the sounds directory
(`prompts/<lang>/<name>.wav`) wins over the generated one, file by file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from tongdai.prompts.build import BUILT
from tongdai.prompts.catalog import LANGUAGES
from tongdai.prompts.numbers import say_date, say_digits, say_number, say_time


class MissingPrompt(LookupError):
    pass


class Prompts:
    def __init__(
        self, custom: Path, built: Path = BUILT, default_lang: str = "vi", rate: int = 16000
    ) -> None:
        self.custom = custom
        self.built = built / str(rate)  # the built set at the media engine's mixing rate
        self.default_lang = default_lang
        self.rate = rate

    def path(self, name: str, lang: str | None = None) -> str:
        lang = lang if lang in LANGUAGES else self.default_lang
        for base in (self.custom, self.built):
            file = base / lang / f"{name}.wav"
            if file.is_file():
                return str(file.resolve())
        raise MissingPrompt(f"no prompt {lang}/{name} (run `make prompts`)")

    def sentence(self, *parts: str | int | dt.datetime, lang: str | None = None) -> list[str]:
        """Files that speak the parts in order: prompt names, numbers (as numbers),
        strings of digits prefixed with "#" (read digit by digit), and local times (the
        time of day, then the date)."""
        lang = lang if lang in LANGUAGES else self.default_lang
        names: list[str] = []
        for part in parts:
            if isinstance(part, int):
                names += say_number(part, lang)
            elif isinstance(part, dt.datetime):
                names += say_time(part.hour, part.minute, lang)
                names += ["on", *say_date(part.day, part.month, lang)]
            elif part.startswith("#"):
                names += say_digits(part[1:])
            else:
                names.append(part)
        return [self.path(name, lang) for name in names]
