"""Console users over the API (admin): the same actions as the users page."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel

from tongdai.console import auth
from tongdai.console.api.errors import unprocessable
from tongdai.store import accounts

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(prefix="/api/v1/users", tags=["users"], dependencies=[Depends(admin)])


class User(BaseModel):
    username: str
    role: str
    must_change_password: bool
    language: str | None
    created_at: str
    extension: str | None = None  # where the user answers calls (the agent desk)


class NewUser(BaseModel):
    username: str
    role: str = "agent"


class RoleChange(BaseModel):
    role: str | None = None
    extension: str | None = None  # "" unlinks (the agent desk)


class Password(BaseModel):
    username: str
    password: str  # generated, shown this once; the user must change it at first login


def _db(request: Request):
    return auth.service(request).db


def _existing(request: Request, username: str) -> accounts.User:
    user = accounts.find_user(_db(request), username)
    if user is None:
        raise HTTPException(404, f"no user {username!r}")
    return user


@router.get("")
async def list_users(request: Request) -> list[User]:
    return [User(**u) for u in accounts.list_users(_db(request))]


@router.post("", status_code=201)
async def create(request: Request, who: Admin, new: NewUser) -> Password:
    password = accounts.generate_password()
    try:
        user = accounts.create_user(_db(request), new.username, password, new.role,
                                    must_change_password=True, actor=who.user.username)  # fmt: skip
    except accounts.AccountError as exc:
        raise unprocessable(exc) from None
    return Password(username=user.username, password=password)


@router.patch("/{username}")
async def change_role(request: Request, who: Admin, username: str, change: RoleChange) -> User:
    _existing(request, username)
    try:
        if change.role is not None:
            accounts.set_role(_db(request), username, change.role, actor=who.user.username)
        if change.extension is not None:
            accounts.set_extension(_db(request), username, change.extension,
                                   actor=who.user.username)  # fmt: skip
    except accounts.AccountError as exc:
        raise unprocessable(exc) from None
    return next(User(**u) for u in accounts.list_users(_db(request)) if u["username"] == username)


@router.post("/{username}/password")
async def reset_password(request: Request, who: Admin, username: str) -> Password:
    user = _existing(request, username)
    password = accounts.generate_password()
    accounts.set_password(_db(request), user.username, password, must_change_password=True,
                          actor=who.user.username)  # fmt: skip
    return Password(username=user.username, password=password)


@router.delete("/{username}", status_code=204)
async def delete(request: Request, who: Admin, username: str) -> Response:
    _existing(request, username)
    try:
        accounts.delete_user(_db(request), username, actor=who.user.username)
    except accounts.AccountError as exc:
        raise unprocessable(exc) from None
    return Response(status_code=204)
