"""The PnP listener: answers phones' ua-profile SUBSCRIBEs sent to 224.0.1.75:5060.

Off unless the `provisioning_pnp` setting is on. Only MACs assigned to a phone are
answered, so a box never grabs the phones of another PBX on the same LAN. A phone that
gets no NOTIFY (UDP loss) asks again on its next boot or PnP retry.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import struct
from collections.abc import Callable

from tongdai.provisioning import pnp
from tongdai.provisioning.files import Box
from tongdai.sip.errors import SipError
from tongdai.sip.message import Request, parse

log = logging.getLogger("tongdai.provisioning")

IP_MULTICAST_ALL = getattr(socket, "IP_MULTICAST_ALL", 49)  # Linux; Python 3.11 lacks it


class PnpListener(asyncio.DatagramProtocol):
    def __init__(self, assigned: Callable[[str], bool], box: Callable[[], Box]) -> None:
        self.assigned = assigned  # MAC -> whether a phone has it
        self.box = box
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport) -> None:
        self.transport = transport

    def datagram_received(self, data: bytes, addr) -> None:
        try:
            req = parse(data)
            profile = pnp.read_subscribe(req) if isinstance(req, Request) else None
        except SipError:
            return
        if profile is None:
            return
        if not self.assigned(profile.mac):
            log.info("PnP: %s (%s %s) at %s is not assigned to an extension: not answered",
                     profile.mac, profile.vendor, profile.model, addr[0])  # fmt: skip
            return
        box = self.box()
        try:
            answer = pnp.answer(req, pnp.profile_url(box.url, profile), (box.host, box.sip_port))
        except (SipError, ValueError):
            return
        self.transport.sendto(answer.ok, addr[:2])
        self.transport.sendto(answer.notify, answer.notify_to)
        log.info("PnP: told %s at %s to fetch from %s", profile.mac, addr[0], box.url)


def multicast_socket(interface: str, port: int = pnp.PORT) -> socket.socket:
    """A socket receiving the PnP group on the LAN interface. It shares the SIP port with
    the edge (both set SO_REUSEADDR); bound to the group address it gets only the group's
    datagrams, and what it sends leaves from the interface's address."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((pnp.GROUP, port))
        membership = struct.pack("4s4s", socket.inet_aton(pnp.GROUP), socket.inet_aton(interface))
        sock.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, membership)
    except OSError:
        sock.close()
        raise
    return sock


def keep_group_out(edge_udp: socket.socket) -> None:
    """Linux hands group datagrams to every socket bound to the wildcard address on that
    port once any socket joins: the edge would answer the SUBSCRIBE too."""
    edge_udp.setsockopt(socket.IPPROTO_IP, IP_MULTICAST_ALL, 0)
