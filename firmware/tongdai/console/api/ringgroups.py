"""Ring groups over the API (admin): list, create, read, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel

from tongdai.console import auth
from tongdai.console.api.errors import unprocessable
from tongdai.store import ringgroups

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(prefix="/api/v1/ringgroups", tags=["ring groups"], dependencies=[Depends(admin)])


class Member(BaseModel):
    extension: str
    ring_timeout: int = 15  # seconds, for in-order groups


class RingGroup(BaseModel):
    name: str
    number: str | None = None
    strategy: str = "ringall"
    ring_timeout: int = 25  # seconds, for ring-all groups
    final: str = "hangup"
    members: list[Member]  # in ringing order


def _db(request: Request):
    return auth.service(request).db


def model(group: ringgroups.RingGroup) -> RingGroup:
    members = [Member(extension=m.extension, ring_timeout=m.ring_timeout) for m in group.members]
    return RingGroup(**{**group.__dict__, "members": members})


@router.get("")
async def list_groups(request: Request) -> list[RingGroup]:
    return [model(g) for g in ringgroups.all_groups(_db(request))]


@router.post("", status_code=201)
async def create(request: Request, who: Admin, group: RingGroup) -> RingGroup:
    try:
        ringgroups.add(
            _db(request), group.name, strategy=group.strategy, number=group.number,
            members=[f"{m.extension}:{m.ring_timeout}" for m in group.members],
            ring_timeout=group.ring_timeout, final=group.final, actor=who.user.username,
        )  # fmt: skip
    except ringgroups.RingGroupError as exc:
        raise unprocessable(exc) from None
    auth.service(request).reload()
    return model(ringgroups.get(_db(request), group.name))


@router.get("/{name}")
async def get(request: Request, name: str) -> RingGroup:
    group = ringgroups.get(_db(request), name)
    if group is None:
        raise HTTPException(404, f"no ring group {name!r}")
    return model(group)


@router.delete("/{name}", status_code=204)
async def delete(request: Request, who: Admin, name: str) -> Response:
    if ringgroups.get(_db(request), name) is None:
        raise HTTPException(404, f"no ring group {name!r}")
    try:
        ringgroups.delete(_db(request), name, actor=who.user.username)
    except ringgroups.RingGroupError as exc:
        raise unprocessable(exc) from None
    auth.service(request).reload()
    return Response(status_code=204)
