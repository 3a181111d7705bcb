"""A pjsua2 answering machine for tests: answers every INVITE with 200 and holds the call.

Built on tongdai.media.endpoint, so it runs the project's own pjsua2 build with the
media engine's configuration. Prints "READY <port>" when listening and, on SIGTERM,
"MAX_CONCURRENT <n> ANSWERED <n> FAILED <n>".

    python tests/peers/pjsua_uas.py --port 0 --rtp-ports 30000-31999
"""

import argparse
import signal
import sys

import pjsua2 as pj
from tongdai.media import endpoint


class Stats:
    current = 0
    max_concurrent = 0
    answered = 0
    failed = 0


class AnsweredCall(pj.Call):
    def __init__(self, account, call_id, calls: set):
        super().__init__(account, call_id)
        self.calls = calls
        self.confirmed = False

    def onCallState(self, prm):
        info = self.getInfo()
        if info.state == pj.PJSIP_INV_STATE_CONFIRMED and not self.confirmed:
            self.confirmed = True
            Stats.answered += 1
            Stats.current += 1
            Stats.max_concurrent = max(Stats.max_concurrent, Stats.current)
        elif info.state == pj.PJSIP_INV_STATE_DISCONNECTED:
            if self.confirmed:
                Stats.current -= 1
            # Drop every reference now: a Call destroyed later hangs up an unrelated call.
            self.calls.discard(self)


class Answerer(pj.Account):
    def __init__(self):
        super().__init__()
        self.calls: set[AnsweredCall] = set()

    def onIncomingCall(self, prm):
        call = AnsweredCall(self, prm.callId, self.calls)
        self.calls.add(call)
        op = pj.CallOpParam()
        op.statusCode = 200
        try:
            call.answer(op)
        except pj.Error:
            Stats.failed += 1
            self.calls.discard(call)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--rtp-ports", default="30000-31999")
    args = parser.parse_args()
    lo, hi = (int(x) for x in args.rtp_ports.split("-"))

    ep, port = endpoint.create(args.port, address="127.0.0.1", log_level=1)
    account = Answerer()
    account.create(
        endpoint.account_config(
            f"sip:uas@127.0.0.1:{port}", media_address="127.0.0.1", rtp_ports=(lo, hi)
        )
    )
    running = True

    def stop(*_):
        nonlocal running
        running = False

    signal.signal(signal.SIGTERM, stop)
    print(f"READY {port}", flush=True)
    while running:
        ep.libHandleEvents(20)
    print(
        f"MAX_CONCURRENT {Stats.max_concurrent} ANSWERED {Stats.answered} FAILED {Stats.failed}",
        flush=True,
    )
    ep.hangupAllCalls()
    for _ in range(20):
        ep.libHandleEvents(10)
    account.calls.clear()
    account.shutdown()
    del account
    ep.libDestroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
