"""The edge on the event loop: sockets, timers, persistence and configuration reloads."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import random
import socket
import ssl
import time

import sqlite_utils

from tongdai.edge.core import Edge, EdgeConfig
from tongdai.edge.guard import GuardConfig
from tongdai.edge.location import Binding
from tongdai.edge.registrar import RegistrarConfig
from tongdai.edge.subscriptions import SubscriptionConfig
from tongdai.edge.transport import Connection, UdpEndpoint
from tongdai.edge.trunks import TrunkRegistration
from tongdai.settings import Settings
from tongdai.store import bans, bindings, trunks
from tongdai.store.trunks import is_address as _is_ip

log = logging.getLogger("tongdai.edge")

HOUSEKEEPING = 0.5  # seconds between binding expiry checks and database flushes
MAX_CONNECTIONS_PER_ADDRESS = 64


def edge_config(settings: Settings, advertise: str, ports: dict[str, int]) -> EdgeConfig:
    rate = settings.sip_rate_limit
    # The media engine reaches our UDP socket on loopback unless we bound one address only.
    bind = ipaddress.ip_address(settings.bind)
    media_side = "127.0.0.1" if bind.is_unspecified or bind.is_loopback else settings.bind
    return EdgeConfig(
        advertise=advertise,
        ports=ports,
        media=("127.0.0.1", settings.media_port),
        media_side=(media_side, ports["UDP"]),
        digest_algorithms=settings.sip_digest,
        registrar=RegistrarConfig(
            min_expires=settings.sip_min_expires,
            max_expires=settings.sip_max_expires,
            default_expires=settings.sip_max_expires,
        ),
        subscriptions=SubscriptionConfig(
            min_expires=settings.sip_min_expires,
            max_expires=settings.sip_max_expires,
            default_expires=settings.sip_max_expires,
        ),
        guard=GuardConfig(
            rate=rate,
            burst=2 * rate,
            failures=settings.sip_ban_failures,
            window=settings.sip_ban_window,
            ban_seconds=settings.sip_ban_seconds,
        ),
    )


class EdgeServer:
    def __init__(
        self,
        settings: Settings,
        db: sqlite_utils.Database,
        sockets: dict[str, socket.socket],
        tls: ssl.SSLContext | None,
    ) -> None:
        self.settings = settings
        self.db = db
        self.sockets = sockets
        self.tls = tls
        ports = {"UDP": sockets["UDP"].getsockname()[1], "TCP": sockets["TCP"].getsockname()[1]}
        if "TLS" in sockets:
            ports["TLS"] = sockets["TLS"].getsockname()[1]
        self.ports = ports
        self.edge = Edge(edge_config(settings, settings.resolved_media_address(), ports))
        self.edge.flows = self
        self._trunks: list[dict] = []
        self._resolved: dict[str, str] = {}  # trunk host -> IP
        self._loop: asyncio.AbstractEventLoop | None = None
        self.edge.on_ban = self._persist_ban
        self.edge.refresh = self._refresh
        self._data_version = -1
        self.connections: dict[int, Connection] = {}
        self.udp_endpoint: UdpEndpoint | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = float("inf")
        now = time.time()
        self.edge.location.load([Binding.from_row(r) for r in bindings.load(db, now)])
        self.reload()

    def _refresh(self) -> bool:
        """Reload now if another process changed the database since we last looked."""
        version = self.db.execute("PRAGMA data_version").fetchone()[0]
        if version == self._data_version:
            return False
        self.reload()
        return True

    def reload(self) -> None:
        """Take extensions, trunks and bans from the database (the CLI may change them)."""
        self._data_version = self.db.execute("PRAGMA data_version").fetchone()[0]
        self._trunks = trunks.all_trunks(self.db)
        self._apply_trunks()
        rows = self.db.query("SELECT number, secret FROM extensions")
        self.edge.set_secrets({r["number"]: r["secret"] for r in rows})
        self.edge.guard.replace_bans(
            {b["address"]: (b["until"], b["reason"]) for b in bans.active(self.db)}
        )

    async def run(self) -> None:
        loop = self._loop = asyncio.get_running_loop()
        self._apply_trunks()
        servers: list[asyncio.AbstractServer] = []
        # Datagrams go straight to the edge; the timer is looked at once per batch.
        self.udp_endpoint = UdpEndpoint(self.edge.receive, self._arm_if_sooner)
        self.udp_endpoint.start(loop, self.sockets["UDP"])
        try:
            servers.append(
                await loop.create_server(lambda: self._connection("TCP"), sock=self.sockets["TCP"])
            )
            if self.tls is not None and "TLS" in self.sockets:
                servers.append(
                    await loop.create_server(
                        lambda: self._connection("TLS"),
                        sock=self.sockets["TLS"],
                        ssl=self.tls,
                        ssl_handshake_timeout=10,
                    )
                )
            log.info(
                "SIP edge on %s (UDP, TCP %d; TLS %s)",
                self.settings.bind, self.ports["UDP"], self.ports.get("TLS", "off"),
            )  # fmt: skip
            while True:
                await asyncio.sleep(HOUSEKEEPING)
                self.housekeeping(time.time())
        finally:
            for server in servers:
                server.close()
            for conn in list(self.connections.values()):
                conn.close()
            self.udp_endpoint.close()
            if self._timer is not None:
                self._timer.cancel()
            self.flush()

    def _apply_trunks(self) -> None:
        """Which addresses are trunks, and which trunks the box registers with.

        Host names are looked up in the background (`_resolve_trunks`); until then a trunk
        named by host name has no address and is neither accepted nor registered.
        """
        by_address: dict[str, str] = {}
        wanted: dict[str, TrunkRegistration] = {}
        for trunk in self._trunks:
            address = self._resolved.get(trunk["host"])
            if address is None and _is_ip(trunk["host"]):
                address = self._resolved[trunk["host"]] = trunk["host"]
            extra = [a for a in trunk["inbound_from"].split(",") if a]
            own = address and (f"{address}:{trunk['port']}" if trunk["match_port"] else address)
            for a in ([own] if own else []) + extra:
                by_address[a] = trunk["name"]
            if trunk["register"] and address:
                old = self.edge.trunk_registrations.get(trunk["name"])
                same = (
                    old is not None
                    and old.address == address
                    and (
                        (old.host, old.port, old.username, old.password)
                        == (trunk["host"], trunk["port"], trunk["username"], trunk["password"])
                    )
                )
                wanted[trunk["name"]] = old if same else TrunkRegistration(trunk, address)
        self.edge.trunks_by_address = by_address
        self.edge.trunk_registrations = wanted
        unresolved = {t["host"] for t in self._trunks} - set(self._resolved)
        if unresolved and self._loop is not None:
            self._loop.create_task(self._resolve_trunks(unresolved))

    async def _resolve_trunks(self, hosts: set[str]) -> None:
        for host in hosts:
            try:
                infos = await asyncio.wait_for(
                    self._loop.getaddrinfo(host, None, family=socket.AF_INET), 5
                )
            except (OSError, TimeoutError) as exc:
                log.warning("trunk host %s: cannot resolve it: %s", host, exc)
                continue
            self._resolved[host] = infos[0][4][0]
        self._apply_trunks()

    def _connection(self, name: str) -> Connection:
        return Connection(name, self._receive, self.connections, self._admit)

    def _admit(self, address: str) -> bool:
        """Refuse connections from banned addresses and from one address hoarding sockets."""
        if not self.edge.guard.allow(address, time.time()):
            return False
        count = sum(1 for c in self.connections.values() if c.remote[0] == address)
        return count < MAX_CONNECTIONS_PER_ADDRESS

    def _receive(self, data: bytes, flow) -> None:
        self.edge.receive(data, flow)
        deadline = self.edge.next_deadline()  # (inline: this runs for every message)
        if deadline is not None and deadline < self._timer_at:
            self._arm(deadline)

    def _arm_if_sooner(self) -> None:
        deadline = self.edge.next_deadline()
        if deadline is not None and deadline < self._timer_at:
            self._arm(deadline)

    def _arm(self, deadline: float) -> None:
        if self._timer is not None:
            self._timer.cancel()
        self._timer_at = deadline
        delay = max(0.0, deadline - time.time())
        self._timer = asyncio.get_running_loop().call_later(delay, self._fire)

    def _fire(self) -> None:
        self._timer, self._timer_at = None, float("inf")
        self.edge.timers(time.time())
        deadline = self.edge.next_deadline()
        if deadline is not None:
            self._arm(deadline)

    def housekeeping(self, now: float) -> None:
        gone = self.edge.location.expire(now)
        if gone:
            log.debug("%d bindings expired", len(gone))
        self.edge.subscriptions.expire(now)  # (their last NOTIFYs retransmit on the timer)
        self._arm_if_sooner()
        if self.settings.sip_qualify_interval:
            self.qualify_due(now)
        for registration in self.edge.trunk_registrations.values():
            if not registration.pending and registration.next_at <= now:
                self.edge.register_trunk(
                    registration, self.udp((registration.address, registration.port)), now
                )
        self.flush()

    def qualify_due(self, now: float) -> None:
        """OPTIONS to each contact once per interval, spread out so they never come in bursts."""
        interval = self.settings.sip_qualify_interval
        for binding in self.edge.location.all():
            if binding.next_qualify == 0.0:  # just registered: that proved it reachable
                binding.next_qualify = now + interval * random.uniform(0.5, 1.0)
            if binding.next_qualify > now:
                continue
            binding.next_qualify = now + interval
            flow = self.for_binding(binding)
            if flow is not None:
                self.edge.qualify(binding, flow, now)
            else:
                binding.reachable = False
        self._arm_if_sooner()

    def state_changed(self, event: str, target: str) -> None:
        """An extension's calls or a mailbox changed (told by the main process's
        presence tracker): NOTIFY its watchers now."""
        self.edge.subscriptions.changed(event, target, time.time())
        self._arm_if_sooner()

    def extension_at(self, contact: str) -> str | None:
        """The extension a registered contact URI belongs to."""
        for binding in self.edge.location.all():
            if binding.contact == contact:
                return binding.aor
        return None

    def contacts(self, number: str) -> list[tuple[str, str]]:
        """Where to ring an extension: (contact URI, flow token) for each registered
        contact that answers qualify pings (all of them if none does)."""
        out = []
        for binding in self.edge.location.ring_order(number):
            flow = self.for_binding(binding)
            if flow is not None:
                out.append((binding.contact, self.token(flow)))
        return out

    def send_to_binding(self, binding: Binding, method: str, headers: tuple = ()) -> bool:
        """An out-of-dialog request of ours (NOTIFY check-sync, say) to a registered contact
        over its own flow, the way qualify pings go; False when that flow is gone."""
        if not self.edge.send_to_binding(binding, method, time.time(), headers=headers):
            return False
        deadline = self.edge.next_deadline()
        if deadline is not None and deadline < self._timer_at:
            self._arm(deadline)
        return True

    # -- flows: how the core names and finds the ways to reach a peer -------------------

    def for_binding(self, binding: Binding):
        """How to reach a registered contact: its connection, or its NAT address over UDP."""
        if binding.transport == "UDP":
            return self.udp_endpoint.flow(binding.source) if self.udp_endpoint is not None else None
        conn = binding.flow
        return conn if conn is not None and conn.alive else None

    def media(self):
        return (
            self.udp_endpoint.flow(self.edge.config.media)
            if self.udp_endpoint is not None
            else None
        )

    def udp(self, remote: tuple[str, int]):
        return self.udp_endpoint.flow(remote) if self.udp_endpoint is not None else None

    def address_of(self, host: str) -> str | None:
        """An IP for a host: itself if it is one, else a trunk host we resolved (never a
        lookup on the loop's thread)."""
        return host if _is_ip(host) else self._resolved.get(host)

    def token(self, flow) -> str:
        """A name for a flow that fits in a Via or URI parameter."""
        if flow.transport == "UDP":
            host, port = flow.remote
            return f"u{host.replace(':', '-')}~{port}"
        return f"c{flow.id}"

    def resolve(self, token: str):
        if token.startswith("u") and "~" in token:
            host, _, port = token[1:].rpartition("~")
            if port.isdigit() and self.udp_endpoint is not None:
                return self.udp_endpoint.flow((host.replace("-", ":"), int(port)))
            return None
        if token.startswith("c") and token[1:].isdigit():
            conn = self.connections.get(int(token[1:]))
            return conn if conn is not None and conn.alive else None
        return None

    def flush(self) -> None:
        upserts, deletes = self.edge.location.take_changes()
        if upserts or deletes:
            bindings.save(self.db, upserts, deletes)

    def _persist_ban(self, address: str, until: float, reason: str) -> None:
        bans.add(self.db, address, seconds=until - time.time(), reason=reason, actor="edge")
