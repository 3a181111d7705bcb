"""Relaying between phones/trunks and the media engine (RFC 3261 section 16, stateless).

Phones and trunks talk only to the edge; the media engine (a B2BUA on loopback)
talks only to the edge. The edge:
- authenticates initial requests from extensions (407) and tells the media engine who
  the caller is in `X-Tongdai-Identity`, a header only the edge may set;
- Record-Routes, so every in-dialog request passes here too;
- sends requests from the media engine along the flow the phone registered on
  (the NAT address, or its TCP/TLS connection), named by a flow token the edge puts
  in its Via and Record-Route entries;
- checks and trims bodies before they reach the media engine (`bouncer`).
Stateless: retransmissions are relayed again and the endpoints absorb them; branch
parameters are derived from the incoming ones so a retransmission and its CANCEL or
ACK get the same branch.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from tongdai.edge.bouncer import check_body
from tongdai.sip.digest import Outcome
from tongdai.sip.errors import SipError
from tongdai.sip.fields import parse_name_addr, parse_via
from tongdai.sip.grammar import unescape
from tongdai.sip.message import METHODS, Request, Response
from tongdai.sip.transaction import MAGIC
from tongdai.sip.uri import SipUri, parse_uri

if TYPE_CHECKING:
    from tongdai.edge.core import Edge, Incoming

IDENTITY = "X-Tongdai-Identity"  # the extension the edge authenticated
TRUNK = "X-Tongdai-Trunk"  # the trunk an inbound call came from
FLOW = "X-Tongdai-Flow"  # from the media engine: send this initial request along this flow
INTERNAL = (IDENTITY, TRUNK, FLOW)
FLOW_PARAM = "tdf"  # our Via / Record-Route parameter holding a flow token
DIALOG_METHODS = ("INVITE", "SUBSCRIBE", "REFER")
FORWARDED_INITIAL = ("INVITE", "MESSAGE")
# What the box accepts, for Allow headers (the edge itself and the media engine behind it).
ALLOW = (
    "INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, SUBSCRIBE, REFER, NOTIFY, INFO, MESSAGE, "
    "UPDATE, PRACK"
)


class Proxy:
    def __init__(self, edge: Edge) -> None:
        self.edge = edge

    # -- from phones and trunks to the media engine -----------------------------------------

    def from_outside(self, inc: Incoming) -> None:
        req, edge = inc.req, self.edge
        for name in INTERNAL:  # nobody outside may claim an identity
            req.headers.remove(name)
        if any(FLOW_PARAM in v.params for v in inc.checked.vias):
            edge.send_final(inc, edge.response(req, 482))
            return
        if inc.checked.max_forwards == 0:
            edge.send_final(inc, edge.response(req, 483))
            return
        if req.headers.values("Proxy-Require"):
            resp = edge.response(req, 420)
            resp.headers.add("Unsupported", ", ".join(req.headers.values("Proxy-Require")))
            edge.send_final(inc, resp)
            return
        in_dialog = inc.checked.to.tag is not None
        if not in_dialog and req.method not in ("CANCEL", "ACK"):
            if req.method not in FORWARDED_INITIAL:
                resp = edge.response(req, 405 if req.method in METHODS else 501)
                resp.headers.add("Allow", ALLOW)
                edge.send_final(inc, resp)
                return
            if not self._identify(inc):
                return
        try:
            req.body = check_body(req.method, req.headers.get("Content-Type"), req.body)
        except SipError as err:
            edge.send_final(inc, edge.response(req, err.status, err.reason))
            return
        media = edge.flows.media()
        if media is None:
            edge.send_final(inc, edge.response(req, 503, "Media engine restarting"))
            return
        token = edge.flows.token(inc.flow)
        if req.method in DIALOG_METHODS and not in_dialog:
            self._record_route(req, outside=inc.flow, token=token, toward_media=True)
        self._forward(req, inc, media, token, toward_media=True)

    def _identify(self, inc: Incoming) -> bool:
        """Who is calling: a trunk by its address, else an extension by digest (407)."""
        edge, req = self.edge, inc.req
        trunk = edge.trunk_for(*inc.flow.remote[:2])
        if trunk is not None:
            req.headers.add(TRUNK, trunk)
            return True
        verdict = edge.authenticate(req, "Proxy-Authorization", inc.now)
        if verdict is None:
            edge.challenge(inc, 407)
            return False
        if verdict.outcome is Outcome.STALE:
            edge.challenge(inc, 407, stale=True)
            return False
        if verdict.outcome is Outcome.FAILED:
            edge.auth_failed(inc)
            return False
        req.headers.remove("Proxy-Authorization")  # consumed here (RFC 3261 22.3)
        req.headers.add(IDENTITY, verdict.username)
        return True

    # -- from the media engine to phones and trunks -----------------------------------------

    def from_media(self, inc: Incoming) -> None:
        req, edge = inc.req, self.edge
        target, routes = None, []
        for value in req.headers.values("Route"):
            try:
                route = parse_name_addr(value)
            except SipError:
                routes.append(value)
                continue
            if isinstance(route.uri, SipUri) and edge.is_us(route.uri):
                token = route.uri.params.get(FLOW_PARAM)
                if token and target is None:
                    target = edge.flows.resolve(token)
                continue  # our own entries are consumed
            routes.append(value)
        if routes:
            req.headers.set_list("Route", routes)
        else:
            req.headers.remove("Route")
        given = req.headers.get(FLOW)
        req.headers.remove(FLOW)
        if target is None and given:
            target = edge.flows.resolve(given)
        if target is None:
            target = self._locate(req)
        if target is None:
            edge.send_final(inc, edge.response(req, 480, "Not registered"))
            return
        if inc.checked.max_forwards == 0:
            edge.send_final(inc, edge.response(req, 483))
            return
        if req.method in DIALOG_METHODS and inc.checked.to.tag is None:
            self._record_route(
                req, outside=target, token=edge.flows.token(target), toward_media=False
            )
        self._forward(req, inc, target, None, toward_media=False)

    def _locate(self, req: Request):
        """An initial request to an extension: its most recent reachable contact."""
        uri = parse_uri(req.uri)
        if not isinstance(uri, SipUri):
            return None
        if not self.edge.is_us(uri):
            # not one of ours: a trunk's provider, by the address its host name resolved to
            address = self.edge.flows.address_of(uri.host_key)
            if address is not None:
                return self.edge.flows.udp((address, uri.port or 5060))
            return None
        for binding in self.edge.location.ring_order(unescape(uri.user or "")):
            flow = self.edge.flows.for_binding(binding)
            if flow is not None:
                req.uri = binding.contact
                return flow
        return None

    # -- both ways ----------------------------------------------------------------------

    def _record_route(self, req: Request, *, outside, token: str, toward_media: bool) -> None:
        """Two entries (RFC 5658): one for the outside flow's transport, one for the media
        side on loopback UDP. The media side carries the flow token back to us."""
        edge = self.edge
        host, port = edge.config.advertise, edge.config.ports.get(outside.transport, 5060)
        outer = f"<sip:{host}:{port};transport={outside.transport.lower()};lr>"
        m_host, m_port = edge.config.media_side
        inner = f"<sip:{m_host}:{m_port};lr;{FLOW_PARAM}={token}>"
        # The entry nearest the UAS goes on top.
        top, bottom = (inner, outer) if toward_media else (outer, inner)
        req.headers.insert("Record-Route", bottom)
        req.headers.insert("Record-Route", top)

    def _forward(self, req: Request, inc: Incoming, target, token, *, toward_media: bool) -> None:
        edge = self.edge
        top = inc.checked.vias[0]
        seed = f"{top.branch}|{top.host}|{top.port}|{inc.flow.remote}"
        if req.method == "ACK" and inc.checked.to.tag is None:
            seed += "|ack"
        branch = MAGIC + hashlib.md5(seed.encode()).hexdigest()[:20]
        if toward_media:
            host, port = edge.config.media_side
            via = f"SIP/2.0/UDP {host}:{port};branch={branch};{FLOW_PARAM}={token}"
        else:
            host, port = edge.config.advertise, edge.config.ports.get(target.transport, 5060)
            via = f"SIP/2.0/{target.transport} {host}:{port};branch={branch};rport;{FLOW_PARAM}=m"
        req.headers.insert("Via", via)
        mf = inc.checked.max_forwards
        req.headers.set("Max-Forwards", str(70 if mf is None else mf - 1))
        edge.stats.forwarded += 1
        target.send(req.encode())

    def relay_response(self, resp: Response, flow, from_media: bool) -> None:
        """A response to a request we relayed: drop our Via, send it where the next one says."""
        vias = resp.headers.values("Via")
        if len(vias) < 2:
            return
        try:
            ours, nxt = parse_via(vias[0]), parse_via(vias[1])
        except SipError:
            return
        token = ours.params.get(FLOW_PARAM)
        if token is None:
            return  # not ours: a stray
        resp.headers.set_list("Via", vias[1:])
        if from_media:
            target = self.edge.flows.resolve(token)
            if target is None and nxt.transport == "UDP":
                host = nxt.params.get("received") or nxt.host
                port = int(nxt.params.get("rport") or nxt.port or 5060)
                target = self.edge.flows.udp((host, port))
        else:
            target = self.edge.flows.media()
        if target is not None:
            target.send(resp.encode())
