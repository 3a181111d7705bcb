"""Conference rooms over the API (admin): list, create, delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel

from tongdai.console import auth
from tongdai.console.api.errors import unprocessable
from tongdai.store import conferences

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(
    prefix="/api/v1/conferences", tags=["conference rooms"], dependencies=[Depends(admin)]
)


class Room(BaseModel):
    number: str
    name: str = ""
    has_pin: bool
    max_members: int


class NewRoom(BaseModel):
    number: str
    name: str = ""
    pin: str = ""  # kept hashed, never shown again
    max_members: int = 10


def _db(request: Request):
    return auth.service(request).db


@router.get("")
async def list_rooms(request: Request) -> list[Room]:
    return [Room(**r) for r in conferences.rooms(_db(request))]


@router.post("", status_code=201)
async def create(request: Request, who: Admin, room: NewRoom) -> Room:
    try:
        conferences.add(_db(request), room.number, name=room.name, pin=room.pin,
                        max_members=room.max_members, actor=who.user.username)  # fmt: skip
    except conferences.ConferenceError as exc:
        raise unprocessable(exc) from None
    auth.service(request).reload()
    return next(Room(**r) for r in conferences.rooms(_db(request)) if r["number"] == room.number)


@router.delete("/{number}", status_code=204)
async def delete(request: Request, who: Admin, number: str) -> Response:
    if conferences.get(_db(request), number) is None:
        raise HTTPException(404, f"no conference room {number!r}")
    conferences.delete(_db(request), number, actor=who.user.username)
    auth.service(request).reload()
    return Response(status_code=204)
