"""The AT command protocol of GSM/LTE modems (3GPP TS 27.007 / 27.005), sans-I/O.

Bytes and the current time go in, events come out; no serial port, no asyncio. One command
is in flight at a time. A modem's output is lines ended by CR and/or LF:

- the echo of the command (while echo is on), dropped;
- information responses, collected for the command in flight;
- a final result code (OK, ERROR, +CME ERROR: n, +CMS ERROR: n, NO CARRIER, BUSY, ...),
  which ends the command: a `Response` event;
- unsolicited result codes (RING, +CMTI, ^RSSI, +CREG: 1, ...), which may arrive between
  any two lines, also in the middle of a response: each is a `Urc` event of its own;
- the `> ` prompt (no line end) of commands that take a body (AT+CMGS): a `Prompt` event.

The parsers at the end turn responses into values (signal in dBm, registration, operator,
SIM state, identity).
"""

from __future__ import annotations

import dataclasses
import re

from tongdai.gsm import operators

# Final result codes that end a command (V1 verbose form, as modems answer after ATV1).
FINAL_OK = ("OK", "CONNECT")
FINAL_ERROR = ("ERROR", "NO CARRIER", "BUSY", "NO ANSWER", "NO DIALTONE")
CME_ERROR = "+CME ERROR:"
CMS_ERROR = "+CMS ERROR:"
CME_SIM_NOT_INSERTED = 10

# Lines a modem sends on its own. With a command in flight a line with one of these names
# is still that command's when the command asks for it (AT+CREG? answers +CREG: ...).
URC_NAMES = frozenset({
    "RING", "+CRING", "+CLIP", "+CCWA", "+CMTI", "+CMT", "+CDS", "+CDSI", "+CBM", "+CUSD",
    "+CREG", "+CGREG", "+CEREG", "+CIEV", "+CPIN", "+QIND", "+QUSIM", "RDY", "Call Ready",
    "SMS Ready", "^RSSI", "^HCSQ", "^MODE", "^BOOT", "^SRVST", "^SIMST", "^DSFLOWRPT",
    "^RFSWITCH", "^ORIG", "^CONF", "^CONN", "^CEND", "^STIN",
})  # fmt: skip
# URCs whose next line belongs to them (a PDU): +CMT and +CDS in PDU mode, +CBM.
URCS_WITH_BODY = frozenset({"+CMT", "+CDS", "+CBM"})
BODY_END = b"\x1a"  # Ctrl-Z ends the body of AT+CMGS


class AtError(Exception):
    """The protocol was used wrongly (a second command while one is in flight)."""


@dataclasses.dataclass(frozen=True)
class Response:
    """A command's information lines and its final result code."""

    command: str
    lines: tuple[str, ...]
    result: str  # "OK", "ERROR", "+CME ERROR: 10", "NO CARRIER", ...

    @property
    def ok(self) -> bool:
        return self.result in FINAL_OK

    @property
    def error_code(self) -> int | None:
        """The number of a +CME/+CMS ERROR (after AT+CMEE=1), else None."""
        for prefix in (CME_ERROR, CMS_ERROR):
            if self.result.startswith(prefix):
                value = self.result[len(prefix) :].strip()
                return int(value) if value.isdigit() else None
        return None

    def __repr__(self) -> str:  # never the lines: AT+CIMI's is personal data
        return f"Response({self.command!r}, {len(self.lines)} lines, {self.result!r})"


@dataclasses.dataclass(frozen=True)
class Urc:
    line: str
    body: str | None = None  # the PDU line of +CMT/+CDS/+CBM

    @property
    def name(self) -> str:
        return urc_name(self.line)

    @property
    def value(self) -> str:
        """What follows "NAME: " ("" for a bare RING)."""
        _, _, rest = self.line.partition(":")
        return rest.strip()


@dataclasses.dataclass(frozen=True)
class Prompt:
    """The modem waits for the body of the command in flight (then Ctrl-Z)."""

    command: str


@dataclasses.dataclass(frozen=True)
class Timeout:
    """The command in flight got no final result code in time."""

    command: str


Event = Response | Urc | Prompt | Timeout


def urc_name(line: str) -> str:
    name, colon, _ = line.partition(":")
    return name.strip() if colon else line.strip()


def command_name(command: str) -> str:
    """The name its answers carry: AT+CREG? -> +CREG, AT^SYSINFO -> ^SYSINFO."""
    m = re.match(r"AT([+^][A-Z0-9]+)", command.upper())
    return m.group(1) if m else ""


class AtProtocol:
    def __init__(self) -> None:
        self._buffer = b""
        self._command: str | None = None
        self._name = ""
        self._lines: list[str] = []
        self._wants_prompt = False
        self._urc_with_body: str | None = None  # a +CMT line waiting for its PDU line
        self.deadline: float | None = None  # when the command in flight times out

    @property
    def busy(self) -> bool:
        return self._command is not None

    def send(self, command: str, now: float, timeout: float, *, prompt: bool = False) -> bytes:
        """The bytes to write for `command` ("AT+CSQ"); one command at a time. With
        `prompt` the command takes a body: a Prompt event comes before its Response."""
        if self._command is not None:
            raise AtError(f"{self._command!r} is still in flight")
        self._command, self._name = command, command_name(command)
        self._lines, self._wants_prompt = [], prompt
        self.deadline = now + timeout
        return command.encode("ascii") + b"\r"

    @staticmethod
    def body(text: str) -> bytes:
        """The body to write after a Prompt (a PDU in hex), ended by Ctrl-Z."""
        return text.encode("ascii") + BODY_END

    def expire(self, now: float) -> list[Event]:
        """A Timeout once the deadline has passed; the protocol is then free again."""
        if self._command is None or self.deadline is None or now < self.deadline:
            return []
        command = self._command
        self._finish()
        return [Timeout(command)]

    def reset(self) -> None:
        """Forget everything (the port was closed or reopened)."""
        self.__init__()

    def feed(self, data: bytes) -> list[Event]:
        self._buffer += data
        events: list[Event] = []
        while True:
            m = re.search(rb"[\r\n]", self._buffer)
            if m is None:
                break
            raw, self._buffer = self._buffer[: m.start()], self._buffer[m.end() :]
            if raw.strip():
                events.extend(self._line(raw.decode("latin-1").strip()))
        if self._wants_prompt and self._buffer.lstrip().startswith(b">"):
            self._buffer, self._wants_prompt = b"", False
            events.append(Prompt(self._command or ""))
        return events

    def _line(self, line: str) -> list[Event]:
        if self._urc_with_body is not None:
            header, self._urc_with_body = self._urc_with_body, None
            return [Urc(header, line)]
        command = self._command
        if command is None:
            return self._urc(line)
        if line.upper() == command.upper():
            return []  # the echo
        if line in FINAL_OK or line in FINAL_ERROR or line.startswith((CME_ERROR, CMS_ERROR)):
            response = Response(command, tuple(self._lines), line)
            self._finish()
            return [response]
        name = urc_name(line)
        if name in URC_NAMES and name != self._name:
            return self._urc(line)
        self._lines.append(line)
        return []

    def _urc(self, line: str) -> list[Event]:
        if urc_name(line) in URCS_WITH_BODY:
            self._urc_with_body = line
            return []
        return [Urc(line)]

    def _finish(self) -> None:
        self._command, self._name, self._lines = None, "", []
        self._wants_prompt, self.deadline = False, None


# -- parsers -----------------------------------------------------------------------------


def _fields(line: str) -> list[str]:
    """The comma-separated values after "NAME: ", quotes kept off."""
    _, _, rest = line.partition(":")
    return [f.strip().strip('"') for f in rest.split(",")] if rest.strip() else []


def _find(lines, name: str) -> str | None:
    for line in lines:
        if urc_name(line) == name:
            return line
    return None


def signal_dbm(rssi: int) -> int | None:
    """TS 27.007 +CSQ rssi: 0 is -113 dBm or less, 31 is -51 dBm or more, 99 unknown."""
    return -113 + 2 * rssi if 0 <= rssi <= 31 else None


def parse_csq(lines) -> int | None:
    """The signal in dBm from AT+CSQ's answer (+CSQ: rssi,ber); None if unknown."""
    line = _find(lines, "+CSQ")
    fields = _fields(line) if line else []
    return signal_dbm(int(fields[0])) if fields and fields[0].isdigit() else None


REGISTRATION_STATES = {
    0: "not_registered", 1: "home", 2: "searching", 3: "denied", 4: "unknown", 5: "roaming",
}  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Registration:
    stat: int
    lac: str = ""
    cell: str = ""

    @property
    def state(self) -> str:
        return REGISTRATION_STATES.get(self.stat, "unknown")

    @property
    def registered(self) -> bool:
        return self.stat in (1, 5)


def parse_registration(line: str | None) -> Registration | None:
    """+CREG / +CGREG / +CEREG in either form: the answer to AT+CREG? is "n,stat[,lac,ci..]"
    and the URC is "stat[,lac,ci..]" (its lac quoted, where the read form has stat)."""
    if not line:
        return None
    _, _, rest = line.partition(":")
    raw = [f.strip() for f in rest.split(",")] if rest.strip() else []
    if not raw or not all(f.strip('"').isalnum() or not f for f in raw):
        return None
    stat_at = 0 if len(raw) == 1 or raw[1].startswith('"') else 1  # URC form, or n first
    fields = [f.strip('"') for f in raw]
    if not fields[stat_at].isdigit():
        return None
    rest_fields = [*fields[stat_at + 1 :], "", ""]
    return Registration(int(fields[stat_at]), rest_fields[0], rest_fields[1])


@dataclasses.dataclass(frozen=True)
class Operator:
    name: str
    code: str  # MCC+MNC ("45204") when the modem gave it, else ""


def parse_cops(lines) -> Operator | None:
    """AT+COPS?: +COPS: mode[,format,"oper"[,act]]. Format 2 (numeric, "45204") is shown
    by its name for the Vietnamese networks, else as the code; formats 0/1 as given."""
    line = _find(lines, "+COPS")
    fields = _fields(line) if line else []
    if len(fields) < 3 or not fields[2]:
        return None
    if fields[1] == "2":
        return Operator(operators.name(fields[2]), fields[2])
    return Operator(fields[2], "")


# SIM states (AT+CPIN? answers, and what a +CME ERROR means for the SIM)
SIM_READY = "READY"
SIM_NOT_INSERTED = "NOT INSERTED"
SIM_ERRORS = {10: SIM_NOT_INSERTED, 13: "SIM FAILURE", 14: "SIM BUSY", 15: "SIM WRONG"}


def parse_cpin(response: Response) -> str:
    """READY, SIM PIN, SIM PUK, ..., NOT INSERTED (+CME ERROR: 10), or the error."""
    if response.ok:
        line = _find(response.lines, "+CPIN")
        return line.partition(":")[2].strip() if line else "UNKNOWN"
    code = response.error_code
    if code in SIM_ERRORS:
        return SIM_ERRORS[code]
    if "NOT INSERTED" in response.result.upper():  # verbose errors (AT+CMEE=2)
        return SIM_NOT_INSERTED
    return response.result


def parse_identity(response: Response) -> str:
    """The value of AT+CGMI / +CGMM / +CGSN / +CIMI: their one line, with any "+CGMI: "
    some modules put in front taken off."""
    if not response.ok or not response.lines:
        return ""
    line = response.lines[0]
    if urc_name(line) == command_name(response.command):
        line = line.partition(":")[2]
    return line.strip().strip('"')


def mask_imsi(imsi: str) -> str:
    """IMSI is personal data: only its last 4 digits are ever kept or shown."""
    digits = "".join(c for c in imsi if c.isdigit())
    return f"…{digits[-4:]}" if len(digits) >= 4 else ""
