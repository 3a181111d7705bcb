"""Which file a phone asks for, and that file rendered from its vendor's template.

Names and formats are the ones the phones request by themselves (see README,
"Desk phones"): the MAC in the name says whose file it is; the vendor stored
for that MAC says which template fills it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import zoneinfo
from pathlib import Path

import jinja2

# name pattern (the MAC as group 1) -> {vendor: template}; a name whose vendor differs
# from the phone's is not served.
FILES: list[tuple[re.Pattern, dict[str, str]]] = [
    (re.compile(r"([0-9a-f]{12})\.cfg", re.I),
     {"yealink": "yealink.cfg.j2", "polycom": "polycom-master.cfg.j2"}),
    (re.compile(r"([0-9a-f]{12})-registration\.cfg", re.I),
     {"polycom": "polycom-registration.cfg.j2"}),
    (re.compile(r"cfg([0-9a-f]{12})\.xml", re.I), {"grandstream": "grandstream.xml.j2"}),
    (re.compile(r"spa([0-9a-f]{12})\.xml", re.I), {"cisco": "cisco-spa.xml.j2"}),
    (re.compile(r"snom[0-9a-z]{2,8}-([0-9a-f]{12})\.htm", re.I), {"snom": "snom.htm.j2"}),
]  # fmt: skip
# The per-phone file each vendor starts from (the PnP URL and the README name these).
MAIN_FILE = {
    "yealink": "{mac}.cfg",
    "polycom": "{mac}.cfg",
    "grandstream": "cfg{mac}.xml",
    "cisco": "spa{mac}.xml",
    "snom": "snom{model}-{MAC}.htm",
}
# The phones' own names for the box's language, where their firmware has it.
LANGUAGES = {
    "yealink": {"vi": "English", "en": "English"},  # no Vietnamese UI
    "grandstream": {"vi": "vi", "en": "en"},
    "snom": {"vi": "English", "en": "English"},
    "polycom": {"vi": "English_United_States", "en": "English_United_States"},
    "cisco": {"vi": "English", "en": "English"},
}
TRANSPORT_CODES = {
    "yealink": {"udp": "0", "tcp": "1", "tls": "2"},
    "grandstream": {"udp": "0", "tcp": "1", "tls": "2"},
    "polycom": {"udp": "UDPOnly", "tcp": "TCPOnly", "tls": "TLS"},
    "cisco": {"udp": "UDP", "tcp": "TCP", "tls": "TLS"},
    "snom": {"udp": "udp", "tcp": "tcp", "tls": "tls"},
}
# Yealink names a zone by its offset and a city from its own list.
YEALINK_ZONE_NAMES = {
    "+7": "Thailand(Bangkok)", "+8": "China(Beijing)", "+9": "Japan(Tokyo)",
    "0": "United Kingdom(London)",
}  # fmt: skip

_TEMPLATES = Path(__file__).with_name("templates")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def match(name: str) -> tuple[str, dict[str, str]] | None:
    """(MAC, {vendor: template}) for a per-phone file name, else None."""
    for pattern, templates in FILES:
        m = pattern.fullmatch(name)
        if m:
            return m.group(1).lower(), templates
    return None


@dataclasses.dataclass(frozen=True)
class Box:
    """What phones are told about the box."""

    host: str  # the address phones register to, fetch from and take the time from
    sip_port: int
    transport: str  # udp, tcp, tls
    http_port: int
    language: str  # vi, en
    timezone: str  # IANA

    @property
    def url(self) -> str:
        """The provisioning URL (DHCP option 66, the phones' server URL)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.http_port}/prov/"


@dataclasses.dataclass(frozen=True)
class TimeZone:
    offset: int  # seconds east of UTC, now
    posix: str  # a POSIX TZ string (DST rules included)
    dst: bool

    @property
    def hours(self) -> str:
        """+7, -3:30, 0: how Yealink writes an offset."""
        sign = "-" if self.offset < 0 else "+"
        h, m = divmod(abs(self.offset) // 60, 60)
        return "0" if not self.offset else f"{sign}{h}" + (f":{m:02d}" if m else "")

    @property
    def gmt(self) -> str:
        """GMT+07:00, as Cisco writes it."""
        sign = "-" if self.offset < 0 else "+"
        h, m = divmod(abs(self.offset) // 60, 60)
        return f"GMT{sign}{h:02d}:{m:02d}"


def time_zone(name: str, now: dt.datetime | None = None) -> TimeZone:
    zone = zoneinfo.ZoneInfo(name)
    now = now or dt.datetime.now(dt.UTC)
    offset = int(now.astimezone(zone).utcoffset().total_seconds())
    posix = _posix_rule(name) or _posix_offset(offset)
    return TimeZone(offset, posix, "," in posix)


def _posix_offset(offset: int) -> str:
    """A POSIX TZ string for a fixed offset (no tz database file): <+07>-7."""
    h, m = divmod(abs(offset) // 60, 60)
    sign = "-" if offset < 0 else "+"
    name = f"<{sign}{h:02d}{m:02d}>" if m else f"<{sign}{h:02d}>"
    return name + ("-" if offset > 0 else "+") + str(h) + (f":{m:02d}" if m else "")


def _posix_rule(name: str) -> str:
    """The POSIX TZ string at the end of the zone's TZif file (RFC 8536 footer)."""
    for root in zoneinfo.TZPATH:
        path = Path(root) / name
        if path.is_file():
            lines = path.read_bytes().rstrip(b"\n").rsplit(b"\n", 1)
            if len(lines) == 2 and lines[1].isascii():
                return lines[1].decode()
    return ""


def _oneline(value: object) -> str:
    """A value for a key = value line: no line breaks or control characters."""
    return _CONTROL.sub(" ", str(value)).strip()


_env = jinja2.Environment(
    loader=jinja2.FileSystemLoader(_TEMPLATES),
    autoescape=lambda name: name is not None and not name.startswith("yealink"),
    undefined=jinja2.StrictUndefined,
    keep_trailing_newline=True,
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["oneline"] = _oneline


def render(template: str, phone: dict, extension: dict, box: Box, tz: TimeZone) -> bytes:
    """One file for one phone: `phone` a phones row, `extension` its extension (number,
    name, secret)."""
    vendor = phone["vendor"]
    mac = phone["mac"]
    text = _env.get_template(template).render(
        mac=mac, MAC=mac.upper(), model=phone["model"], label=phone["label"],
        number=extension["number"], name=extension["name"] or extension["number"],
        secret=extension["secret"], box=box, tz=tz,
        port=box.sip_port, transport=TRANSPORT_CODES[vendor][box.transport],
        language=LANGUAGES[vendor][box.language],
        yealink_zone=YEALINK_ZONE_NAMES.get(tz.hours, ""),
        main_file=main_file(phone),
    )  # fmt: skip
    return text.encode("utf-8")


def main_file(phone: dict) -> str:
    """The name of the phone's per-MAC file (the one a PnP answer points to)."""
    mac = phone["mac"]
    return MAIN_FILE[phone["vendor"]].format(mac=mac, MAC=mac.upper(), model=phone["model"])
