"""IVR menus over the API (admin): the same actions as the IVR page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel

from tongdai.console import auth
from tongdai.console.api.errors import unprocessable
from tongdai.store import ivr

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(prefix="/api/v1/ivr", tags=["ivr"], dependencies=[Depends(admin)])


class Menu(BaseModel):
    name: str
    greeting: str
    final: str
    number: str | None = None
    timeout: int = 5
    retries: int = 2
    invalid_prompt: str = "ivr_invalid"
    timeout_prompt: str = "ivr_no_input"
    direct_dial: bool = False
    repeat_key: str = "*"
    options: dict[str, str] = {}  # key -> destination


class Key(BaseModel):
    destination: str


def _db(request: Request):
    return auth.service(request).db


def _existing(request: Request, name: str) -> ivr.Menu:
    menu = ivr.get(_db(request), name)
    if menu is None:
        raise HTTPException(404, f"no IVR menu {name!r}")
    return menu


def _save(request: Request, menu: Menu, actor: str) -> Menu:
    try:
        ivr.save(_db(request), ivr.Menu(**menu.model_dump()), actor=actor)
    except ivr.IvrError as exc:
        raise unprocessable(exc) from None
    auth.service(request).reload()
    return Menu(**_existing(request, menu.name).__dict__)


@router.get("")
async def list_menus(request: Request) -> list[Menu]:
    return [Menu(**m.__dict__) for m in ivr.all_menus(_db(request))]


@router.post("", status_code=201)
async def create(request: Request, who: Admin, menu: Menu) -> Menu:
    if ivr.get(_db(request), menu.name) is not None:
        raise HTTPException(409, f"an IVR menu {menu.name!r} exists")
    return _save(request, menu, who.user.username)


@router.get("/{name}")
async def get(request: Request, name: str) -> Menu:
    return Menu(**_existing(request, name).__dict__)


@router.put("/{name}")
async def replace(request: Request, who: Admin, name: str, menu: Menu) -> Menu:
    _existing(request, name)
    return _save(request, menu.model_copy(update={"name": name}), who.user.username)


@router.put("/{name}/keys/{key}")
async def set_key(request: Request, who: Admin, name: str, key: str, body: Key) -> Menu:
    _existing(request, name)
    try:
        ivr.set_option(_db(request), name, key, body.destination, actor=who.user.username)
    except ivr.IvrError as exc:
        raise unprocessable(exc) from None
    auth.service(request).reload()
    return Menu(**_existing(request, name).__dict__)


@router.delete("/{name}/keys/{key}")
async def remove_key(request: Request, who: Admin, name: str, key: str) -> Menu:
    _existing(request, name)
    try:
        ivr.set_option(_db(request), name, key, "", actor=who.user.username)
    except ivr.IvrError as exc:
        raise unprocessable(exc) from None
    auth.service(request).reload()
    return Menu(**_existing(request, name).__dict__)


@router.delete("/{name}", status_code=204)
async def delete(request: Request, who: Admin, name: str) -> Response:
    _existing(request, name)
    try:
        ivr.delete(_db(request), name, actor=who.user.username)
    except ivr.IvrError as exc:
        raise unprocessable(exc) from None
    auth.service(request).reload()
    return Response(status_code=204)
