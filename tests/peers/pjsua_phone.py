"""A pjsua2 desk phone for tests: registers an extension with the box and reports it.

Built on tongdai.media.endpoint (the project's own pjsua2 build). Prints one line per
registration state change, "REG <status code> <expires>", and exits on stdin EOF or
"quit". Everything is bound and advertised on 127.0.0.1.

    python tests/peers/pjsua_phone.py --registrar 127.0.0.1:5060 --user 201 \
        --password SECRET --transport tcp
"""

import argparse
import select
import sys

import pjsua2 as pj
from tongdai.media import endpoint


class Phone(pj.Account):
    def onRegState(self, prm):
        info = self.getInfo()
        print(f"REG {prm.code} {info.regExpiresSec}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--registrar", required=True, help="host:port of the box")
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--transport", choices=("udp", "tcp"), default="udp")
    parser.add_argument("--expires", type=int, default=300)
    args = parser.parse_args()

    ep, _ = endpoint.create(0, address="127.0.0.1", log_level=1)
    if args.transport == "tcp":
        tcfg = pj.TransportConfig()
        tcfg.port = 0
        tcfg.boundAddress = "127.0.0.1"
        tcfg.publicAddress = "127.0.0.1"
        ep.transportCreate(pj.PJSIP_TRANSPORT_TCP, tcfg)
    host = args.registrar
    acfg = endpoint.account_config(
        f"sip:{args.user}@{host.split(':')[0]}", media_address="127.0.0.1", rtp_ports=(40000, 40099)
    )
    acfg.regConfig.registrarUri = f"sip:{host};transport={args.transport}"
    acfg.regConfig.registerOnAdd = True
    acfg.regConfig.timeoutSec = args.expires
    acfg.sipConfig.authCreds.append(pj.AuthCredInfo("digest", "*", args.user, 0, args.password))
    phone = Phone()
    phone.create(acfg)
    print("STARTED", flush=True)
    try:
        while True:
            ep.libHandleEvents(20)
            ready, _, _ = select.select([sys.stdin], [], [], 0)
            if ready:
                line = sys.stdin.readline()
                if not line or line.strip() == "quit":
                    break
                if line.strip() == "unregister":
                    phone.setRegistration(False)
    finally:
        del phone
        ep.libDestroy()
    return 0


if __name__ == "__main__":
    sys.exit(main())
