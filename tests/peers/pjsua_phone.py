"""A pjsua2 desk phone for tests: registers an extension with the box, makes and takes
calls, plays a tone into a call and records what it hears.

Built on tongdai.media.endpoint (the project's own pjsua2 build). Everything is bound
and advertised on 127.0.0.1. Commands on stdin, one per line:

    call URI            call (through the box: it is the outbound proxy); an earlier
                        call stays (hold it first), the new one becomes current
    answer | ring       answer the ringing call (200) / send 180
    reject CODE         refuse the ringing call
    hangup              end the current call (BYE or CANCEL)
    hold | unhold       re-INVITE the current call sendonly / back to sendrecv
    use N               make call #N current
    xfer NUMBER         blind transfer of the current call (REFER)
    xferto N            attended transfer: REFER the current call to call #N's party
                        (Refer-To with Replaces naming call #N)
    conf                mix all calls with media (the phone's own three-way call)
    autoanswer CODE     answer incoming calls at once with CODE (0: let them ring)
    tone HZ             send a continuous sine tone of HZ into the call
    record PATH         record what the call delivers to us into a WAV file
    stoprecord          finish the WAV file
    dtmf DIGITS         RFC 4733 digits
    unregister | quit

Lines printed (flushed):
    STARTED | AUTOANSWER <code> | REG <code> <expires> | INCOMING <from> TO <to> #N
    STATE <state> <code> #N | MEDIA <up|hold|down> #N | DTMF <digit> | RECORDED <path>
    XFER <code> | ERROR <text>
    (#N: the call it is about, numbered from 1 in the order calls began)

    python tests/peers/pjsua_phone.py --registrar 127.0.0.1:5060 --user 201 \
        --password SECRET --transport tcp

With --provider PORT it plays a SIP provider instead: no registration and no proxy,
SIP on 127.0.0.1:PORT (UDP), calls as --user (the caller's number) to full URIs.
"""

import argparse
import os
import select
import sys

import pjsua2 as pj
from tongdai.media import endpoint

STATES = {
    pj.PJSIP_INV_STATE_CALLING: "calling",
    pj.PJSIP_INV_STATE_INCOMING: "incoming",
    pj.PJSIP_INV_STATE_EARLY: "early",
    pj.PJSIP_INV_STATE_CONNECTING: "connecting",
    pj.PJSIP_INV_STATE_CONFIRMED: "confirmed",
    pj.PJSIP_INV_STATE_DISCONNECTED: "disconnected",
}


def say(*parts) -> None:
    print(*parts, flush=True)


class PhoneCall(pj.Call):
    def __init__(self, phone, call_id=pj.PJSUA_INVALID_ID):
        super().__init__(phone, call_id)
        self.phone = phone
        phone.count += 1
        self.tag = f"#{phone.count}"

    def onCallState(self, prm):
        info = self.getInfo()
        say("STATE", STATES.get(info.state, "null"), info.lastStatusCode, self.tag)
        if info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            self.phone.call_ended(self)

    def onCallTransferStatus(self, prm):
        if prm.finalNotify:
            say("XFER", prm.statusCode)

    def onCallMediaState(self, prm):
        # Keep the CallInfo: iterating `self.getInfo().media` directly reads a vector
        # the freed temporary owned (SWIG), and statuses come out as garbage.
        info = self.getInfo()
        statuses = {mi.status for mi in info.media if mi.type == pj.PJMEDIA_TYPE_AUDIO}
        if pj.PJSUA_CALL_MEDIA_ACTIVE in statuses:
            say("MEDIA up", self.tag)
            self.phone.media_up(self)
        elif statuses & {pj.PJSUA_CALL_MEDIA_REMOTE_HOLD, pj.PJSUA_CALL_MEDIA_LOCAL_HOLD}:
            say("MEDIA hold", self.tag)
        else:
            say("MEDIA down", self.tag)

    def onDtmfDigit(self, prm):
        say("DTMF", prm.digit)


class Phone(pj.Account):
    def __init__(self):
        super().__init__()
        self.count = 0  # calls so far: their numbers
        self.calls: dict[str, PhoneCall] = {}  # live calls by "#N"
        self.call: PhoneCall | None = None  # the current one
        self.autoanswer = 0
        self.tone: pj.ToneGenerator | None = None
        self.tone_hz = 0
        self.recorder: pj.AudioMediaRecorder | None = None
        self.record_path = ""
        self.graveyard = []

    def onRegState(self, prm):
        info = self.getInfo()
        say("REG", prm.code, info.regExpiresSec)

    def onIncomingCall(self, prm):
        call = PhoneCall(self, prm.callId)
        info = call.getInfo()
        say("INCOMING", info.remoteUri, "TO", info.localUri, call.tag)
        op = pj.CallOpParam(True)
        if self.call is not None:
            op.statusCode = 486
            call.hangup(op)
            self.graveyard.append(call)
            return
        self.call = self.calls[call.tag] = call
        op.statusCode = self.autoanswer or 180  # a desk phone rings: 180 Ringing
        call.answer(op) if op.statusCode < 300 else call.hangup(op)

    def media_up(self, call):
        if call is not self.call:
            return  # a call in the background: the tone and recorder stay with the current
        audio = call.getAudioMedia(-1)
        if self.tone is not None:
            self.tone.startTransmit(audio)
        if self.recorder is not None:
            audio.startTransmit(self.recorder)

    def call_ended(self, call):
        self.calls.pop(call.tag, None)
        if call is self.call:
            self.call = None
        self.graveyard.append(call)

    def current(self) -> PhoneCall:
        if self.call is None:
            raise RuntimeError("no call")
        return self.call

    # -- commands -------------------------------------------------------------------

    def command(self, line: str, domain: str) -> None:
        name, _, arg = line.strip().partition(" ")
        op = pj.CallOpParam(True)
        if name == "call":
            self.call = PhoneCall(self)
            self.calls[self.call.tag] = self.call
            self.call.makeCall(arg if arg.startswith("sip:") else f"sip:{arg}@{domain}", op)
        elif name in ("answer", "ring", "reject"):
            op.statusCode = {"answer": 200, "ring": 180}.get(name) or int(arg)
            call = self.current()
            call.answer(op) if op.statusCode < 300 else call.hangup(op)
        elif name == "hold":
            self.current().setHold(op)
        elif name == "unhold":
            op.opt.flag = pj.PJSUA_CALL_UNHOLD
            self.current().reinvite(op)
        elif name == "use":
            self.call = self.calls[f"#{arg}"]
        elif name == "xfer":
            self.current().xfer(arg if arg.startswith("sip:") else f"sip:{arg}@{domain}", op)
        elif name == "xferto":
            self.current().xferReplaces(self.calls[f"#{arg}"], op)
        elif name == "hangup":
            if self.call is not None:
                self.call.hangup(op)
        elif name == "autoanswer":
            self.autoanswer = int(arg)
            say("AUTOANSWER", self.autoanswer)
        elif name == "tone":
            self.tone_hz = int(arg)
            self.tone = pj.ToneGenerator()
            self.tone.createToneGenerator(8000, 1)
            desc = pj.ToneDesc()
            desc.freq1, desc.freq2, desc.on_msec, desc.off_msec, desc.volume = (
                self.tone_hz,
                0,
                1000,
                0,
                0,
            )
            tones = pj.ToneDescVector()
            tones.append(desc)
            self.tone.play(tones, True)
            if self.call is not None and self.call.hasMedia():
                self.tone.startTransmit(self.call.getAudioMedia(-1))
        elif name == "record":
            self.record_path = arg
            self.recorder = pj.AudioMediaRecorder()
            self.recorder.createRecorder(arg)
            if self.call is not None and self.call.hasMedia():
                self.call.getAudioMedia(-1).startTransmit(self.recorder)
        elif name == "stoprecord":
            self.recorder = None  # destroying it finishes the WAV header
            say("RECORDED", self.record_path)
        elif name == "conf":  # the phone's own three-way call: mix all its calls
            audios = [c.getAudioMedia(-1) for c in self.calls.values() if c.hasMedia()]
            for a in audios:
                for b in audios:
                    if a is not b:
                        a.startTransmit(b)
        elif name == "dtmf":
            if self.call is not None:
                self.call.dialDtmf(arg)
        elif name == "unregister":
            self.setRegistration(False)
        else:
            raise RuntimeError(f"unknown command {name!r}")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registrar", help="host:port of the box")
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", default="")
    parser.add_argument("--provider", type=int, metavar="PORT", help="be a SIP provider")
    parser.add_argument("--transport", choices=("udp", "tcp"), default="udp")
    parser.add_argument("--expires", type=int, default=300)
    parser.add_argument("--rtp-port", type=int, default=40000)
    args = parser.parse_args()

    log_level = int(os.environ.get("PHONE_LOG", "1"))
    ep, _ = endpoint.create(args.provider or 0, address="127.0.0.1", log_level=log_level)
    if args.transport == "tcp":
        tcfg = pj.TransportConfig()
        tcfg.port = 0
        tcfg.boundAddress = "127.0.0.1"
        tcfg.publicAddress = "127.0.0.1"
        ep.transportCreate(pj.PJSIP_TRANSPORT_TCP, tcfg)
    host = args.registrar or "127.0.0.1"
    acfg = endpoint.account_config(
        f"sip:{args.user}@{host.split(':')[0]}",
        media_address="127.0.0.1",
        rtp_ports=(args.rtp_port, args.rtp_port + 98),
    )
    if not args.provider:
        acfg.regConfig.registrarUri = f"sip:{host};transport={args.transport}"
        acfg.regConfig.registerOnAdd = True
        acfg.regConfig.timeoutSec = args.expires
        acfg.sipConfig.proxies.append(f"sip:{host};transport={args.transport};lr")
        acfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", args.user, 0, args.password))
    phone = Phone()
    phone.create(acfg)
    say("STARTED")
    pending = b""
    try:
        while True:
            ep.libHandleEvents(20)
            phone.graveyard.clear()
            # Raw reads: select() on a buffered sys.stdin misses lines already buffered.
            ready, _, _ = select.select([0], [], [], 0)
            if not ready:
                continue
            data = os.read(0, 4096)
            if not data:
                break
            pending += data
            *lines, pending = pending.split(b"\n")
            for raw in lines:
                line = raw.decode().strip()
                if line == "quit":
                    return 0
                try:
                    phone.command(line, host)
                except (pj.Error, RuntimeError, ValueError) as exc:
                    say("ERROR", exc.info() if isinstance(exc, pj.Error) else str(exc))
    finally:
        phone.recorder = None
        phone.tone = None
        phone.call = None
        phone.graveyard.clear()
        phone.shutdown()
        del phone
        ep.libDestroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
