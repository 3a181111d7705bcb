"""The edge's protocol logic: what happens to each SIP message that arrives.

No sockets and no asyncio here: messages arrive with the flow they came on
and the time; answers leave through `flow.send`. The asyncio side
(`edge.server`) owns sockets, timers and the database.
"""

from __future__ import annotations

import dataclasses
import logging
import secrets
import time
from collections.abc import Callable

from tongdai.edge.guard import Guard, GuardConfig
from tongdai.edge.location import Binding, Location
from tongdai.edge.proxy import ALLOW, Proxy
from tongdai.edge.registrar import Registrar, RegistrarConfig
from tongdai.edge.subscriptions import Subscription, SubscriptionConfig, Subscriptions
from tongdai.edge.trunks import TIMEOUT as TRUNK_TIMEOUT
from tongdai.edge.trunks import TrunkRegistration
from tongdai.sip.digest import DigestServer, Outcome
from tongdai.sip.errors import SipError
from tongdai.sip.fields import Via, parse_credentials, parse_via
from tongdai.sip.grammar import unescape
from tongdai.sip.headers import Headers
from tongdai.sip.message import METHODS, Request, Response, make_response, parse
from tongdai.sip.transaction import MAGIC, ClientTransactions, ServerTransactions, server_key
from tongdai.sip.uri import SipUri
from tongdai.sip.validate import Checked, check_request

log = logging.getLogger("tongdai.edge")

SUPPORTED: frozenset[str] = frozenset()  # extensions the edge itself implements (Require)


class Incoming:
    """A request that passed the checks, with where it came from and where answers go.
    Compiled, it is an extension type (core.pxd): one is made for every request."""

    __slots__ = ("checked", "flow", "key", "now", "reply", "req")

    def __init__(self, req: Request, checked: Checked, key: tuple, flow, reply, now: float) -> None:
        self.req = req
        self.checked = checked
        self.key = key  # its server transaction
        self.flow = flow  # the flow it arrived on
        self.reply = reply  # the flow responses go to
        self.now = now

    def _astuple(self) -> tuple:
        return (self.req, self.checked, self.key, self.flow, self.reply, self.now)

    def __eq__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self._astuple() == other._astuple()

    def __repr__(self) -> str:
        names = ("req", "checked", "key", "flow", "reply", "now")
        pairs = ", ".join(f"{n}={v!r}" for n, v in zip(names, self._astuple(), strict=True))
        return f"Incoming({pairs})"


class NoFlows:
    """Flow lookups before the transports exist (and in tests that need none)."""

    def media(self):
        return None

    def token(self, flow) -> str:
        return "x"

    def resolve(self, token: str):
        return None

    def udp(self, remote: tuple[str, int]):
        return None

    def for_binding(self, binding: Binding):
        return None

    def address_of(self, host: str) -> str | None:
        return None


@dataclasses.dataclass(frozen=True)
class EdgeConfig:
    advertise: str = "127.0.0.1"  # our address in Via and From of requests we send
    ports: dict[str, int] = dataclasses.field(
        default_factory=lambda: {"UDP": 5060, "TCP": 5060, "TLS": 5061}
    )
    media: tuple[str, int] = ("127.0.0.1", 5080)  # the media engine's SIP address
    media_side: tuple[str, int] = ("127.0.0.1", 5060)  # our UDP address as it sees us
    qualify_timeout: float = 5.0
    realm: str = "tongdai"
    digest_algorithms: tuple[str, ...] = ("SHA-256", "MD5")
    registrar: RegistrarConfig = dataclasses.field(default_factory=RegistrarConfig)
    guard: GuardConfig = dataclasses.field(default_factory=GuardConfig)
    subscriptions: SubscriptionConfig = dataclasses.field(default_factory=SubscriptionConfig)


@dataclasses.dataclass
class Stats:
    """Counts for metrics; plain ints so the hot path stays cheap."""

    requests: dict[str, int] = dataclasses.field(default_factory=dict)
    responses: dict[tuple[str, str], int] = dataclasses.field(default_factory=dict)
    malformed: int = 0
    auth_failures: int = 0
    forwarded: int = 0

    def request(self, method: str) -> None:
        key = method if method in METHODS else "other"
        self.requests[key] = self.requests.get(key, 0) + 1

    def response(self, method: str, status: int) -> None:
        key = (method if method in METHODS else "other", f"{status // 100}xx")
        self.responses[key] = self.responses.get(key, 0) + 1


class Edge:
    def __init__(
        self,
        config: EdgeConfig = EdgeConfig(),
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.clock = clock
        self.location = Location()
        self.registrar = Registrar(self.location, config.registrar)
        self.guard = Guard(config.guard)
        self.digest = DigestServer(config.realm, algorithms=config.digest_algorithms)
        self.transactions = ServerTransactions()
        self.client = ClientTransactions()
        self.secrets: dict[str, str] = {}
        self.trunks_by_address: dict[str, str] = {}  # provider address -> trunk name
        self.trunk_registrations: dict[str, TrunkRegistration] = {}
        self.flows = NoFlows()
        self.proxy = Proxy(self)
        self.subscriptions = Subscriptions(self, config.subscriptions)
        self._ours = {
            (host, port)
            for host in {config.advertise, config.media_side[0]}
            for port in {*config.ports.values(), config.media_side[1]}
        }
        self.stats = Stats()
        self.on_ban: Callable[[str, float, str], None] = lambda address, until, reason: None
        # Asked when a login names an extension we do not know: True if the configuration
        # was reloaded (an extension added a moment ago from the CLI), so we look again.
        self.refresh: Callable[[], bool] = lambda: False

    # -- configuration -------------------------------------------------------------------

    def set_secrets(self, secrets: dict[str, str]) -> None:
        """The extensions and their SIP secrets; bindings of removed extensions go."""
        self.secrets = dict(secrets)
        for aor in self.location.aors():
            if aor not in self.secrets:
                self.location.remove_aor(aor)

    # -- arrivals ----------------------------------------------------------------------------

    def receive(self, data: bytes, flow) -> None:
        """One datagram or one framed stream message from a flow."""
        now = self.clock()
        from_media = flow.remote == self.config.media and flow.transport == "UDP"
        if not from_media and not self.guard.allow(flow.remote[0], now):
            return
        try:
            msg = parse(data)
        except SipError as err:
            self.stats.malformed += 1
            if err.message is not None:
                self._reject_malformed(err.message, err, flow)
            return
        if isinstance(msg, Response):
            self.handle_response(msg, flow, now, from_media)
            return
        if not from_media and self.guard.is_scanner(msg.headers.get("User-Agent")):
            return
        self.stats.request(msg.method)
        # A retransmission (RFC 3261 branch) is answered from memory before any more work,
        # so a client retrying under load costs little.
        vias, top, key = self._quick_key(msg)
        if key is not None and self._answered(key, msg.method, now):
            return
        try:
            checked = check_request(msg, vias, top)
        except SipError as err:
            self.stats.malformed += 1
            self._reject_malformed(msg, err, flow)
            return
        top = self._stamp_via(msg, checked.vias[0], flow)
        if key is None:
            key = server_key(msg, top, checked.from_.tag)
            if self._answered(key, msg.method, now):
                return
        inc = Incoming(msg, checked, key, flow, self._reply_flow(flow, top), now)
        if from_media:
            self.proxy.from_media(inc)
        else:
            self.handle_request(inc)

    def _answered(self, key: tuple, method: str, now: float) -> bool:
        """True when the transaction layer dealt with the request (a retransmission, an ACK)."""
        action, stored = self.transactions.receive(key, method, now)
        if action == "resend":
            stored[1].send(stored[0])
        return action in ("resend", "absorb")

    @staticmethod
    def _quick_key(msg: Request) -> tuple[list[str], Via | None, tuple | None]:
        """The Via values, the top one parsed, and the transaction key from it alone when it
        has an RFC 3261 branch. The first two are for `check_request`, not to split again."""
        vias = msg.headers.values("Via")
        if not vias:
            return vias, None, None
        try:
            top = parse_via(vias[0])
        except SipError:
            return vias, None, None
        branch = top.branch
        if not branch or not branch.startswith(MAGIC) or len(branch) <= len(MAGIC):
            return vias, top, None
        return vias, top, server_key(msg, top, None)

    def handle_response(self, resp: Response, flow, now: float, from_media: bool) -> None:
        """Responses to requests the edge sent itself (qualify) or relays (the proxy)."""
        try:
            top = parse_via(resp.headers.values("Via")[0])
            _, method = resp.cseq()
        except (SipError, IndexError):
            return
        tsx = self.client.receive(resp, top.branch, method)
        if tsx is not None:
            owner = tsx.owner
            if isinstance(owner, Binding):
                self._set_reachable(owner, True)
            elif isinstance(owner, TrunkRegistration) and owner.on_response(resp, now):
                self.register_trunk(owner, tsx.flow, now)
            elif isinstance(owner, Subscription):
                self.subscriptions.on_response(owner, resp)
            return
        if resp.status > 100 or from_media:
            self.proxy.relay_response(resp, flow, from_media)

    def is_us(self, uri: SipUri) -> bool:
        return (uri.host_key, uri.port or 5060) in self._ours

    def trunk_for(self, address: str, port: int) -> str | None:
        """The trunk a request from address:port comes from (a trunk that matches on
        the port as well is listed as "ip:port")."""
        by = self.trunks_by_address
        return by.get(f"{address}:{port}") or by.get(address)

    def handle_request(self, inc: Incoming) -> None:
        method = inc.req.method
        local = inc.checked.to.tag is None and (
            inc.checked.uri.user is None or inc.checked.uri.user not in self.secrets
        )
        if method == "REGISTER":
            self._register(inc)
        elif method == "SUBSCRIBE":  # never relayed: the edge is the notifier
            if not self._refuse_requirements(inc):
                self.subscriptions.receive(inc)
        elif method != "OPTIONS" or not local:
            self.proxy.from_outside(inc)
        elif method == "OPTIONS":
            if self._refuse_requirements(inc):
                return
            resp = self.response(inc.req, 200)
            resp.headers.add("Allow", ALLOW)
            resp.headers.add("Accept", "application/sdp")
            self.send_final(inc, resp)

    # -- the registrar -------------------------------------------------------------------

    def _register(self, inc: Incoming) -> None:
        req, checked = inc.req, inc.checked
        if self._refuse_requirements(inc):
            return
        to_uri = checked.to.uri
        if not isinstance(to_uri, SipUri):
            self.send_final(inc, self.response(req, 400, "To must be a SIP URI"))
            return
        verdict = self.authenticate(req, "Authorization", inc.now)
        if verdict is None:
            self.challenge(inc, 401)
            return
        if verdict.outcome is Outcome.STALE:
            self.challenge(inc, 401, stale=True)
            return
        aor = unescape(to_uri.user or "")
        if verdict.outcome is Outcome.FAILED or verdict.username != aor:
            self.auth_failed(inc)
            return
        flow = inc.flow
        resp = self.registrar.register(
            req, checked, aor, transport=flow.transport, source=flow.remote, flow=flow,
            now=inc.now, to_tag=self._tag(req),
        )  # fmt: skip
        self.send_final(inc, resp)

    # -- authentication --------------------------------------------------------------------

    def authenticate(self, req: Request, header: str, now: float):
        """The digest verdict for a request, or None when it carries no usable credentials."""
        params = None
        for value in req.headers.get_all(header):
            try:
                scheme, fields = parse_credentials(value)
            except SipError:
                continue
            if scheme.lower() == "digest" and fields.get("realm") == self.config.realm:
                params = fields
                break
        verdict = self.digest.verify(params, req.method, now, self.secrets.get)
        if (
            verdict.outcome is Outcome.FAILED
            and verdict.username not in self.secrets
            and self.refresh()
        ):
            verdict = self.digest.verify(params, req.method, now, self.secrets.get)
        return None if verdict.outcome is Outcome.MISSING else verdict

    def challenge(self, inc: Incoming, status: int, *, stale: bool = False) -> None:
        resp = self.response(inc.req, status)
        name = "WWW-Authenticate" if status == 401 else "Proxy-Authenticate"
        for value in self.digest.challenges(inc.now, stale=stale):
            resp.headers.add(name, value)
        self.send_final(inc, resp)

    def auth_failed(self, inc: Incoming) -> None:
        """Wrong password and unknown user look the same from outside: 403."""
        self.stats.auth_failures += 1
        address = inc.flow.remote[0]
        self.send_final(inc, self.response(inc.req, 403))
        if self.guard.auth_failed(address, inc.now):
            until, reason = self.guard.bans[address]
            log.warning("banned %s until %s: %s", address, time.ctime(until), reason)
            self.on_ban(address, until, reason)

    # -- requests of our own -------------------------------------------------------------

    def request(self, method: str, uri: str, to: str, transport: str) -> tuple[Request, str]:
        """A new out-of-dialog request from the edge, and its branch."""
        branch = MAGIC + secrets.token_hex(8)
        host = self.config.advertise
        port = self.config.ports.get(transport, 5060)
        h = Headers()
        h.add("Via", f"SIP/2.0/{transport} {host}:{port};branch={branch};rport")
        h.add("Max-Forwards", "70")
        h.add("From", f"<sip:tongdai@{host}>;tag={secrets.token_hex(5)}")
        h.add("To", to)
        h.add("Call-ID", secrets.token_hex(12))
        h.add("CSeq", f"1 {method}")
        return Request(method, uri, h), branch

    def qualify(self, binding: Binding, flow, now: float) -> None:
        """Ping a contact with OPTIONS; any answer means it is reachable (RFC 3261 11)."""
        self.send_to_binding(binding, "OPTIONS", now, flow=flow)

    def send_to_binding(
        self, binding: Binding, method: str, now: float, *, flow=None, headers=(),
        body: bytes = b"",
    ) -> bool:  # fmt: skip
        """An out-of-dialog request of the edge's own to a registered contact (an OPTIONS
        ping, a NOTIFY check-sync or unsolicited MWI) over `flow`, or the flow it
        registered on; False when that is gone. Any answer marks the contact reachable,
        none unreachable. `headers`: (name, value) pairs to add."""
        flow = flow or self.flows.for_binding(binding)
        if flow is None:
            return False
        to = f"<sip:{binding.aor}@{self.config.advertise}>"
        req, branch = self.request(method, binding.contact, to, flow.transport)
        for name, value in headers:
            req.headers.add(name, value)
        req.body = body
        data = req.encode()
        flow.send(data)
        self.client.start(
            branch, method, data, flow, reliable=flow.reliable, now=now, owner=binding,
            timeout=self.config.qualify_timeout,
        )  # fmt: skip
        return True

    def register_trunk(self, registration: TrunkRegistration, flow, now: float) -> None:
        """Send (or refresh, or answer a challenge for) a trunk's REGISTER."""
        req, branch = registration.request(self)
        data = req.encode()
        flow.send(data)
        registration.pending = True
        self.client.start(
            branch, "REGISTER", data, flow, reliable=flow.reliable, now=now,
            owner=registration, timeout=TRUNK_TIMEOUT,
        )  # fmt: skip

    def _set_reachable(self, binding: Binding, reachable: bool) -> None:
        if binding.reachable != reachable:
            binding.reachable = reachable
            log.info(
                "contact %s of %s is %s", binding.contact, binding.aor,
                "reachable again" if reachable else "unreachable",
            )  # fmt: skip

    def timers(self, now: float) -> None:
        """Fire whatever timers are due: retransmissions and timeouts."""
        for data, flow in self.transactions.expire(now):
            flow.send(data)
        resend, timed_out = self.client.expire(now)
        for tsx in resend:
            tsx.flow.send(tsx.data)
        for tsx in timed_out:
            if isinstance(tsx.owner, Binding):
                self._set_reachable(tsx.owner, False)
            elif isinstance(tsx.owner, TrunkRegistration):
                tsx.owner.on_timeout(now)
            elif isinstance(tsx.owner, Subscription):
                self.subscriptions.on_timeout(tsx.owner)

    def next_deadline(self) -> float | None:
        # Asked after every message: no list, no min() call.
        server, client = self.transactions.next_deadline(), self.client.next_deadline()
        if server is None or (client is not None and client < server):
            return client
        return server

    # -- answering -----------------------------------------------------------------------------

    def response(self, req: Request, status: int, reason: str | None = None) -> Response:
        return make_response(req, status, reason, to_tag=self._tag(req))

    def send_final(self, inc: Incoming, resp: Response) -> None:
        data = resp.encode()
        self.stats.response(inc.req.method, resp.status)
        inc.reply.send(data)
        self.transactions.respond(
            inc.key, inc.req.method, data, inc.reply, inc.reply.reliable, inc.now
        )

    @staticmethod
    def _reply_flow(flow, via: Via):
        """Where responses go (RFC 3261 18.2.2, RFC 3581): the same connection for TCP/TLS;
        for UDP the source address, at the rport or else at the Via port."""
        if flow.reliable or "rport" in via.params:
            return flow
        port = via.port or 5060
        if port == flow.remote[1]:
            return flow
        return flow.endpoint.flow((flow.remote[0], port))

    def _reject_malformed(self, req: Request, err: SipError, flow) -> None:
        """Answer a bad request statelessly with the error's status, if it can be answered."""
        if req.method == "ACK":
            return
        try:
            via = parse_via(req.headers.values("Via")[0])
        except (SipError, IndexError):
            return  # nowhere to send a response
        resp = make_response(req, err.status, err.reason, to_tag=self._tag(req))
        self.stats.response(req.method, err.status)
        self._reply_flow(flow, via).send(resp.encode())

    def _refuse_requirements(self, inc: Incoming) -> bool:
        """420 for extensions in Require / Proxy-Require that the edge does not implement."""
        req = inc.req
        wanted = req.headers.values("Require") + req.headers.values("Proxy-Require")
        unsupported = [opt for opt in wanted if opt.lower() not in SUPPORTED]
        if not unsupported:
            return False
        resp = self.response(req, 420)
        resp.headers.add("Unsupported", ", ".join(unsupported))
        self.send_final(inc, resp)
        return True

    @staticmethod
    def _stamp_via(req: Request, via: Via, flow) -> Via:
        """Record where the request really came from in its top Via (received, rport)."""
        params = via.params
        host, port = flow.remote
        if "rport" in params:
            params = {**params, "received": host, "rport": str(port)}
        elif via.host != host:
            params = {**params, "received": host}
        else:
            return via
        stamped = Via(via.transport, via.host, via.port, params, via.protocol)
        vias = req.headers.values("Via")
        req.headers.set_list("Via", [str(stamped), *vias[1:]])
        return stamped

    @staticmethod
    def _tag(req: Request) -> str:
        return format(hash((req.call_id, req.headers.get("CSeq"))) & 0xFFFFFFFFFF, "x")
