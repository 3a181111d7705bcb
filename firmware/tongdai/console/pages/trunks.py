"""SIP trunks (admin): list with their registration state from the edge, add, delete (the
store refuses while a route uses one)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from tongdai.console import auth, changes, status
from tongdai.console.forms import field_error
from tongdai.console.templating import locale_for, render
from tongdai.store import trunks

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(admin)])


def listing(service) -> list[dict]:
    """Every trunk without its password, with the edge's state ("registered",
    "unregistered", or "by_address" for a trunk the box does not register with)."""
    states = {t["name"]: t["state"] for t in status.trunk_status(service)}
    return [{**{k: v for k, v in t.items() if k != "password"},
             "register": bool(t["register"]), "match_port": bool(t["match_port"]),
             "state": states.get(t["name"], "by_address")}
            for t in trunks.all_trunks(service.db)]  # fmt: skip


def render_page(request: Request, status_code: int = 200, **context) -> Response:
    context = {"trunks": listing(auth.service(request)), "errors": {}, "form": {}, **context}
    return render(request, "trunks.html", context, block="trunks", status=status_code)


@router.get("/trunks")
async def trunks_page(request: Request) -> Response:
    return render_page(request)


def number_field(text: str, field: str, default: int) -> int:
    text = text.strip()
    if not text:
        return default
    if not text.isdigit():
        raise trunks.TrunkError(f"{field}: a whole number")
    return int(text)


@router.post("/trunks")
async def create(
    request: Request,
    who: Admin,
    name: Annotated[str, Form()] = "",
    host: Annotated[str, Form()] = "",
    port: Annotated[str, Form()] = "5060",
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    registers: Annotated[bool, Form(alias="register")] = False,
    max_calls: Annotated[str, Form()] = "0",
    caller_id: Annotated[str, Form()] = "",
    inbound_from: Annotated[str, Form()] = "",
    match_port: Annotated[bool, Form()] = False,
) -> Response:
    try:
        trunks.add(
            auth.service(request).db, name.strip(), host=host.strip(),
            port=number_field(port, "port", 5060), username=username.strip(), password=password,
            register=registers, max_calls=number_field(max_calls, "max_calls", 0),
            caller_id=caller_id.strip(), inbound_from=inbound_from.replace(" ", ",").split(","),
            match_port=match_port, actor=who.user.username,
        )  # fmt: skip
    except trunks.TrunkError as exc:
        # (the password is never sent back to the browser)
        form = {"name": name, "host": host, "port": port, "username": username,
                "register": registers, "max_calls": max_calls, "caller_id": caller_id,
                "inbound_from": inbound_from, "match_port": match_port}  # fmt: skip
        errors = field_error(exc, locale_for(request), "name")
        return render_page(request, 422, errors=errors, form=form)
    changes.apply(request)  # the edge accepts its calls and registers with it now
    return render_page(request, 201)


@router.post("/trunks/{name}/delete")
async def delete(request: Request, who: Admin, name: str) -> Response:
    try:
        trunks.delete(auth.service(request).db, name, actor=who.user.username)
    except trunks.TrunkError as exc:
        message = next(iter(field_error(exc, locale_for(request)).values()))
        return render_page(request, 422, row_error=(name, message))
    changes.apply(request)
    return render_page(request)
