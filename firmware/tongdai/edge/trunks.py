"""Keeping the box registered with SIP providers (the client side of RFC 3261 10.2).

Sans-I/O: the edge sends what `request()` builds through a client transaction
and hands back the response or the timeout; `next_at` says when to act again.
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING

from tongdai.sip.digest import authorization, pick_challenge
from tongdai.sip.errors import SipError
from tongdai.sip.fields import parse_credentials, parse_name_addr
from tongdai.sip.headers import Headers
from tongdai.sip.message import Request, Response
from tongdai.sip.transaction import MAGIC
from tongdai.sip.uri import SipUri

if TYPE_CHECKING:
    from tongdai.edge.core import Edge

log = logging.getLogger("tongdai.edge")
RETRY = 60.0  # seconds before trying again after a failure
TIMEOUT = 16.0


class TrunkRegistration:
    def __init__(self, trunk: dict, address: str) -> None:
        self.name = trunk["name"]
        self.host, self.port = trunk["host"], int(trunk["port"])
        self.address = address  # the provider's IP (its host name resolved)
        self.username, self.password = trunk["username"], trunk["password"]
        self.expires = int(trunk["expires"])
        self.call_id = secrets.token_hex(12)
        self.tag = secrets.token_hex(5)
        self.cseq = 0
        self.registered = False
        self.next_at = 0.0
        self.pending = False
        self._challenge: dict[str, str] | None = None
        self._challenge_header = "Authorization"
        self._nc = 0
        self._tries = 0  # challenges answered in a row without success

    def request(self, edge: Edge, *, expires: int | None = None) -> tuple[Request, str]:
        self.cseq += 1
        branch = MAGIC + secrets.token_hex(8)
        host, port = edge.config.advertise, edge.config.ports.get("UDP", 5060)
        aor = f"sip:{self.username}@{self.host}"
        uri = f"sip:{self.host}:{self.port}" if self.port != 5060 else f"sip:{self.host}"
        h = Headers()
        h.add("Via", f"SIP/2.0/UDP {host}:{port};branch={branch};rport")
        h.add("Max-Forwards", "70")
        h.add("From", f"<{aor}>;tag={self.tag}")
        h.add("To", f"<{aor}>")
        h.add("Call-ID", self.call_id)
        h.add("CSeq", f"{self.cseq} REGISTER")
        h.add("Contact", f"<sip:{self.username}@{host}:{port}>")
        h.add("Expires", str(self.expires if expires is None else expires))
        if self._challenge is not None:
            self._nc += 1
            h.add(
                self._challenge_header,
                authorization(
                    self._challenge, "REGISTER", uri, self.username, self.password, nc=self._nc
                ),
            )
        return Request("REGISTER", uri, h), branch

    def on_response(self, resp: Response, now: float) -> bool:
        """Take the provider's answer; True means send again now (a challenge to answer)."""
        self.pending = False
        if resp.status in (401, 407) and self._tries < 2:
            name = "WWW-Authenticate" if resp.status == 401 else "Proxy-Authenticate"
            challenges = []
            for value in resp.headers.get_all(name):
                try:
                    scheme, params = parse_credentials(value)
                except SipError:
                    continue
                if scheme.lower() == "digest":
                    challenges.append(params)
            challenge = pick_challenge(challenges)
            if challenge is not None:
                self._challenge, self._nc, self._tries = challenge, 0, self._tries + 1
                self._challenge_header = "Authorization" if resp.status == 401 else (
                    "Proxy-Authorization"
                )  # fmt: skip
                return True
        if resp.status == 423 and resp.headers.get("Min-Expires", "").isdigit():
            self.expires = int(resp.headers.get("Min-Expires"))
            return True
        if 200 <= resp.status < 300:
            self._tries = 0
            granted = self._granted(resp)
            self._set(True, now + max(30.0, granted * 0.8))
            return False
        log.warning("trunk %s: registration refused: %d %s", self.name, resp.status, resp.reason)
        self._tries = 0
        self._set(False, now + RETRY)
        return False

    def on_timeout(self, now: float) -> None:
        self.pending = False
        log.warning("trunk %s: no answer from %s:%d", self.name, self.address, self.port)
        self._set(False, now + RETRY)

    def _granted(self, resp: Response) -> int:
        """The expiry the provider granted our contact (its Contact param, else Expires)."""
        for value in resp.headers.values("Contact"):
            try:
                contact = parse_name_addr(value)
            except SipError:
                continue
            if isinstance(contact.uri, SipUri) and contact.uri.user == self.username:
                text = contact.params.get("expires")
                if text and text.isdigit():
                    return int(text)
        text = resp.headers.get("Expires", "")
        return int(text) if text.isdigit() else self.expires

    def _set(self, registered: bool, next_at: float) -> None:
        if registered != self.registered:
            log.info("trunk %s %s", self.name, "registered" if registered else "not registered")
        self.registered = registered
        self.next_at = next_at
