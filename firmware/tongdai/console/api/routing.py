"""Trunks, inbound and outbound routes over the API (admin): the trunks and routes pages'
actions. Trunk passwords are written, never read back."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from tongdai.console import auth, changes
from tongdai.console.api.errors import unprocessable
from tongdai.console.pages.routes import outbound_rows
from tongdai.console.pages.trunks import listing as trunk_listing
from tongdai.store import routes, trunks

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(prefix="/api/v1", tags=["trunks and routes"], dependencies=[Depends(admin)])


class Trunk(BaseModel):
    model_config = ConfigDict(populate_by_name=True, serialize_by_alias=True)

    name: str
    host: str
    port: int
    username: str
    registers: bool = Field(alias="register")  # (BaseModel has a register method)
    expires: int
    inbound_from: str  # extra addresses, comma-separated
    max_calls: int
    caller_id: str
    match_port: bool
    created_at: str
    state: str  # registered, unregistered, or by_address (the box does not register)


class NewTrunk(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    name: str
    host: str
    port: int = 5060
    username: str = ""
    password: str = ""
    registers: bool = Field(False, alias="register")
    expires: int = 600
    inbound_from: list[str] = []
    max_calls: int = 0
    caller_id: str = ""
    match_port: bool = False


class Inbound(BaseModel):
    id: int
    did: str  # '' for any
    trunk: str  # '' for any
    caller: str  # a dial pattern; '' for any
    destination: str
    record: str
    priority: int


class NewInbound(BaseModel):
    did: str = "any"
    destination: str
    trunk: str = ""
    caller: str = ""
    record: str = "never"
    priority: int = 0


class Outbound(BaseModel):
    name: str
    patterns: list[str]
    trunks: list[str]  # in failover order
    route_class: str
    strip: int
    prefix: str
    caller_id: str
    record: str


class NewOutbound(BaseModel):
    name: str
    patterns: list[str]
    trunks: list[str]
    route_class: str
    strip: int = 0
    prefix: str = ""
    caller_id: str = ""
    record: str = "never"


class Move(BaseModel):
    step: int  # -1: tried earlier, 1: later


def _db(request: Request):
    return auth.service(request).db


@router.get("/trunks")
async def list_trunks(request: Request) -> list[Trunk]:
    return [Trunk(**t) for t in trunk_listing(auth.service(request))]


@router.post("/trunks", status_code=201)
async def create_trunk(request: Request, who: Admin, new: NewTrunk) -> Trunk:
    try:
        trunks.add(_db(request), actor=who.user.username, **new.model_dump(by_alias=True))
    except trunks.TrunkError as exc:
        raise unprocessable(exc) from None
    changes.apply(request)
    return next(Trunk(**t) for t in trunk_listing(auth.service(request)) if t["name"] == new.name)


@router.delete("/trunks/{name}", status_code=204)
async def delete_trunk(request: Request, who: Admin, name: str) -> Response:
    if not any(t["name"] == name for t in trunks.all_trunks(_db(request))):
        raise HTTPException(404, f"no trunk {name}")
    try:
        trunks.delete(_db(request), name, actor=who.user.username)
    except trunks.TrunkError as exc:
        raise unprocessable(exc) from None
    changes.apply(request)
    return Response(status_code=204)


def _inbound(request: Request) -> list[Inbound]:
    return [Inbound(**r) for r in routes.inbound(_db(request))]


@router.get("/routes/inbound")
async def list_inbound(request: Request) -> list[Inbound]:
    return _inbound(request)


@router.post("/routes/inbound", status_code=201)
async def create_inbound(request: Request, who: Admin, new: NewInbound) -> Inbound:
    try:
        row_id = routes.add_inbound(
            _db(request), new.did, new.destination, trunk=new.trunk, recording=new.record,
            priority=new.priority, caller=new.caller, actor=who.user.username,
        )  # fmt: skip
    except routes.RouteError as exc:
        raise unprocessable(exc) from None
    return next(r for r in _inbound(request) if r.id == row_id)


@router.delete("/routes/inbound/{route_id}", status_code=204)
async def delete_inbound(request: Request, who: Admin, route_id: int) -> Response:
    try:
        routes.delete_inbound(_db(request), route_id, actor=who.user.username)
    except routes.RouteError:
        raise HTTPException(404, f"no inbound route {route_id}") from None
    return Response(status_code=204)


def outbound_models(request: Request) -> list[Outbound]:
    return [Outbound(**{**r, "route_class": r["class"]}) for r in outbound_rows(_db(request))]


@router.get("/routes/outbound")
async def list_outbound(request: Request) -> list[Outbound]:
    """In the order they are tried."""
    return outbound_models(request)


@router.post("/routes/outbound", status_code=201)
async def create_outbound(request: Request, who: Admin, new: NewOutbound) -> Outbound:
    try:
        routes.add_outbound(
            _db(request), new.name, patterns=new.patterns, trunks=new.trunks,
            route_class=new.route_class, strip=new.strip, prefix=new.prefix,
            caller_id=new.caller_id, recording=new.record, actor=who.user.username,
        )  # fmt: skip
    except routes.RouteError as exc:
        raise unprocessable(exc) from None
    return next(r for r in outbound_models(request) if r.name == new.name)


@router.post("/routes/outbound/{name}/move")
async def move_outbound(request: Request, who: Admin, name: str, move: Move) -> list[Outbound]:
    try:
        routes.move_outbound(_db(request), name, 1 if move.step > 0 else -1,
                             actor=who.user.username)  # fmt: skip
    except routes.RouteError:
        raise HTTPException(404, f"no outbound route {name}") from None
    return outbound_models(request)


@router.delete("/routes/outbound/{name}", status_code=204)
async def delete_outbound(request: Request, who: Admin, name: str) -> Response:
    try:
        routes.delete_outbound(_db(request), name, actor=who.user.username)
    except routes.RouteError:
        raise HTTPException(404, f"no outbound route {name}") from None
    return Response(status_code=204)
