"""Serving phones' files over HTTP: GET /prov/<the name the phone asks for>.

The policy (who gets what) is in `access`; this applies it and renders.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

import sqlite_utils
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response

from tongdai.edge.guard import Guard
from tongdai.provisioning import access, files
from tongdai.store import bans, phones

log = logging.getLogger("tongdai.provisioning")

SCAN_REASON = "provisioning: asked for the files of unassigned MACs"


class FileServer:
    def __init__(
        self,
        db: sqlite_utils.Database,
        box: Callable[[], files.Box],
        window: int,
        guard: Guard,
    ) -> None:
        self.db = db
        self.box = box  # asked per file: the ports are known only once the sockets are bound
        self.window = window
        self.guard = guard  # the SIP edge's: one ban list for SIP and HTTP
        self.scans = access.ScanDetector()

    def fetch(self, name: str, address: str, now: float) -> tuple[bytes, str] | None:
        """The file and its media type, or None for the one 404 every refusal gets."""
        ban = self.guard.bans.get(address)
        if ban is not None and ban[0] > now:
            return None
        found = files.match(name)
        if found is None:
            return None  # a common file or firmware: nothing of ours, and no MAC named
        mac, templates = found
        phone = phones.get(self.db, mac)
        if phone is None:
            if self.scans.unknown(address, mac, now):
                self._ban(address, now)
            return None
        template = templates.get(phone["vendor"])
        if template is None:
            return None
        if not access.may_serve(phone, address, now, self.window):
            log.info("provisioning: %s not sent to %s (window closed or fetched by %s)",
                     name, address, phone["last_fetch_from"])  # fmt: skip
            return None
        extension = next(
            self.db.query(
                "SELECT number, name, secret FROM extensions WHERE number = ?", [phone["extension"]]
            )
        )
        box = self.box()
        body = files.render(template, phone, extension, box, files.time_zone(box.timezone))
        phones.fetched(self.db, mac, address, now)
        log.info("provisioning: %s sent to %s (extension %s)", name, address, phone["extension"])
        kind = "text/plain; charset=utf-8" if name.endswith(".cfg") else "application/xml"
        return body, kind

    def _ban(self, address: str, now: float) -> None:
        until = now + access.SCAN_BAN
        self.guard.ban(address, until, SCAN_REASON)
        bans.add(self.db, address, seconds=access.SCAN_BAN, reason=SCAN_REASON,
                 actor="provisioning", now=now)  # fmt: skip
        log.warning("banned %s for an hour: %s", address, SCAN_REASON)


def router(server: FileServer) -> APIRouter:
    r = APIRouter()

    @r.get("/prov/{name}", include_in_schema=False)
    async def provision(name: str, request: Request) -> Response:
        address = request.client.host if request.client else ""
        found = server.fetch(name, address, time.time())
        if found is None:  # the same answer as for any path the app does not have
            return JSONResponse({"detail": "Not Found"}, status_code=404)
        body, kind = found
        return Response(body, media_type=kind, headers={"Cache-Control": "no-store"})

    return r
