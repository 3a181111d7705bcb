"""Users and roles (admin): list, create with a generated password shown once, change a
role, reset a password, delete. The store refuses to leave the box without an admin."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from tongdai.console import auth
from tongdai.console.forms import field_error
from tongdai.console.templating import locale_for, render
from tongdai.store import accounts

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(admin)])


def _page(request: Request, status: int = 200, **context) -> Response:
    """The users block (the whole page for a browser), after any change."""
    db = auth.service(request).db
    context = {"users": accounts.list_users(db), "roles": accounts.ROLES,
               "errors": {}, "form": {}, **context}  # fmt: skip
    return render(request, "users.html", context, block="users", status=status)


@router.get("/users")
async def users(request: Request) -> Response:
    return _page(request)


@router.post("/users")
async def create(
    request: Request,
    who: Admin,
    username: Annotated[str, Form()] = "",
    role: Annotated[str, Form()] = "agent",
) -> Response:
    db = auth.service(request).db
    password = accounts.generate_password()
    try:
        user = accounts.create_user(
            db, username, password, role, must_change_password=True, actor=who.user.username
        )
    except accounts.AccountError as exc:
        errors = field_error(exc, locale_for(request), "username")
        form = {"username": username, "role": role}
        return _page(request, 422, errors=errors, form=form)
    return _page(request, 201, shown=(user.username, password))


@router.post("/users/{username}/role")
async def change_role(
    request: Request, who: Admin, username: str, role: Annotated[str, Form()] = ""
) -> Response:
    try:
        accounts.set_role(auth.service(request).db, username, role, actor=who.user.username)
    except accounts.AccountError as exc:
        return _page(request, 422, row_error=(username, _message(request, exc)))
    return _page(request)


# The agent desk: the extension a user answers at (their screen pop follows it).
@router.post("/users/{username}/extension")
async def change_extension(
    request: Request, who: Admin, username: str, extension: Annotated[str, Form()] = ""
) -> Response:
    try:
        accounts.set_extension(auth.service(request).db, username, extension,
                               actor=who.user.username)  # fmt: skip
    except accounts.AccountError as exc:
        return _page(request, 422, row_error=(username, _message(request, exc)))
    return _page(request)


@router.post("/users/{username}/password")
async def reset_password(request: Request, who: Admin, username: str) -> Response:
    password = accounts.generate_password()
    try:
        accounts.set_password(
            auth.service(request).db, username, password,
            must_change_password=True, actor=who.user.username,
        )  # fmt: skip
    except accounts.AccountError as exc:
        return _page(request, 422, row_error=(username, _message(request, exc)))
    return _page(request, shown=(username, password))


@router.post("/users/{username}/delete")
async def delete(request: Request, who: Admin, username: str) -> Response:
    try:
        accounts.delete_user(auth.service(request).db, username, actor=who.user.username)
    except accounts.AccountError as exc:
        return _page(request, 422, row_error=(username, _message(request, exc)))
    return _page(request)


def _message(request: Request, exc: ValueError) -> str:
    return next(iter(field_error(exc, locale_for(request)).values()))
