"""Inbound routes (a DID, from a trunk, from callers matching a pattern, to a destination
picked among the existing objects) and outbound routes (dial patterns to trunks in
failover order, tried in the order shown) (admin). The dialplan reads the routes on
every call, so the next call takes a change."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from tongdai.console import auth, destination_choices
from tongdai.console.config_labels import LABELS
from tongdai.console.forms import field_error
from tongdai.console.templating import locale_for, render
from tongdai.store import routes, trunks

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(admin)])
TRUNK_CHOICES = 3  # failover trunks offered on the outbound form


def outbound_rows(db) -> list[dict]:
    return [{"name": r.name, "patterns": list(r.patterns), "trunks": list(r.trunks),
             "class": r.route_class, "strip": r.strip, "prefix": r.prefix,
             "caller_id": r.caller_id, "record": r.record}
            for r in routes.outbound(db)]  # fmt: skip


def render_page(request: Request, status: int = 200, **context) -> Response:
    db = auth.service(request).db
    context = {
        "inbound": routes.inbound(db), "outbound": outbound_rows(db),
        "trunk_names": [t["name"] for t in trunks.all_trunks(db)],
        "destinations": destination_choices.choices(db), "typed": destination_choices.TYPED,
        "records": routes.RECORD_POLICIES, "classes": routes.CLASSES,
        "trunk_slots": range(TRUNK_CHOICES), "in_errors": {}, "out_errors": {},
        "in_form": {}, "out_form": {}, **LABELS, **context,
    }  # fmt: skip
    return render(request, "routes.html", context, block="routes", status=status)


def whole_field(text: str, field: str) -> int:
    text = text.strip() or "0"
    if not text.isdigit():
        raise routes.RouteError(f"{field}: a whole number")
    return int(text)


def error_message(request: Request, exc: ValueError) -> str:
    return next(iter(field_error(exc, locale_for(request)).values()))


@router.get("/routes")
async def routes_page(request: Request) -> Response:
    return render_page(request)


@router.post("/routes/inbound")
async def add_inbound(
    request: Request,
    who: Admin,
    did: Annotated[str, Form()] = "",
    trunk: Annotated[str, Form()] = "",
    caller: Annotated[str, Form()] = "",
    destination: Annotated[str, Form()] = "",
    destination_value: Annotated[str, Form()] = "",
    record: Annotated[str, Form()] = "never",
    priority: Annotated[str, Form()] = "0",
) -> Response:
    try:
        routes.add_inbound(
            auth.service(request).db, did.strip() or "any",
            destination_choices.combine(destination, destination_value), trunk=trunk,
            recording=record, priority=whole_field(priority, "priority"), caller=caller.strip(),
            actor=who.user.username,
        )  # fmt: skip
    except routes.RouteError as exc:
        form = {"did": did, "trunk": trunk, "caller": caller, "destination": destination,
                "destination_value": destination_value, "record": record,
                "priority": priority}  # fmt: skip
        errors = field_error(exc, locale_for(request), "destination")
        return render_page(request, 422, in_errors=errors, in_form=form)
    return render_page(request, 201)


@router.post("/routes/inbound/{route_id}/delete")
async def delete_inbound(request: Request, who: Admin, route_id: str) -> Response:
    try:
        routes.delete_inbound(auth.service(request).db, int(route_id) if route_id.isdigit()
                              else -1, actor=who.user.username)  # fmt: skip
    except routes.RouteError as exc:
        return render_page(request, 422, in_row_error=(route_id, error_message(request, exc)))
    return render_page(request)


@router.post("/routes/outbound")
async def add_outbound(
    request: Request,
    who: Admin,
    name: Annotated[str, Form()] = "",
    patterns: Annotated[str, Form()] = "",
    trunk: Annotated[list[str] | None, Form()] = None,
    route_class: Annotated[str, Form()] = "national",
    strip: Annotated[str, Form()] = "0",
    prefix: Annotated[str, Form()] = "",
    caller_id: Annotated[str, Form()] = "",
    record: Annotated[str, Form()] = "never",
) -> Response:
    try:
        routes.add_outbound(
            auth.service(request).db, name.strip(),
            patterns=patterns.replace(" ", ",").split(","), trunks=trunk or [],
            route_class=route_class, strip=whole_field(strip, "strip"), prefix=prefix.strip(),
            caller_id=caller_id.strip(), recording=record, actor=who.user.username,
        )  # fmt: skip
    except routes.RouteError as exc:
        form = {"name": name, "patterns": patterns, "trunks": trunk or [],
                "class": route_class, "strip": strip, "prefix": prefix,
                "caller_id": caller_id, "record": record}  # fmt: skip
        errors = field_error(exc, locale_for(request), "name")
        return render_page(request, 422, out_errors=errors, out_form=form)
    return render_page(request, 201)


@router.post("/routes/outbound/{name}/move")
async def move_outbound(
    request: Request, who: Admin, name: str, step: Annotated[int, Form()] = 0
) -> Response:
    try:
        routes.move_outbound(auth.service(request).db, name, 1 if step > 0 else -1,
                             actor=who.user.username)  # fmt: skip
    except routes.RouteError as exc:
        return render_page(request, 422, out_row_error=(name, error_message(request, exc)))
    return render_page(request)


@router.post("/routes/outbound/{name}/delete")
async def delete_outbound(request: Request, who: Admin, name: str) -> Response:
    try:
        routes.delete_outbound(auth.service(request).db, name, actor=who.user.username)
    except routes.RouteError as exc:
        return render_page(request, 422, out_row_error=(name, error_message(request, exc)))
    return render_page(request)
