"""One USB modem, driven from the event loop: pyserial opens and sets up the port
non-blocking, the loop watches its file descriptor (add_reader; add_writer only while a
write would block), and the sans-I/O AtProtocol makes sense of the bytes.

A status poll runs at once after the port opens and then every `poll_interval` seconds.
A modem that stops answering, or whose port goes away (USB unplugged: a read error or end
of file), is marked down and reopened with a growing delay. Nothing here blocks the loop
or lets an error out of run(): a modem never takes the service down.

Calls and SMS will use `command()` and `on_urc` on the same driver.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import errno
import logging
import os
import time
from collections.abc import Callable

import serial

from tongdai.gsm import at

log = logging.getLogger("tongdai.gsm")

BAUD = 115200  # USB modems ignore it; a real UART (a module on a HAT) wants it
COMMAND_TIMEOUT = 5.0
SLOW_COMMAND_TIMEOUT = 30.0  # AT+COPS? may search the networks for a while
POLL_INTERVAL = 30.0
BACKOFF = (1.0, 60.0)  # first and longest wait before reopening a lost modem

# Shown states (the console translates them)
STARTING, UP, DOWN = "starting", "up", "down"
SIM_MISSING, PIN_NEEDED, PUK_NEEDED, SIM_ERROR = (
    "sim_missing",
    "pin_needed",
    "puk_needed",
    "sim_error",
)
SIM_STATES = {at.SIM_NOT_INSERTED: SIM_MISSING, "SIM PIN": PIN_NEEDED, "SIM PUK": PUK_NEEDED}


# Why a modem is down (the console translates them; `detail` says more, in English)
NO_ANSWER, UNPLUGGED, CANNOT_OPEN, FAILED = "no_answer", "unplugged", "cannot_open", "error"


class ModemLost(Exception):
    """The port went away or the modem stopped answering: (reason, detail)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(reason, detail)
        self.reason, self.detail = reason, detail


@dataclasses.dataclass
class ModemStatus:
    name: str
    port: str
    state: str = STARTING
    reason: str = ""  # why it is down: NO_ANSWER, UNPLUGGED, CANNOT_OPEN or FAILED
    detail: str = ""  # the technical why, in English (the log and the API show it)
    manufacturer: str = ""
    model: str = ""
    imei: str = ""
    imsi: str = ""  # masked: the last 4 digits only (at.mask_imsi)
    sim: str = ""  # the AT+CPIN? answer
    operator: str = ""
    operator_code: str = ""
    registration: str = ""  # home, roaming, searching, denied, not_registered, unknown
    signal_dbm: int | None = None
    last_seen: float | None = None  # wall-clock time of its last answer

    @property
    def up(self) -> bool:
        return self.state not in (STARTING, DOWN)

    @property
    def registered(self) -> bool:
        return self.registration in ("home", "roaming")


class Modem:
    def __init__(
        self,
        name: str,
        port: str,
        *,
        poll_interval: float = POLL_INTERVAL,
        command_timeout: float = COMMAND_TIMEOUT,
        backoff: tuple[float, float] = BACKOFF,
    ) -> None:
        self.status = ModemStatus(name, port)
        self.poll_interval = poll_interval
        self.command_timeout = command_timeout
        self.backoff = backoff
        self.on_urc: list[Callable[[at.Urc], None]] = []  # for calls and SMS
        self._proto = at.AtProtocol()
        self._serial: serial.Serial | None = None
        self._fd = -1
        self._out = b""  # bytes a blocked write still owes the port
        self._lock = asyncio.Lock()  # one command in flight
        self._reply: asyncio.Future | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._lost: asyncio.Event | None = None
        self._lost_reason: tuple[str, str] | None = None
        self._answered = False  # the last session got through the set-up

    # -- the loop -------------------------------------------------------------------------

    async def run(self) -> None:
        """Open, poll, and reopen after a loss, until cancelled."""
        delay = self.backoff[0]
        while True:
            try:
                self._open()
            except (OSError, serial.SerialException) as exc:
                self._down(CANNOT_OPEN, _why(exc))
            else:
                try:
                    await self._session()
                except ModemLost as exc:
                    self._down(exc.reason, exc.detail)
                except Exception as exc:  # never the service's end
                    log.exception("modem %s: unexpected error", self.status.name)
                    self._down(FAILED, str(exc))
                finally:
                    self._close()
                if self._answered:
                    delay = self.backoff[0]  # it worked for a while: retry soon
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.backoff[1])

    async def command(self, command: str, timeout: float | None = None) -> at.Response:
        """Send one command and wait for its final result code; ModemLost when the modem
        does not answer in time (it is then reopened) or the port is gone."""
        async with self._lock:
            if self._lost is None or self._lost.is_set():
                raise ModemLost(*(self._lost_reason or (UNPLUGGED, "the port is not open")))
            loop = asyncio.get_running_loop()
            self._reply = loop.create_future()
            data = self._proto.send(command, loop.time(), timeout or self.command_timeout)
            self._timer = loop.call_at(self._proto.deadline, self._expire)
            self._write(data)
            try:
                return await self._reply
            finally:
                self._reply = None
                if self._timer is not None:
                    self._timer.cancel()
                    self._timer = None

    # -- one session on an open port -------------------------------------------------------

    async def _session(self) -> None:
        s = self.status
        s.state, s.reason, s.detail = STARTING, "", ""
        self._answered = False
        # A dongle just plugged in may drop the first command; echo off, numeric errors.
        with contextlib.suppress(ModemLost):
            await self.command("AT", timeout=2.0)
        await self._expect_ok("ATE0")
        await self._expect_ok("AT+CMEE=1")
        await self.command("AT+COPS=3,2")  # operators by code (shown by name: operators.py)
        await self._identity()
        self._answered = True
        while True:
            await self._poll()
            await self._wait_or_lost(self.poll_interval)

    async def _expect_ok(self, command: str) -> at.Response:
        response = await self.command(command)
        if not response.ok:
            raise ModemLost(FAILED, f"{command} answered {response.result}")
        return response

    async def _identity(self) -> None:
        s = self.status
        s.manufacturer = at.parse_identity(await self.command("AT+CGMI"))
        s.model = at.parse_identity(await self.command("AT+CGMM"))
        s.imei = at.parse_identity(await self.command("AT+CGSN"))
        log.info("modem %s on %s: %s %s", s.name, s.port, s.manufacturer, s.model)

    async def _poll(self) -> None:
        s = self.status
        s.sim = at.parse_cpin(await self.command("AT+CPIN?"))
        if s.sim != at.SIM_READY:
            s.state = SIM_STATES.get(s.sim, SIM_ERROR)
            s.operator = s.operator_code = s.registration = ""
            s.signal_dbm = None
            return
        if not s.imsi:  # read once the SIM answers; only its tail is kept
            s.imsi = at.mask_imsi(at.parse_identity(await self.command("AT+CIMI")))
        s.state = UP
        s.signal_dbm = at.parse_csq((await self.command("AT+CSQ")).lines)
        # Circuit-switched (voice, SMS) registration, else the LTE one (an EC25 on LTE
        # only); a 3G dongle answers ERROR to AT+CEREG?.
        best = None
        for query in ("AT+CREG?", "AT+CEREG?"):
            response = await self.command(query)
            reg = at.parse_registration(response.lines[0]) if response.lines else None
            if reg is not None and (best is None or (reg.registered and not best.registered)):
                best = reg
        s.registration = best.state if best else "unknown"
        operator = at.parse_cops((await self.command("AT+COPS?", SLOW_COMMAND_TIMEOUT)).lines)
        s.operator, s.operator_code = (operator.name, operator.code) if operator else ("", "")

    async def _wait_or_lost(self, seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._lost.wait(), seconds)
        if self._lost.is_set():
            raise ModemLost(*self._lost_reason)

    def _urc(self, urc: at.Urc) -> None:
        s = self.status
        if urc.name == "^RSSI" and urc.value.isdigit():  # Huawei's signal reports
            s.signal_dbm = at.signal_dbm(int(urc.value))
        elif urc.name in ("+CREG", "+CEREG"):
            reg = at.parse_registration(urc.line)
            if reg is not None:
                s.registration = reg.state
        for listener in self.on_urc:
            try:
                listener(urc)
            except Exception:
                log.exception("modem %s: a URC listener failed", s.name)

    # -- the port ---------------------------------------------------------------------------

    def _open(self) -> None:
        # pyserial opens with O_NONBLOCK and sets the line up; reads and writes go to the
        # descriptor directly so that nothing waits.
        self._serial = serial.Serial(
            self.status.port, BAUD, timeout=0, write_timeout=0, exclusive=True
        )
        self._fd = self._serial.fileno()
        self._proto.reset()
        self._out = b""
        self._lost, self._lost_reason = asyncio.Event(), None
        asyncio.get_running_loop().add_reader(self._fd, self._readable)

    def _close(self) -> None:
        loop = asyncio.get_running_loop()
        if self._fd >= 0:
            loop.remove_reader(self._fd)
            loop.remove_writer(self._fd)
        if self._serial is not None:
            with contextlib.suppress(OSError, serial.SerialException):
                self._serial.close()
        self._serial, self._fd = None, -1
        if self._lost is not None:
            self._lost.set()

    def _readable(self) -> None:
        try:
            data = os.read(self._fd, 4096)
        except BlockingIOError:
            return
        except OSError as exc:
            self._gone(UNPLUGGED, _why(exc))
            return
        if not data:
            self._gone(UNPLUGGED, "end of file")
            return
        self.status.last_seen = time.time()
        for event in self._proto.feed(data):
            if isinstance(event, at.Urc):
                self._urc(event)
            elif isinstance(event, at.Response) and self._reply and not self._reply.done():
                self._reply.set_result(event)

    def _write(self, data: bytes) -> None:
        self._out += data
        self._flush()

    def _flush(self) -> None:
        loop = asyncio.get_running_loop()
        try:
            while self._out:
                self._out = self._out[os.write(self._fd, self._out) :]
        except BlockingIOError:
            loop.add_writer(self._fd, self._flush)
            return
        except OSError as exc:
            self._gone(UNPLUGGED, _why(exc))
            return
        loop.remove_writer(self._fd)

    def _expire(self) -> None:
        self._timer = None
        now = asyncio.get_running_loop().time()
        for event in self._proto.expire(now):
            # The command fails; the session gives up on the modem unless it expected this
            # (the first AT after opening), and run() then reopens the port.
            if isinstance(event, at.Timeout) and self._reply is not None and not self._reply.done():
                self._reply.set_exception(ModemLost(NO_ANSWER, f"no answer to {event.command}"))

    def _gone(self, reason: str, detail: str) -> None:
        """Stop using the port; the session ends and run() reopens it after a while."""
        loop = asyncio.get_running_loop()
        if self._fd >= 0:
            loop.remove_reader(self._fd)
            loop.remove_writer(self._fd)
        self._lost_reason = self._lost_reason or (reason, detail)
        if self._lost is not None:
            self._lost.set()
        if self._reply is not None and not self._reply.done():
            self._reply.set_exception(ModemLost(*self._lost_reason))

    def _down(self, reason: str, detail: str) -> None:
        s = self.status
        if s.state != DOWN or s.detail != detail:
            log.warning("modem %s on %s is down: %s (%s)", s.name, s.port, reason, detail)
        s.state, s.reason, s.detail = DOWN, reason, detail
        s.operator = s.operator_code = s.registration = ""  # known no longer
        s.signal_dbm = None


def _why(exc: Exception) -> str:
    if isinstance(exc, OSError) and exc.errno is not None:
        return os.strerror(exc.errno) if exc.errno != errno.ENOENT else "no such device"
    return str(exc)
