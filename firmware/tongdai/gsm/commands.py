"""The `tongdai modem` commands: find the serial ports a modem may be on, and ask one for
its status. Registered into the main parser by tongdai.cli."""

from __future__ import annotations

import argparse
import asyncio
import contextlib

from serial.tools import list_ports

from tongdai.gsm.modem import STARTING, Modem

PROBE_WAIT = 15.0  # seconds `probe --port` waits for the modem's first status
# USB vendor ids of modem makers (a dongle also shows ports that are not its AT port)
MODEM_VENDORS = {
    0x12D1: "Huawei", 0x19D2: "ZTE", 0x2C7C: "Quectel", 0x1E0E: "SIMCom",
    0x1199: "Sierra Wireless", 0x2CB7: "Fibocom", 0x1BC7: "Telit", 0x1546: "u-blox",
}  # fmt: skip


def register(sub, group) -> None:
    modem = group(sub, "modem", "USB GSM/LTE modems")
    p = modem.add_parser("probe", help="list serial ports, or ask one modem for its status")
    p.add_argument("--port", help="a port to ask (AT commands), e.g. /dev/ttyUSB2")
    p.set_defaults(func=_probe)


def _probe(args: argparse.Namespace) -> int:
    if args.port:
        return _status(args.port)
    ports = sorted(list_ports.comports(), key=lambda p: p.device)
    if not ports:
        print("no serial ports")
    for port in ports:
        maker = MODEM_VENDORS.get(port.vid)
        ids = f"{port.vid:04x}:{port.pid:04x}" if port.vid is not None else "-"
        what = " ".join(x for x in (port.manufacturer, port.product) if x) or port.description
        mark = f"  <- modem ({maker})" if maker else ""
        print(f"{port.device:<16} {ids:<10} {what}{mark}")
    print("then: tongdai modem probe --port PORT (a dongle's AT port is often its 2nd/3rd)")
    return 0


def _status(port: str) -> int:
    status = asyncio.run(_ask(port))
    for field in ("state", "reason", "detail", "manufacturer", "model", "imei", "imsi",
                  "sim", "operator", "operator_code", "registration", "signal_dbm"):  # fmt: skip
        value = getattr(status, field)
        if value not in ("", None):
            print(f"{field + ':':<15}{value}")
    return 0 if status.up else 1


async def _ask(port: str):
    """One driver until its first status poll is done (or it gives up)."""
    modem = Modem("probe", port, backoff=(PROBE_WAIT, PROBE_WAIT))
    task = asyncio.create_task(modem.run())
    s = modem.status
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(PROBE_WAIT):
            while s.state == STARTING or (s.state == "up" and not s.registration):
                await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    return s
