"""The media engine process (tongdai-media): pjsua2 driven over the control socket.

Started by the supervisor as `python -m tongdai.media.engine --control-fd N ...`.
Everything runs in this one thread: pjsua2 events are pumped with
libHandleEvents() between reads of the control socket. The commands and events are
documented in `tongdai.media.protocol`.

Object ids: the main process names what it creates (originated channels, bridges,
playbacks, recordings, snoops), so an event can never arrive for an id it does not
know yet; channels of incoming calls are named here ("i1", "i2"...).
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import ctypes.util
import gc
import itertools
import logging
import os
import re
import select
import signal
import socket
import sys
import time
from pathlib import Path
from typing import Any

from tongdai.media import graph, protocol, tones

log = logging.getLogger("tongdai.media.engine")

POLL_MS = 10  # how long pjsua2 may block before we look at the control socket
ACCOUNT_LIMIT = 250  # pooled caller identities (the build's PJSUA_MAX_ACC is 256)
ID_RE = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
MAX_FILES = 64


class CommandError(Exception):
    """A command that cannot be carried out; the reply says why."""


class Engine:
    def __init__(self, control: socket.socket, args: argparse.Namespace) -> None:
        import pjsua2 as pj  # imported here: pjsua2 loads only in this process

        from tongdai.media import endpoint, legs

        self.pj, self.legs_mod = pj, legs
        self.control = control
        self.started = time.monotonic()
        self.rtp_done = (0, 0)  # RTP received and lost on legs that have ended
        self.running = True
        self.ep, self.sip_port = endpoint.create(
            args.sip_port, address="127.0.0.1", codecs=tuple(args.codecs.split(",")),
            clock_rate=args.clock_rate,
        )  # fmt: skip
        self.pjsip_version = self.ep.libVersion().full
        self.decoder = protocol.LineDecoder()
        low, high = (int(p) for p in args.rtp_ports.split("-"))
        self.accounts = legs.Accounts(
            host=args.domain,
            proxy=f"sip:{args.proxy};lr",
            media_address=args.media_address,
            rtp_ports=(low, high),
            limit=ACCOUNT_LIMIT,
        )
        self.accounts.default.engine = self
        self.recordings_dir = Path(args.recordings).resolve()
        self.sounds_dir = Path(args.sounds).resolve() if args.sounds else None
        self.legs: dict[str, legs.Leg] = {}
        self.nodes: dict[str, Any] = {}  # playback/recording id -> player, tone or recorder
        self.interrupt: dict[str, str] = {}  # playback id -> channel whose DTMF stops it
        self.graph = graph.Graph()
        self.applied: set[tuple[str, str]] = set()
        self.incoming_ids = itertools.count(1)
        self.graveyard: list[Any] = []  # pjsua2 objects to drop outside their callbacks
        self.eofs: list[str] = []  # playbacks whose file ended (see legs.Player.onEof2)

    # -- protocol ------------------------------------------------------------------------

    def send(self, data: bytes) -> None:
        self.control.sendall(data)

    def emit(self, name: str, **fields: Any) -> None:
        self.send(protocol.event(name, **fields))

    def handle(self, message: dict) -> None:
        request_id = message.get("id")
        name = message.get("cmd")
        if name is None or not isinstance(request_id, int):
            return  # not a command: nothing to answer
        method = getattr(self, f"cmd_{name}", None)
        if method is None:
            self.send(protocol.error(request_id, f"unknown command {name!r}"))
            return
        try:
            result = method(message)
        except CommandError as exc:
            self.send(protocol.error(request_id, str(exc)))
        except self.pj.Error as exc:
            self.send(protocol.error(request_id, f"{name}: {exc.reason} ({exc.status})"))
        else:
            self.send(protocol.reply(request_id, result))

    # -- commands: the engine ------------------------------------------------------------

    def cmd_ping(self, msg: dict) -> dict:
        _trim_heap()
        live = [leg.sample_rtp() for leg in self.legs.values()]
        return {
            "pjsip": self.pjsip_version,
            "uptime": round(time.monotonic() - self.started, 3),
            "channels": len(self.legs),
            # since the engine started: RTP packets received and lost on all legs
            "rtp_received": self.rtp_done[0] + sum(rx for rx, _ in live),
            "rtp_lost": self.rtp_done[1] + sum(lost for _, lost in live),
        }

    def cmd_shutdown(self, msg: dict) -> dict:
        self.running = False
        return {}

    # -- commands: channels --------------------------------------------------------------

    def cmd_originate(self, msg: dict) -> dict:
        channel = self._new_id(msg, "channel", self.legs)
        to = _text(msg, "to")
        if not to.startswith(("sip:", "<sip:")):
            raise CommandError("to must be a sip: URI")
        caller = msg.get("caller")
        if caller is not None and not isinstance(caller, str):
            raise CommandError("caller must be a name-addr string")
        auth = msg.get("auth")
        if auth is not None and not (
            isinstance(auth, dict) and {"username", "password"} <= auth.keys()
        ):
            raise CommandError("auth needs username and password")
        account = self.accounts.for_caller(caller, auth)
        leg = self.legs_mod.Leg(self, account, channel)
        prm = self.pj.CallOpParam(True)
        for key, value in _headers(msg).items():
            header = self.pj.SipHeader()
            header.hName, header.hValue = key, value
            prm.txOption.headers.append(header)
        self.legs[channel] = leg
        self.accounts.hold(account)
        try:
            leg.makeCall(to, prm)
        except self.pj.Error:
            self._forget(leg)
            raise
        return {"channel": channel}

    def cmd_ring(self, msg: dict) -> dict:
        self._answer(msg, 180)
        return {}

    def cmd_progress(self, msg: dict) -> dict:
        """183 with SDP: early media (tones, announcements) before an answer."""
        self._answer(msg, 183)
        return {}

    def cmd_answer(self, msg: dict) -> dict:
        self._answer(msg, 200)
        return {}

    def _answer(self, msg: dict, code: int) -> None:
        leg = self._leg(msg)
        if leg.state not in ("incoming", "early"):
            raise CommandError(f"channel {leg.channel} is {leg.state}, not ringing in")
        prm = self.pj.CallOpParam(True)
        prm.statusCode = code
        leg.answer(prm)

    def cmd_reject(self, msg: dict) -> dict:
        leg = self._leg(msg)
        code = msg.get("code", 486)
        if not isinstance(code, int) or not 300 <= code <= 699:
            raise CommandError("code must be a final SIP status 300-699")
        if leg.state not in ("incoming", "early"):
            raise CommandError(f"channel {leg.channel} is {leg.state}: use hangup")
        self._hangup(leg, code, msg.get("reason"))
        return {}

    def cmd_hangup(self, msg: dict) -> dict:
        leg = self._leg(msg)
        code = msg.get("code", 0)
        if not isinstance(code, int) or not (code == 0 or 200 <= code <= 699):
            raise CommandError("code must be 0 or a SIP status")
        self._hangup(leg, code, msg.get("reason"))
        return {}

    def _hangup(self, leg, code: int, reason: Any) -> None:
        if leg.state == "hungup":
            return
        leg.hung_up_locally = True
        prm = self.pj.CallOpParam(True)
        prm.statusCode = code
        if isinstance(reason, str) and reason:
            prm.reason = reason[:64]
        leg.hangup(prm)

    def cmd_dtmf(self, msg: dict) -> dict:
        leg = self._leg(msg)
        digits = _text(msg, "digits")
        if not re.fullmatch(r"[0-9*#A-Da-d]{1,32}", digits):
            raise CommandError("digits: 1-32 of 0-9 * # A-D")
        leg.dialDtmf(digits)
        return {}

    # -- commands: bridges -------------------------------------------------------------

    def cmd_bridge_create(self, msg: dict) -> dict:
        bridge = self._new_id(msg, "bridge", self.graph.bridges)
        self.graph.bridges[bridge] = graph.Bridge()
        return {"bridge": bridge}

    def cmd_bridge_add(self, msg: dict) -> dict:
        bridge = self._bridge(msg)
        leg = self._leg(msg)
        current = self.graph.bridge_of(leg.channel)
        if current is not None and current != bridge:
            self.graph.bridges[current].members.remove(leg.channel)
        if leg.channel not in self.graph.bridges[bridge].members:
            self.graph.bridges[bridge].members.append(leg.channel)
        self.reconnect()
        return {"members": list(self.graph.bridges[bridge].members)}

    def cmd_bridge_remove(self, msg: dict) -> dict:
        bridge = self._bridge(msg)
        channel = _text(msg, "channel")
        members = self.graph.bridges[bridge].members
        if channel in members:
            members.remove(channel)
        self.reconnect()
        return {"members": list(members)}

    def cmd_bridge_destroy(self, msg: dict) -> dict:
        bridge = self._bridge(msg)
        del self.graph.bridges[bridge]
        for key in [k for k, p in self.graph.playbacks.items() if p.target == bridge]:
            self._end_playback(key, "stopped")
        for key in [k for k, r in self.graph.recordings.items() if r.target == bridge]:
            self._end_recording(key, "stopped")
        self.reconnect()
        return {}

    # -- commands: playbacks, tones, recordings, snoops --------------------------------

    def cmd_play(self, msg: dict) -> dict:
        playback = self._new_id(msg, "playback", self.nodes)
        target = self._target(msg)
        files = msg.get("files")
        if not isinstance(files, list) or not 1 <= len(files) <= MAX_FILES:
            raise CommandError(f"files: a list of 1-{MAX_FILES} sound files")
        paths = [self._sound(f) for f in files]
        loop = bool(msg.get("loop", False))
        player = self.legs_mod.Player(self, playback)
        options = 0 if loop else self.pj.PJMEDIA_FILE_NO_LOOP
        if len(paths) == 1:
            player.createPlayer(paths[0], options)
        else:
            player.createPlaylist(paths, "", options)
        self._start_playback(playback, player, target, msg)
        return {"playback": playback}

    def cmd_tone(self, msg: dict) -> dict:
        playback = self._new_id(msg, "playback", self.nodes)
        target = self._target(msg)
        try:
            segments = tones.segments(msg.get("tone"))
        except tones.ToneError as exc:
            raise CommandError(str(exc)) from None
        generator = self.pj.ToneGenerator()
        generator.createToneGenerator(8000, 1)
        descs = self.pj.ToneDescVector()
        for f1, f2, on, off in segments:
            desc = self.pj.ToneDesc()
            desc.freq1, desc.freq2, desc.on_msec, desc.off_msec = f1, f2, on, off
            desc.volume = 0
            descs.append(desc)
        generator.play(descs, bool(msg.get("loop", True)))
        self._start_playback(playback, generator, target, msg)
        return {"playback": playback}

    def _start_playback(self, playback: str, node: Any, target: str, msg: dict) -> None:
        self.nodes[playback] = node
        self.graph.playbacks[playback] = graph.Playback(playback, target)
        if msg.get("interrupt") and target in self.legs:
            self.interrupt[playback] = target
        self.reconnect()

    def cmd_stop(self, msg: dict) -> dict:
        playback = _text(msg, "playback")
        if playback not in self.graph.playbacks:
            raise CommandError(f"no playback {playback!r}")
        self._end_playback(playback, "stopped")
        self.reconnect()
        return {}

    def cmd_record(self, msg: dict) -> dict:
        recording = self._new_id(msg, "recording", self.nodes)
        target = self._target(msg)
        name = _text(msg, "file")
        path = (self.recordings_dir / name).resolve()
        if self.recordings_dir not in path.parents or path.suffix.lower() != ".wav":
            raise CommandError("file must be a .wav path inside the recordings directory")
        path.parent.mkdir(parents=True, exist_ok=True)
        recorder = self.pj.AudioMediaRecorder()
        recorder.createRecorder(str(path))
        self.nodes[recording] = recorder
        self.graph.recordings[recording] = graph.Recording(
            recording, target, mix=bool(msg.get("mix", True))
        )
        self.reconnect()
        return {"recording": recording, "path": str(path)}

    def cmd_record_stop(self, msg: dict) -> dict:
        recording = _text(msg, "recording")
        if recording not in self.graph.recordings:
            raise CommandError(f"no recording {recording!r}")
        self._end_recording(recording, "stopped")
        self.reconnect()
        return {}

    def cmd_snoop(self, msg: dict) -> dict:
        snoop = self._new_id(msg, "snoop", self.graph.snoops)
        spy = self._leg(msg, "spy").channel
        target = self._leg(msg, "target").channel
        mode = msg.get("mode", "listen")
        if mode not in graph.SNOOP_MODES:
            raise CommandError(f"mode must be one of {', '.join(graph.SNOOP_MODES)}")
        if spy == target:
            raise CommandError("a channel cannot snoop on itself")
        self.graph.snoops[snoop] = graph.Snoop(spy, target, mode)
        self.reconnect()
        return {"snoop": snoop}

    def cmd_snoop_mode(self, msg: dict) -> dict:
        snoop = self.graph.snoops.get(_text(msg, "snoop"))
        mode = msg.get("mode")
        if snoop is None:
            raise CommandError("no such snoop")
        if mode not in graph.SNOOP_MODES:
            raise CommandError(f"mode must be one of {', '.join(graph.SNOOP_MODES)}")
        snoop.mode = mode
        self.reconnect()
        return {}

    def cmd_snoop_stop(self, msg: dict) -> dict:
        if self.graph.snoops.pop(_text(msg, "snoop"), None) is None:
            raise CommandError("no such snoop")
        self.reconnect()
        return {}

    # -- lookups -----------------------------------------------------------------------

    def _new_id(self, msg: dict, field: str, taken: dict) -> str:
        value = msg.get(field)
        if not isinstance(value, str) or not ID_RE.fullmatch(value):
            raise CommandError(f"{field}: an id of 1-64 letters, digits or _.:-")
        if value in taken or value in self.graph.snoops or value in self.graph.bridges:
            raise CommandError(f"{field} {value!r} exists already")
        return value

    def _leg(self, msg: dict, field: str = "channel"):
        channel = msg.get(field)
        leg = self.legs.get(channel) if isinstance(channel, str) else None
        if leg is None:
            raise CommandError(f"no channel {channel!r}")
        return leg

    def _bridge(self, msg: dict) -> str:
        bridge = msg.get("bridge")
        if not isinstance(bridge, str) or bridge not in self.graph.bridges:
            raise CommandError(f"no bridge {bridge!r}")
        return bridge

    def _target(self, msg: dict) -> str:
        target = msg.get("target")
        if isinstance(target, str) and (target in self.legs or target in self.graph.bridges):
            return target
        raise CommandError(f"target {target!r} is neither a channel nor a bridge")

    def _sound(self, name: Any) -> str:
        """A sound file: an absolute path given by the main process (it resolves prompt
        names and languages), or a name under --sounds."""
        if not isinstance(name, str) or not name:
            raise CommandError("a sound file name must be a non-empty string")
        path = Path(name) if os.path.isabs(name) else (self.sounds_dir or Path(".")) / name
        if not path.is_file():
            raise CommandError(f"no sound file {name!r}")
        return str(path)

    # -- leg callbacks (from legs.Leg) ---------------------------------------------------

    def incoming(self, account, call_id: int, raw: str) -> None:
        channel = f"i{next(self.incoming_ids)}"
        leg = self.legs_mod.Leg(self, account, channel, call_id)
        leg.state = "incoming"
        self.legs[channel] = leg
        self.accounts.hold(account)
        self.emit("channel_new", channel=channel, **describe_invite(raw))

    def leg_state(self, leg, state: str, code: int, call_id: str) -> None:
        self.emit("channel_state", channel=leg.channel, state=state, code=code, call_id=call_id)

    def leg_media(self, leg) -> None:
        # Its conference port may be new after a re-INVITE: forget what we applied.
        self.applied = {(a, b) for a, b in self.applied if leg.channel not in (a, b)}
        self.reconnect()
        self.emit("channel_media", channel=leg.channel, media=leg.media)

    def leg_transfer(self, leg, refer_to: str) -> None:
        self.emit("transfer", channel=leg.channel, to=refer_to)

    def leg_dtmf(self, leg, digit: str, method: str) -> None:
        self.emit("dtmf", channel=leg.channel, digit=digit, method=method)
        for playback, channel in list(self.interrupt.items()):
            if channel == leg.channel:
                self._end_playback(playback, "dtmf")
        self.reconnect()

    def leg_ended(self, leg, code: int, reason: str) -> None:
        by = "local" if leg.hung_up_locally else "remote"
        for kind, key in self.graph.drop_channel(leg.channel):
            if kind != "snoop":
                self._end_node(key, kind, "channel_gone")
        self.interrupt = {k: c for k, c in self.interrupt.items() if c != leg.channel}
        self.applied = {(a, b) for a, b in self.applied if leg.channel not in (a, b)}
        self._forget(leg)
        self.reconnect()
        self.emit("channel_hungup", channel=leg.channel, code=code, reason=reason, by=by)

    def _forget(self, leg) -> None:
        if self.legs.pop(leg.channel, None) is not None:
            rx, lost = leg.rtp
            self.rtp_done = (self.rtp_done[0] + rx, self.rtp_done[1] + lost)
        self.accounts.release(leg.account)
        self.graveyard.append(leg)  # dropped after this callback returns (DESIGN.md)

    def playback_eof(self, playback: str) -> None:
        if playback in self.graph.playbacks:
            self._end_playback(playback, "done")
            self.reconnect()

    # -- the mix -------------------------------------------------------------------------

    def _end_playback(self, playback: str, reason: str) -> None:
        self.graph.playbacks.pop(playback, None)
        self._end_node(playback, "playback", reason)

    def _end_recording(self, recording: str, reason: str) -> None:
        self.graph.recordings.pop(recording, None)
        self._end_node(recording, "recording", reason)

    def _end_node(self, key: str, kind: str, reason: str) -> None:
        self.interrupt.pop(key, None)
        for a, b in [e for e in self.applied if key in e]:
            self._transmit(a, b, start=False)
            self.applied.discard((a, b))
        node = self.nodes.pop(key, None)
        if node is not None:
            self.graveyard.append(node)
        self.emit(f"{kind}_end", **{kind: key}, reason=reason)

    def _port(self, name: str):
        if name in self.legs:
            return self.legs[name].audio()
        return self.nodes.get(name)

    def _transmit(self, a: str, b: str, *, start: bool) -> bool:
        src, sink = self._port(a), self._port(b)
        if src is None or sink is None:
            return False
        try:
            if start:
                src.startTransmit(sink)
            else:
                src.stopTransmit(sink)
        except self.pj.Error as exc:
            log.warning("conference %s %s -> %s: %s", "connect" if start else "cut", a, b,
                        exc.reason)  # fmt: skip
            return False
        return True

    def reconnect(self) -> None:
        """Bring the conference bridge's connections in line with the objects."""
        live = {c for c, leg in self.legs.items() if leg.media != "down"} | set(self.nodes)
        start, stop = graph.diff(self.applied, self.graph.wanted(live))
        for a, b in stop:
            self._transmit(a, b, start=False)
            self.applied.discard((a, b))
        for a, b in start:
            if self._transmit(a, b, start=True):
                self.applied.add((a, b))

    # -- the loop ------------------------------------------------------------------------

    def run(self) -> None:
        self.emit("ready", pjsip=self.pjsip_version, sip_port=self.sip_port, pid=os.getpid())
        log.info(
            "media engine ready: pjsip %s, SIP on 127.0.0.1:%d", self.pjsip_version, self.sip_port
        )
        fd = self.control.fileno()
        while self.running:
            self.ep.libHandleEvents(POLL_MS)
            while self.eofs:
                self.playback_eof(self.eofs.pop(0))
            self.graveyard.clear()
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
            self.graveyard.clear()

    def close(self) -> None:
        """End every call, then free every pjsua2 object before libDestroy() (DESIGN.md:
        the process aborts on exit otherwise)."""
        with contextlib.suppress(self.pj.Error):
            self.ep.hangupAllCalls()
        deadline = time.monotonic() + 2.0
        while self.legs and time.monotonic() < deadline:
            self.ep.libHandleEvents(20)
        self.legs.clear()
        self.nodes.clear()
        self.graveyard.clear()
        self.accounts.shutdown()
        gc.collect()
        self.ep.libDestroy()


_libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")


def _trim_heap() -> None:
    """Give freed heap back to the system (at each ping). pjsip frees its per-message
    buffers and per-call pools to malloc, which keeps them; trimming took about 3 MB
    off the engine's RSS with 100 calls up (bench/media_calls.py)."""
    with contextlib.suppress(AttributeError):  # not glibc
        _libc.malloc_trim(0)


def _text(msg: dict, field: str) -> str:
    value = msg.get(field)
    if not isinstance(value, str) or not value:
        raise CommandError(f"{field} is required (a non-empty string)")
    return value


def _headers(msg: dict) -> dict[str, str]:
    headers = msg.get("headers") or {}
    if not isinstance(headers, dict):
        raise CommandError("headers must be an object")
    out = {}
    for key, value in headers.items():
        if not re.fullmatch(r"[A-Za-z0-9-]{1,64}", str(key)) or not isinstance(value, str):
            raise CommandError(f"bad header {key!r}")
        if "\r" in value or "\n" in value or len(value) > 512:
            raise CommandError(f"bad value for header {key}")
        out[key] = value
    return out


def describe_invite(raw: str) -> dict[str, Any]:
    """What the main process needs from an incoming INVITE: who, to whom, via what."""
    from tongdai.sip.errors import SipError
    from tongdai.sip.fields import parse_name_addr
    from tongdai.sip.grammar import unescape
    from tongdai.sip.message import parse
    from tongdai.sip.uri import SipUri, parse_uri

    out: dict[str, Any] = {}
    try:
        req = parse(raw.encode("utf-8", "surrogateescape"))
    except SipError:
        return out
    headers = req.headers

    def user_of(value: str | None) -> tuple[str, str]:
        if not value:
            return "", ""
        try:
            na = parse_name_addr(value)
        except SipError:
            return "", ""
        user = unescape(na.uri.user or "") if isinstance(na.uri, SipUri) else ""
        return user, na.display or ""

    out["from_user"], out["from_name"] = user_of(headers.get("From"))
    out["to_user"], _ = user_of(headers.get("To"))
    try:
        uri = parse_uri(getattr(req, "uri", ""))
        out["uri_user"] = unescape(uri.user or "") if isinstance(uri, SipUri) else ""
    except SipError:
        out["uri_user"] = ""
    out["call_id"] = headers.get("Call-ID") or ""
    out["identity"] = headers.get("X-Tongdai-Identity")
    out["trunk"] = headers.get("X-Tongdai-Trunk")
    pai = headers.get("P-Asserted-Identity")
    if pai:
        out["pai_user"], out["pai_name"] = user_of(pai)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="tongdai-media")
    parser.add_argument("--control-fd", type=int, required=True)
    parser.add_argument("--sip-port", type=int, default=5080)
    parser.add_argument("--proxy", default="127.0.0.1:5060", help="the edge, host:port")
    parser.add_argument("--domain", default="127.0.0.1", help="host part of caller URIs")
    parser.add_argument("--media-address", default="127.0.0.1")
    parser.add_argument("--rtp-ports", default="10000-10999")
    parser.add_argument("--codecs", default="PCMU/8000/1,PCMA/8000/1,G722/16000/1")
    parser.add_argument("--clock-rate", type=int, choices=(8000, 16000), default=8000)
    parser.add_argument("--recordings", default="var/recordings")
    parser.add_argument("--sounds", default="")
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
