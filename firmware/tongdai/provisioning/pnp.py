"""SIP plug-and-play (the ua-profile event of RFC 6080 as desk phones use it), sans-I/O.

On boot a phone sends SUBSCRIBE to 224.0.1.75:5060 with
`Event: ua-profile;profile-type="device";vendor=..;model=..;version=..` and its MAC in
the From user part (`MAC%3a000413874b49`). The box answers 200 OK, then a NOTIFY to the
phone's Contact whose body (application/url) is the provisioning URL.
"""

from __future__ import annotations

import dataclasses
import re
import secrets

from tongdai.sip.fields import parse_name_addr
from tongdai.sip.grammar import parse_params, unescape, unquote
from tongdai.sip.headers import Headers
from tongdai.sip.message import Request, make_response
from tongdai.sip.transaction import MAGIC
from tongdai.sip.uri import SipUri
from tongdai.sip.validate import check_request

GROUP = "224.0.1.75"
PORT = 5060
_MAC_RE = re.compile(r"(?:MAC:)?([0-9a-f]{12})", re.I)


@dataclasses.dataclass(frozen=True)
class ProfileRequest:
    mac: str  # 12 lower-case hex digits
    vendor: str  # as the phone says it, lower-cased
    model: str
    version: str


@dataclasses.dataclass(frozen=True)
class Answer:
    ok: bytes  # the 200 OK, to where the SUBSCRIBE came from
    notify: bytes  # the NOTIFY with the URL ...
    notify_to: tuple[str, int]  # ... to the phone's Contact


def read_subscribe(req: Request) -> ProfileRequest | None:
    """The phone's request for its device profile, or None for anything else (raises
    SipError for a malformed request)."""
    if req.method != "SUBSCRIBE":
        return None
    event = req.headers.get("Event") or ""
    package, semi, _ = event.partition(";")
    if package.strip().lower() != "ua-profile":
        return None
    params, _ = parse_params(event, len(package)) if semi else ({}, 0)
    if unquote(params.get("profile-type") or "").lower() != "device":
        return None
    checked = check_request(req)
    uri = checked.from_.uri
    m = _MAC_RE.fullmatch(unescape(uri.user or "")) if isinstance(uri, SipUri) else None
    if m is None or not req.headers.get("Contact"):
        return None
    return ProfileRequest(
        mac=m.group(1).lower(),
        vendor=unquote(params.get("vendor") or "").lower(),
        model=unquote(params.get("model") or ""),
        version=unquote(params.get("version") or ""),
    )


def profile_url(base: str, profile: ProfileRequest) -> str:
    """What the NOTIFY carries: the directory of the files, or for Snom (whose setting
    server is a file) the file named as the phone will ask for it."""
    if profile.vendor == "snom" and profile.model:
        model = profile.model[4:] if profile.model.lower().startswith("snom") else profile.model
        return f"{base}snom{model}-{profile.mac.upper()}.htm"
    return base


def answer(req: Request, url: str, local: tuple[str, int], *, tag: str | None = None) -> Answer:
    """The 200 OK to a ua-profile SUBSCRIBE (read by `read_subscribe`) and the NOTIFY that
    ends the subscription at once with the provisioning URL."""
    tag = tag or secrets.token_hex(5)
    host, port = local
    us = f"<sip:{host}:{port}>"
    ok = make_response(req, 200, to_tag=tag)
    ok.headers.add("Contact", us)
    ok.headers.add("Expires", "0")
    contact = parse_name_addr(req.headers.get("Contact")).uri
    if not isinstance(contact, SipUri):
        raise ValueError("the Contact is not a SIP URI")
    to = parse_name_addr(req.headers.get("To"))
    h = Headers()
    h.add("Via", f"SIP/2.0/UDP {host}:{port};branch={MAGIC}{secrets.token_hex(8)};rport")
    h.add("Max-Forwards", "70")
    h.add("From", f"<{to.uri}>;tag={tag}")
    h.add("To", req.headers.get("From"))
    h.add("Call-ID", req.call_id)
    h.add("CSeq", "1 NOTIFY")
    h.add("Contact", us)
    h.add("Event", req.headers.get("Event"))
    h.add("Subscription-State", "terminated;reason=timeout")
    h.add("Content-Type", "application/url")
    notify = Request("NOTIFY", str(contact), h, url.encode())
    return Answer(ok.encode(), notify.encode(), (contact.host_key, contact.port or 5060))
