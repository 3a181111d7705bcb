"""Writing tongdai.toml for the console's settings page: a change is checked by the same
rules as at start (tongdai.settings), the whole file must then load, and it replaces the
old one atomically (a power cut leaves the old file or the new one, never half of one).

A setting fixed by the environment or a command-line flag wins over the file, so the page
offers it read-only. A few settings the running service takes at once (LIVE); the others
are read only at start, and the page says a restart is needed until the service runs
with what the file says.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import tomlkit

from tongdai import settings
from tongdai.settings import Settings, SettingsError

# What the console offers, by section (the others stay for tongdai.toml by hand).
SECTIONS = {
    "network": ("bind", "sip_port", "sips_port", "http_port", "rtp_ports", "media_address"),
    "time": ("timezone",),
    "language": ("language",),
    "recording": ("recording_keep_days", "recording_min_free_mb"),
    "modems": ("modems",),
}
EDITABLE = tuple(name for names in SECTIONS.values() for name in names)
# Read by the running service whenever it needs them (the console's default language and
# the prompts', the retention task's limits); everything else waits for a restart.
LIVE = ("language", "recording_keep_days", "recording_min_free_mb")
SOURCE = "the console"


@dataclasses.dataclass(frozen=True)
class SettingsFile:
    path: Path  # absolute: the service may change directory
    env: Mapping[str, str]
    flags: Mapping[str, Any]  # the command line's settings (None: not given)

    @classmethod
    def at_start(
        cls, config_file: Path | None, env: Mapping[str, str], flags: Mapping[str, Any]
    ) -> SettingsFile:
        """The file settings.load read (or would read) when the service started."""
        path = config_file or Path(env.get(settings.ENV_PREFIX + "CONFIG", settings.CONFIG_FILE))
        given = {name: value for name, value in flags.items() if value is not None}
        return cls(path.absolute(), dict(env), given)

    def fixed(self) -> dict[str, str]:
        """Settings the file cannot change, with what fixes them."""
        out = {}
        for name in EDITABLE:
            key = settings.ENV_PREFIX + name.upper()
            if name in self.flags:
                out[name] = "command line"
            elif key in self.env:
                out[name] = f"environment {key}"
        return out

    def _document(self) -> tomlkit.TOMLDocument:
        if not self.path.is_file():
            return tomlkit.document()
        return tomlkit.parse(self.path.read_text(encoding="utf-8"))

    def load(self) -> Settings:
        """The settings a start would use now (the file as it is, env and flags over it)."""
        return settings.load(self.flags, self.env, config_file=self.path if self.path.is_file()
                             else None)  # fmt: skip

    def save(self, changes: Mapping[str, str]) -> Settings:
        """Write the changed settings (raw text from a form or JSON values); return what a
        start would now use. SettingsError names the first bad one; nothing is written then."""
        fixed = self.fixed()
        document = self._document()
        for name, raw in changes.items():
            if name not in EDITABLE:
                raise SettingsError(f"{name}: not a setting the console changes")
            if name in fixed:
                raise SettingsError(f"{name}: set by the {fixed[name]}, which wins over the file")
            value = settings.check(name, raw, SOURCE)
            document[name] = _toml_value(name, value)
        tmp = self.path.with_name(f".{self.path.name}.tmp")
        try:
            with open(tmp, "w", encoding="utf-8") as out:
                out.write(tomlkit.dumps(document))
                out.flush()
                os.fsync(out.fileno())
            loaded = settings.load(self.flags, self.env, config_file=tmp)
            os.replace(tmp, self.path)
        finally:
            tmp.unlink(missing_ok=True)
        _sync_directory(self.path.parent)
        return loaded


def _toml_value(name: str, value: Any) -> Any:
    if name == "modems":  # written as typed: "gsm1=/dev/ttyUSB2,gsm2=..."
        return modems_text(value)
    if isinstance(value, Path):
        return str(value)
    if isinstance(value, tuple):
        return list(value)
    return value


def modems_text(modems: tuple[tuple[str, str], ...]) -> str:
    return ",".join(f"{name}={port}" for name, port in modems)


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def apply_live(service, new: Settings) -> list[str]:
    """Give the running service the LIVE settings that changed; return their names."""
    changed = {n: getattr(new, n) for n in LIVE if getattr(new, n) != getattr(service.settings, n)}
    if changed:
        service.settings = dataclasses.replace(service.settings, **changed)
        if "language" in changed:  # prompts without a language of their own
            service.dialplan.prompts.default_lang = changed["language"]
    return list(changed)


def needs_restart(service, wanted: Settings) -> list[str]:
    """Editable settings whose running value differs from what a start would use."""
    return [n for n in EDITABLE if getattr(wanted, n) != getattr(service.settings, n)]
