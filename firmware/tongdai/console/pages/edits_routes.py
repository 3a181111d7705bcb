"""Editing routes in their forms (admin): an inbound or outbound route's form filled in,
saved through the store (which checks it as on create) or shown back with the error by
the field it names and nothing changed. The dialplan reads routes on every call."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response

from tongdai.console import auth, destination_choices
from tongdai.console.config_forms import applied
from tongdai.console.forms import field_error
from tongdai.console.pages import routes as routes_page
from tongdai.console.templating import locale_for
from tongdai.store import routes

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(admin)])


def _split(destination: str) -> tuple[str, str]:
    """A stored destination as the form's pick and typed value (`outside:` + number)."""
    kind, _, value = destination.partition(":")
    return (f"{kind}:", value) if kind in destination_choices.TYPED else (destination, "")


@router.get("/routes/inbound/{route_id}/edit")
async def edit_inbound_form(request: Request, route_id: int) -> Response:
    found = [r for r in routes.inbound(auth.service(request).db) if r["id"] == route_id]
    if not found:
        raise HTTPException(404, f"no inbound route {route_id}")
    picked, typed = _split(found[0]["destination"])
    form = {**found[0], "destination": picked, "destination_value": typed}
    return routes_page.render_page(request, in_editing=route_id, in_form=form)


@router.post("/routes/inbound/{route_id}/edit")
async def edit_inbound(
    request: Request,
    who: Admin,
    route_id: int,
    did: Annotated[str, Form()] = "",
    trunk: Annotated[str, Form()] = "",
    caller: Annotated[str, Form()] = "",
    destination: Annotated[str, Form()] = "",
    destination_value: Annotated[str, Form()] = "",
    record: Annotated[str, Form()] = "never",
    priority: Annotated[str, Form()] = "0",
) -> Response:
    try:
        routes.update_inbound(
            auth.service(request).db, route_id, did=did.strip() or "any",
            destination=destination_choices.combine(destination, destination_value),
            trunk=trunk, recording=record, priority=routes_page.whole_field(priority, "priority"),
            caller=caller.strip(), actor=who.user.username,
        )  # fmt: skip
    except routes.RouteError as exc:
        form = {"did": did, "trunk": trunk, "caller": caller, "destination": destination,
                "destination_value": destination_value, "record": record,
                "priority": priority}  # fmt: skip
        errors = field_error(exc, locale_for(request), "destination")
        return routes_page.render_page(
            request, 422, in_errors=errors, in_form=form, in_editing=route_id
        )
    applied(request)
    return routes_page.render_page(request)


@router.get("/routes/outbound/{name}/edit")
async def edit_outbound_form(request: Request, name: str) -> Response:
    rows = routes_page.outbound_rows(auth.service(request).db)
    found = [r for r in rows if r["name"] == name]
    if not found:
        raise HTTPException(404, f"no outbound route {name}")
    form = {**found[0], "patterns": ", ".join(found[0]["patterns"])}
    return routes_page.render_page(request, out_editing=name, out_form=form)


@router.post("/routes/outbound/{name}/edit")
async def edit_outbound(
    request: Request,
    who: Admin,
    name: str,
    new_name: Annotated[str, Form(alias="name")] = "",
    patterns: Annotated[str, Form()] = "",
    trunk: Annotated[list[str] | None, Form()] = None,
    route_class: Annotated[str, Form()] = "national",
    strip: Annotated[str, Form()] = "0",
    prefix: Annotated[str, Form()] = "",
    caller_id: Annotated[str, Form()] = "",
    record: Annotated[str, Form()] = "never",
) -> Response:
    try:
        routes.update_outbound(
            auth.service(request).db, name, new_name=new_name.strip(),
            patterns=patterns.replace(" ", ",").split(","), trunks=trunk or [],
            route_class=route_class, strip=routes_page.whole_field(strip, "strip"),
            prefix=prefix.strip(), caller_id=caller_id.strip(), recording=record,
            actor=who.user.username,
        )  # fmt: skip
    except routes.RouteError as exc:
        form = {"name": new_name, "patterns": patterns, "trunks": trunk or [],
                "class": route_class, "strip": strip, "prefix": prefix,
                "caller_id": caller_id, "record": record}  # fmt: skip
        errors = field_error(exc, locale_for(request), "name")
        return routes_page.render_page(
            request, 422, out_errors=errors, out_form=form, out_editing=name
        )
    applied(request)
    return routes_page.render_page(request)
