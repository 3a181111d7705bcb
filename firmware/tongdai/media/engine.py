"""The media engine process (tongdai-media): pjsua2 driven over the control socket.

Started by the supervisor as `python -m tongdai.media.engine --control-fd N ...`.
Everything runs in this one thread: pjsua2 events are pumped with
libHandleEvents() between reads of the control socket.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import select
import signal
import socket
import sys
import time

from tongdai.media import protocol

log = logging.getLogger("tongdai.media.engine")

POLL_MS = 10  # how long pjsua2 may block before we look at the control socket


class Engine:
    def __init__(self, control: socket.socket, args: argparse.Namespace) -> None:
        from tongdai.media import endpoint  # imported here: pjsua2 loads only in this process

        self.control = control
        self.started = time.monotonic()
        self.running = True
        self.ep, self.sip_port = endpoint.create(args.sip_port, address="127.0.0.1")
        self.pjsip_version = self.ep.libVersion().full
        self.decoder = protocol.LineDecoder()

    def send(self, data: bytes) -> None:
        self.control.sendall(data)

    def handle(self, message: dict) -> None:
        request_id = message.get("id")
        name = message.get("cmd")
        if name is None or not isinstance(request_id, int):
            return  # not a command: nothing to answer
        if name == "ping":
            self.send(
                protocol.reply(
                    request_id,
                    {
                        "pjsip": self.pjsip_version,
                        "uptime": round(time.monotonic() - self.started, 3),
                    },
                )
            )
        elif name == "shutdown":
            self.send(protocol.reply(request_id))
            self.running = False
        else:
            self.send(protocol.error(request_id, f"unknown command {name!r}"))

    def run(self) -> None:
        self.send(
            protocol.event(
                "ready", pjsip=self.pjsip_version, sip_port=self.sip_port, pid=os.getpid()
            )
        )
        log.info(
            "media engine ready: pjsip %s, SIP on 127.0.0.1:%d", self.pjsip_version, self.sip_port
        )
        fd = self.control.fileno()
        while self.running:
            self.ep.libHandleEvents(POLL_MS)
            readable, _, _ = select.select([fd], [], [], 0)
            if not readable:
                continue
            data = self.control.recv(65536)
            if not data:
                log.info("control socket closed: shutting down")
                break
            try:
                for message in self.decoder.feed(data):
                    self.handle(message)
            except protocol.ProtocolError as exc:
                log.error("bad control message, closing: %s", exc)
                break

    def close(self) -> None:
        # Every pjsua2 object must be gone before libDestroy(), or the process
        # aborts on exit (DESIGN.md).
        gc.collect()
        self.ep.libDestroy()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tongdai-media")
    parser.add_argument("--control-fd", type=int, required=True)
    parser.add_argument("--sip-port", type=int, default=5080)
    parser.add_argument("--log-level", default="info")
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        format="%(levelname)s %(message)s",  # the supervisor adds time and name
        stream=sys.stderr,
    )
    control = socket.socket(fileno=args.control_fd)
    control.setblocking(True)

    engine = Engine(control, args)
    # SIGTERM ends the loop at its next turn; the supervisor escalates if needed.
    signal.signal(signal.SIGTERM, lambda *_: setattr(engine, "running", False))
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C goes to the main process
    try:
        engine.run()
    finally:
        engine.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
