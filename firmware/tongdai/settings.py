"""The service's settings: defaults < tongdai.toml < TONGDAI_* environment < flags.

One frozen `Settings` object is built at start and passed down; nothing else
reads the environment or the config file.
"""

from __future__ import annotations

import dataclasses
import fcntl
import ipaddress
import os
import re
import socket
import struct
import tomllib
import zoneinfo
from collections.abc import Mapping
from pathlib import Path
from typing import Any

ENV_PREFIX = "TONGDAI_"
CONFIG_FILE = "tongdai.toml"
LANGUAGES = ("vi", "en")
LOG_LEVELS = ("debug", "info", "warning", "error")


class SettingsError(ValueError):
    """A setting has a bad value; the message names the setting and where it came from."""


@dataclasses.dataclass(frozen=True)
class Settings:
    bind: str = "0.0.0.0"
    sip_port: int = 5060
    sips_port: int = 5061
    http_port: int = 8080
    media_port: int = 5080
    rtp_ports: tuple[int, int] = (10000, 10999)
    media_address: str = ""  # empty: derived from bind, see resolved_media_address()
    data_dir: Path = Path("var")
    timezone: str = "Asia/Ho_Chi_Minh"
    language: str = "vi"
    log_level: str = "info"
    # SIP edge: protection and registrations
    sip_rate_limit: int = 100  # requests per second from one address (0: no limit)
    sip_ban_failures: int = 10  # failed logins from one address ...
    sip_ban_window: int = 60  # ... within this many seconds ...
    sip_ban_seconds: int = 3600  # ... ban it for this long
    sip_min_expires: int = 60
    sip_max_expires: int = 3600
    sip_qualify_interval: int = 30  # seconds between OPTIONS pings to each contact (0: off)
    # Offered in this order (RFC 8760). MD5 first: many phones and SIPp answer only the first
    # challenge, and with generated 119-bit secrets offline guessing of MD5 digests is moot.
    sip_digest: tuple[str, ...] = ("MD5", "SHA-256")
    # Media engine: codecs offered and accepted, in this order of preference
    media_codecs: tuple[str, ...] = ("PCMU", "PCMA", "G722")
    ring_timeout: int = 25  # seconds an extension rings before no-answer treatment
    park_timeout: int = 120  # seconds a parked call waits before ringing back its parker
    recording_keep_days: int = 90  # recordings older than this are deleted ...
    recording_min_free_mb: int = 500  # ... and the oldest go first when the disk is this full
    # Desk-phone provisioning: a phone's files (they hold its SIP secret) are served for this
    # many seconds after it is assigned or re-synced (0: always); phones are told to
    # register over this transport; multicast PnP (224.0.1.75) is answered only when on.
    provisioning_window: int = 86_400
    phone_sip_transport: str = "udp"
    provisioning_pnp: bool = False
    # Web console: HTTPS with the box's certificate (var/tls, as SIP over TLS uses) when on;
    # a login lasts until idle this many seconds, and at most console_session_max.
    console_https: bool = False
    console_session_idle: int = 3600
    console_session_max: int = 43_200
    # USB GSM/LTE modems: (name, serial port) pairs, from "gsm1=/dev/ttyUSB2,gsm2=/dev/..."
    # or a list of "NAME=PORT" strings; none by default (`tongdai modem probe` finds ports).
    modems: tuple[tuple[str, str], ...] = ()

    @property
    def db_path(self) -> Path:
        return self.data_dir / "tongdai.db"

    @property
    def media_clock_rate(self) -> int:
        """The media engine's mixing rate: that of the preferred codec, so the calls
        most phones make need no resampling (16 kHz only when G.722 comes first)."""
        return 16000 if self.media_codecs[:1] == ("G722",) else 8000

    @property
    def sounds_dir(self) -> Path:
        return self.data_dir / "sounds"

    @property
    def recordings_dir(self) -> Path:
        return self.data_dir / "recordings"

    @property
    def log_dir(self) -> Path:
        return self.data_dir / "log"

    def resolved_media_address(self) -> str:
        """The address put in SDP and bound for RTP.

        A specific bind address is used as is, so a service bound to 127.0.0.1
        sends nothing elsewhere; a wildcard bind uses the box's LAN address.
        """
        if self.media_address:
            return self.media_address
        if ipaddress.ip_address(self.bind).is_unspecified:
            return lan_address()
        return self.bind


FIELDS = {f.name: f for f in dataclasses.fields(Settings)}
_PORT_FIELDS = ("sip_port", "sips_port", "http_port", "media_port")
# integer settings: (lowest, highest)
_INT_FIELDS = {
    "sip_rate_limit": (0, 100_000),
    "sip_ban_failures": (1, 1000),
    "sip_ban_window": (1, 86_400),
    "sip_ban_seconds": (1, 30 * 86_400),
    "sip_min_expires": (1, 3600),
    "sip_max_expires": (60, 86_400),
    "sip_qualify_interval": (0, 3600),
    "ring_timeout": (5, 600),
    "park_timeout": (5, 3600),
    "recording_keep_days": (1, 3650),
    "recording_min_free_mb": (10, 1_000_000),
    "provisioning_window": (0, 30 * 86_400),
    "console_session_idle": (60, 86_400),
    "console_session_max": (300, 30 * 86_400),
}
PHONE_TRANSPORTS = ("udp", "tcp", "tls")
_BOOLEANS = {"1": True, "true": True, "yes": True, "on": True,
             "0": False, "false": False, "no": False, "off": False}  # fmt: skip
DIGEST_ALGORITHMS = ("SHA-256", "MD5")
CODECS = ("PCMU", "PCMA", "G722")


def _convert(name: str, raw: Any, source: str) -> Any:
    """Turn a raw value (a TOML value or a string) into the field's type, or raise."""
    where = f"{name} (from {source})"
    try:
        if name in _PORT_FIELDS:
            port = int(raw)
            if not 0 <= port <= 65535:  # 0 means "any free port" (tests)
                raise ValueError
            return port
        if name in _INT_FIELDS:
            lo, hi = _INT_FIELDS[name]
            number = int(raw)
            if not lo <= number <= hi:
                raise ValueError
            return number
        if name == "sip_digest":
            items = raw if isinstance(raw, list) else str(raw).split(",")
            algs = tuple(str(a).strip().upper() for a in items if str(a).strip())
            if not algs or any(a not in DIGEST_ALGORITHMS for a in algs):
                raise ValueError
            return algs
        if name == "media_codecs":
            items = raw if isinstance(raw, list) else str(raw).split(",")
            codecs = tuple(str(c).strip().upper() for c in items if str(c).strip())
            if not codecs or any(c not in CODECS for c in codecs) or len(set(codecs)) < len(codecs):
                raise ValueError
            return codecs
        if name == "modems":
            return _modems(raw)
        if name == "rtp_ports":
            lo, hi = (
                (int(x) for x in raw) if isinstance(raw, list) else map(int, str(raw).split("-"))
            )
            if not (1024 <= lo < hi <= 65535) or lo % 2 or hi - lo < 3:
                raise ValueError
            return (lo, hi)
        if name in ("bind", "media_address"):
            value = str(raw).strip()
            if value or name == "bind":
                ipaddress.ip_address(value)
            return value
        if name == "data_dir":
            return Path(str(raw)).expanduser()
        if name == "timezone":
            zoneinfo.ZoneInfo(str(raw))
            return str(raw)
        if name == "language":
            if raw not in LANGUAGES:
                raise ValueError
            return raw
        if name == "phone_sip_transport":
            if str(raw).lower() not in PHONE_TRANSPORTS:
                raise ValueError
            return str(raw).lower()
        if name in ("provisioning_pnp", "console_https"):
            if isinstance(raw, bool):
                return raw
            return _BOOLEANS[str(raw).strip().lower()]
        if name == "log_level":
            if str(raw).lower() not in LOG_LEVELS:
                raise ValueError
            return str(raw).lower()
    except (ValueError, TypeError, KeyError, zoneinfo.ZoneInfoNotFoundError) as exc:
        raise SettingsError(f"bad value {raw!r} for {where}: {_HINTS[name]}") from exc
    raise SettingsError(f"unknown setting {name!r} (from {source})")


_MODEM_NAME = re.compile(r"[a-z0-9_-]{1,20}")


def _modems(raw: Any) -> tuple[tuple[str, str], ...]:
    items = raw if isinstance(raw, list) else str(raw).split(",")
    out: list[tuple[str, str]] = []
    for item in (str(i).strip() for i in items):
        if not item:
            continue
        name, eq, port = (part.strip() for part in item.partition("="))
        if not eq or not _MODEM_NAME.fullmatch(name) or not port.startswith("/"):
            raise ValueError(item)
        out.append((name, port))
    names = [n for n, _ in out]
    if len(set(names)) < len(names):
        raise ValueError("a name twice")
    return tuple(out)


def check(name: str, raw: Any, source: str) -> Any:
    """One setting converted and checked exactly as load() does it (for tongdai.settings_file,
    which writes the file the console changes); SettingsError when bad."""
    return _convert(name, raw, source)


_HINTS = {
    **{p: "expected a port number 0-65535" for p in _PORT_FIELDS},
    "rtp_ports": "expected an even start and a range like 10000-10999 within 1024-65535",
    "bind": "expected an IP address such as 0.0.0.0 or 127.0.0.1",
    "media_address": "expected an IP address, or empty to derive it from bind",
    "data_dir": "expected a directory path",
    "timezone": "expected an IANA time zone such as Asia/Ho_Chi_Minh",
    "language": "expected one of " + ", ".join(LANGUAGES),
    "log_level": "expected one of " + ", ".join(LOG_LEVELS),
    "phone_sip_transport": "expected one of " + ", ".join(PHONE_TRANSPORTS),
    "provisioning_pnp": "expected on or off",
    "console_https": "expected on or off",
    **{n: f"expected a whole number {lo}-{hi}" for n, (lo, hi) in _INT_FIELDS.items()},
    "sip_digest": "expected a comma-separated list of " + ", ".join(DIGEST_ALGORITHMS),
    "media_codecs": "expected a comma-separated list of " + ", ".join(CODECS),
    "modems": "expected NAME=PORT pairs separated by commas, such as gsm1=/dev/ttyUSB2, "
    "each name (a-z, 0-9, _ or -) once",
}


def load(
    flags: Mapping[str, Any] | None = None,
    env: Mapping[str, str] | None = None,
    config_file: Path | None = None,
) -> Settings:
    """Merge the four layers; raise SettingsError naming the first bad setting."""
    env = os.environ if env is None else env
    values: dict[str, Any] = {}

    path = config_file or Path(env.get(ENV_PREFIX + "CONFIG", CONFIG_FILE))
    if path.is_file():
        try:
            table = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise SettingsError(f"{path}: not valid TOML: {exc}") from exc
        for name, raw in table.items():
            values[name] = _convert(name, raw, str(path))
    elif config_file is not None:
        raise SettingsError(f"config file {config_file} does not exist")

    for key, raw in env.items():
        if key.startswith(ENV_PREFIX) and key != ENV_PREFIX + "CONFIG":
            name = key[len(ENV_PREFIX) :].lower()
            if name in FIELDS:
                values[name] = _convert(name, raw, f"environment {key}")

    for name, raw in (flags or {}).items():
        if raw is not None:
            values[name] = _convert(name, raw, "command line")

    settings = Settings(**values)
    if settings.sip_min_expires > settings.sip_max_expires:
        raise SettingsError(
            f"sip_min_expires ({settings.sip_min_expires}) is above "
            f"sip_max_expires ({settings.sip_max_expires})"
        )
    return settings


def lan_address() -> str:
    """The first IPv4 address of an interface other than loopback, else 127.0.0.1.

    Read from the interfaces (SIOCGIFADDR) rather than by routing a probe
    packet, so finding it sends nothing on the network.
    """
    siocgifaddr = 0x8915
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        for _, name in socket.if_nameindex():
            if name == "lo":
                continue
            try:
                packed = fcntl.ioctl(
                    s.fileno(), siocgifaddr, struct.pack("256s", name[:15].encode())
                )
            except OSError:
                continue  # interface without an IPv4 address
            addr = socket.inet_ntoa(packed[20:24])
            if not ipaddress.ip_address(addr).is_loopback:
                return addr
    return "127.0.0.1"
