"""Editing over the API (admin): PATCH a trunk, route, ring group, time condition or
conference room with the fields to change (the store validates them all, as on create);
DELETE a time condition's holiday. Renames: `new_name` (`new_number` for a room)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from tongdai.console import auth
from tongdai.console.api import conferences as conferences_api
from tongdai.console.api import ringgroups as ringgroups_api
from tongdai.console.api import routing as routing_api
from tongdai.console.api import timeconditions as timeconditions_api
from tongdai.console.api.errors import unprocessable
from tongdai.store import conferences, ringgroups, routes, timeconditions, trunks

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(prefix="/api/v1", tags=["editing"], dependencies=[Depends(admin)])


class TrunkChange(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    new_name: str | None = None
    host: str | None = None
    port: int | None = None
    username: str | None = None
    password: str | None = None  # empty or left out: kept
    registers: bool | None = Field(None, alias="register")
    expires: int | None = None
    inbound_from: list[str] | None = None
    max_calls: int | None = None
    caller_id: str | None = None
    match_port: bool | None = None


class InboundChange(BaseModel):
    did: str | None = None
    destination: str | None = None
    trunk: str | None = None
    caller: str | None = None
    record: str | None = None
    priority: int | None = None


class OutboundChange(BaseModel):
    new_name: str | None = None
    patterns: list[str] | None = None
    trunks: list[str] | None = None
    route_class: str | None = None
    strip: int | None = None
    prefix: str | None = None
    caller_id: str | None = None
    record: str | None = None


class RingGroupChange(BaseModel):
    new_name: str | None = None
    number: str | None = None
    strategy: str | None = None
    ring_timeout: int | None = None
    final: str | None = None
    members: list[ringgroups_api.Member] | None = None


class ConditionChange(BaseModel):
    new_name: str | None = None
    hours: list[str] | None = None
    open: str | None = None
    closed: str | None = None


class RoomChange(BaseModel):
    new_number: str | None = None
    name: str | None = None
    pin: str | None = None  # left out: kept; "": removed
    max_members: int | None = None


def _given(change: BaseModel, **renamed: str) -> dict:
    """The fields sent, under the store's keyword names."""
    sent = change.model_dump(exclude_unset=True)
    return {renamed.get(k, k): v for k, v in sent.items()}


def _done(request: Request) -> None:
    auth.service(request).reload()  # as a CLI change: the edge and the ACD take it now


@router.patch("/trunks/{name}")
async def edit_trunk(
    request: Request, who: Admin, name: str, change: TrunkChange
) -> routing_api.Trunk:
    service = auth.service(request)
    try:
        trunks.update(service.db, name, actor=who.user.username,
                      **_given(change, registers="register"))  # fmt: skip
    except trunks.TrunkError as exc:
        raise _missing_or_bad(exc, f"name: no trunk {name}") from None
    _done(request)
    new_name = change.new_name or name
    listing = routing_api.trunk_listing(service)
    return next(routing_api.Trunk(**t) for t in listing if t["name"] == new_name)


@router.patch("/routes/inbound/{route_id}")
async def edit_inbound(
    request: Request, who: Admin, route_id: int, change: InboundChange
) -> routing_api.Inbound:
    db = auth.service(request).db
    try:
        routes.update_inbound(db, route_id, actor=who.user.username,
                              **_given(change, record="recording"))  # fmt: skip
    except routes.RouteError as exc:
        raise _missing_or_bad(exc, f"id: no inbound route {route_id}") from None
    _done(request)
    return next(routing_api.Inbound(**r) for r in routes.inbound(db) if r["id"] == route_id)


@router.patch("/routes/outbound/{name}")
async def edit_outbound(
    request: Request, who: Admin, name: str, change: OutboundChange
) -> routing_api.Outbound:
    db = auth.service(request).db
    try:
        routes.update_outbound(db, name, actor=who.user.username,
                               **_given(change, record="recording"))  # fmt: skip
    except routes.RouteError as exc:
        raise _missing_or_bad(exc, f"name: no outbound route {name}") from None
    _done(request)
    new_name = change.new_name or name
    return next(r for r in routing_api.outbound_models(request) if r.name == new_name)


@router.patch("/ringgroups/{name}")
async def edit_ring_group(
    request: Request, who: Admin, name: str, change: RingGroupChange
) -> ringgroups_api.RingGroup:
    db = auth.service(request).db
    given = _given(change)
    if change.members is not None:
        given["members"] = [f"{m.extension}:{m.ring_timeout}" for m in change.members]
    try:
        ringgroups.update(db, name, actor=who.user.username, **given)
    except ringgroups.RingGroupError as exc:
        raise _missing_or_bad(exc, f"name: no ring group {name}") from None
    _done(request)
    return ringgroups_api.model(ringgroups.get(db, change.new_name or name))


@router.patch("/timeconditions/{name}")
async def edit_condition(
    request: Request, who: Admin, name: str, change: ConditionChange
) -> timeconditions_api.Condition:
    try:
        timeconditions.update(auth.service(request).db, name, actor=who.user.username,
                              **_given(change))  # fmt: skip
    except timeconditions.TimeConditionError as exc:
        raise _missing_or_bad(exc, f"name: no time condition {name}") from None
    return timeconditions_api.changed(request, change.new_name or name)


@router.delete("/timeconditions/{name}/holidays/{first}", status_code=204)
async def delete_holiday(request: Request, who: Admin, name: str, first: str) -> Response:
    try:
        timeconditions.delete_holiday(auth.service(request).db, name, first,
                                      actor=who.user.username)  # fmt: skip
    except timeconditions.TimeConditionError as exc:
        raise HTTPException(404, str(exc).partition(": ")[2]) from None
    _done(request)
    return Response(status_code=204)


@router.patch("/conferences/{number}")
async def edit_room(
    request: Request, who: Admin, number: str, change: RoomChange
) -> conferences_api.Room:
    db = auth.service(request).db
    try:
        conferences.update(db, number, actor=who.user.username, **_given(change))
    except conferences.ConferenceError as exc:
        raise _missing_or_bad(exc, f"number: no room {number}") from None
    _done(request)
    new_number = change.new_number or number
    return next(
        conferences_api.Room(**r) for r in conferences.rooms(db) if r["number"] == new_number
    )


def _missing_or_bad(exc: ValueError, missing: str) -> HTTPException:
    """404 for an object that is not there, else 422 naming the field."""
    if str(exc) == missing:
        return HTTPException(404, missing.partition(": ")[2])
    return unprocessable(exc)
