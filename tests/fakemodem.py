"""A fake USB modem on a pseudo-terminal: the driver opens the pty's path (through a
symlink, as /dev/serial/by-id/... is one) and this thread plays the modem on the master
side. It answers the status commands from its attributes, can go silent, send URCs, and
be unplugged (the pty closed, the path gone) and plugged in again (a new pty behind the
same path)."""

from __future__ import annotations

import os
import select
import threading
import tty
from pathlib import Path

IMSI = "452049876543210"
IMEI = "866758040123456"


class FakeModem:
    def __init__(self, link: Path) -> None:
        self.link = link
        self.sim = "READY"  # READY, SIM PIN, SIM PUK, or NOT INSERTED
        self.rssi = 20  # -73 dBm
        self.creg = 1  # home
        self.operator = "45204"  # Viettel
        self.silent = False
        self.echo = True
        self.commands: list[str] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._master = self._slave = -1
        self._thread: threading.Thread | None = None
        self.plug_in()

    def plug_in(self) -> None:
        self._master, self._slave = os.openpty()
        tty.setraw(self._slave)  # as pyserial leaves it; nothing echoes before it opens
        self.echo = True  # a modem starts with echo on
        self.link.unlink(missing_ok=True)
        self.link.symlink_to(os.ttyname(self._slave))
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def unplug(self) -> None:
        """The USB device goes away: the port errors out and its path disappears."""
        self._stop.set()
        self._thread.join(timeout=5)
        os.close(self._master)
        os.close(self._slave)
        self.link.unlink(missing_ok=True)

    def close(self) -> None:
        if not self._stop.is_set():
            self.unplug()

    def send(self, line: str) -> None:
        """A URC, or any line, from the modem."""
        with self._lock:
            os.write(self._master, f"\r\n{line}\r\n".encode())

    def _serve(self) -> None:
        pending = b""
        while not self._stop.is_set():
            ready, _, _ = select.select([self._master], [], [], 0.05)
            if not ready:
                continue
            try:
                pending += os.read(self._master, 1024)
            except OSError:
                continue  # no slave open yet (before the driver opens the port)
            while b"\r" in pending:
                raw, pending = pending.split(b"\r", 1)
                command = raw.decode().strip()
                if command and not self.silent:
                    self.commands.append(command)
                    reply = (command + "\r").encode() if self.echo else b""
                    lines, result = self._answer(command)
                    reply += b"".join(f"\r\n{line}\r\n".encode() for line in lines)
                    with self._lock:
                        os.write(self._master, reply + f"\r\n{result}\r\n".encode())

    def _answer(self, command: str) -> tuple[list[str], str]:
        no_sim = "+CME ERROR: 10"
        match command.upper():
            case "AT" | "AT+CMEE=1" | "AT+COPS=3,2":
                return [], "OK"
            case "ATE0":
                self.echo = False
                return [], "OK"
            case "AT+CGMI":
                return ["huawei"], "OK"
            case "AT+CGMM":
                return ["E173"], "OK"
            case "AT+CGSN":
                return [IMEI], "OK"
            case "AT+CIMI":
                return ([IMSI], "OK") if self.sim == "READY" else ([], no_sim)
            case "AT+CPIN?":
                return (
                    ([], no_sim) if self.sim == "NOT INSERTED" else ([f"+CPIN: {self.sim}"], "OK")
                )
            case "AT+CSQ":
                return [f"+CSQ: {self.rssi},99"], "OK"
            case "AT+CREG?":
                return [f"+CREG: 0,{self.creg}"], "OK"
            case "AT+COPS?":
                return [f'+COPS: 0,2,"{self.operator}",2'], "OK"
        return [], "ERROR"  # AT+CEREG? included: a 3G dongle
