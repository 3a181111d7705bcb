"""check-sync: a NOTIFY that makes a registered phone fetch its configuration again.

The CLI cannot reach a phone itself (only the running edge holds the NAT mapping or the
connection the phone registered on), so it records the request in the database; the
service notices the change (store.ChangeWatcher), sends the NOTIFY through the edge and
writes what became of it, which the CLI reads back. The console calls `resync` directly.
"""

from __future__ import annotations

import logging

import sqlite_utils

from tongdai.edge.location import Binding
from tongdai.edge.server import EdgeServer
from tongdai.store import phones

log = logging.getLogger("tongdai.provisioning")

# Snom and Yealink reboot on a bare check-sync unless told not to.
EVENTS = {
    "yealink": "check-sync;reboot=false",
    "snom": "check-sync;reboot=false",
    "grandstream": "check-sync",
    "polycom": "check-sync",
    "cisco": "check-sync",  # with Resync_From_SIP on, which its file sets
}


def names_mac(binding: Binding, mac: str) -> bool:
    """Whether a registered contact says it is this phone: Yealink, Polycom and Snom end
    their +sip.instance UUID with the MAC."""
    instance = (binding.instance or "").lower().replace("-", "")
    return mac in instance or mac in binding.contact.lower()


def check_sync(edge: EdgeServer, phone: dict) -> int:
    """Send check-sync to the phone; returns to how many registered contacts it went.

    The contacts naming its MAC, under any extension (it may still be registered as the
    extension it had before), else every contact of its extension."""
    mac = phone["mac"]
    found = [b for b in edge.edge.location.all() if names_mac(b, mac)]
    found = found or edge.edge.location.lookup(phone["extension"])
    headers = (("Event", EVENTS[phone["vendor"]]),)
    return sum(edge.send_to_binding(b, "NOTIFY", headers) for b in found)


def _send(db: sqlite_utils.Database, edge: EdgeServer, phone: dict) -> str:
    sent = check_sync(edge, phone)
    result = f"check-sync sent to {sent} contact(s)" if sent else "not registered: nothing sent"
    phones.resync_done(db, phone["mac"], result)
    log.info("phone %s (extension %s): %s", phone["mac"], phone["extension"], result)
    return result


def resync(db: sqlite_utils.Database, edge: EdgeServer, mac: str, *, actor: str) -> str:
    """Reopen the phone's provisioning window and push check-sync now (the console)."""
    phones.request_resync(db, mac, actor=actor)
    return _send(db, edge, phones.get(db, phones.normalise_mac(mac)))


def run_pending(db: sqlite_utils.Database, edge: EdgeServer) -> None:
    """Act on the re-syncs requested from elsewhere (the CLI)."""
    for phone in phones.pending_resyncs(db):
        _send(db, edge, phone)
