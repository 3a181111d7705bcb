"""Addresses banned from SIP (and from the provisioning files) (admin): the list the edge
enforces, lifting a ban, banning an address by hand."""

from __future__ import annotations

import time
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from tongdai.console import auth, changes
from tongdai.console.forms import field_error
from tongdai.console.templating import locale_for, render
from tongdai.store import bans

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(admin)])
MAX_HOURS = 24 * 365


def listing(service) -> list[dict]:
    """The stored bans and the edge's own (the same, unless a change is on its way),
    soonest to end first."""
    now = time.time()
    found = {b["address"]: {"address": b["address"], "reason": b["reason"],
                            "since": b["created_at"], "until": b["until"]}
             for b in bans.active(service.db, now)}  # fmt: skip
    for address, (until, reason) in service.edge.edge.guard.bans.items():
        if until > now:
            found.setdefault(address, {"address": address, "reason": reason, "since": None,
                                       "until": until})  # fmt: skip
    return sorted(found.values(), key=lambda b: b["until"])


def ban(service, address: str, hours: float, reason: str, actor: str) -> None:
    if not 0 < hours <= MAX_HOURS:
        raise bans.BanError(f"hours: more than 0, at most {MAX_HOURS}")
    bans.add(service.db, address, seconds=hours * 3600, reason=reason.strip() or "banned by hand",
             actor=actor)  # fmt: skip


def lift(service, address: str, actor: str) -> None:
    bans.lift(service.db, address, actor=actor)
    # A ban the edge made and the store lost would come back at the next reload.
    service.edge.edge.guard.bans.pop(address.strip(), None)


def _page(request: Request, status: int = 200, **context) -> Response:
    context = {"bans": listing(auth.service(request)), "errors": {}, "form": {}, **context}
    return render(request, "bans.html", context, block="bans", status=status)


@router.get("/bans")
async def bans_page(request: Request) -> Response:
    return _page(request)


@router.post("/bans")
async def add(
    request: Request,
    who: Admin,
    address: Annotated[str, Form()] = "",
    hours: Annotated[str, Form()] = "24",
    reason: Annotated[str, Form()] = "",
) -> Response:
    try:
        try:
            length = float(hours)
        except ValueError:
            raise bans.BanError("hours: a number of hours") from None
        ban(auth.service(request), address, length, reason, who.user.username)
    except bans.BanError as exc:
        form = {"address": address, "hours": hours, "reason": reason}
        errors = field_error(exc, locale_for(request), "address")
        return _page(request, 422, errors=errors, form=form)
    changes.apply(request)  # the edge refuses the address from now on
    return _page(request, 201)


@router.post("/bans/lift")
async def lift_ban(request: Request, who: Admin, address: Annotated[str, Form()] = "") -> Response:
    try:
        lift(auth.service(request), address, who.user.username)
    except bans.BanError as exc:
        message = next(iter(field_error(exc, locale_for(request)).values()))
        return _page(request, 422, row_error=(address, message))
    changes.apply(request)
    return _page(request)
