"""Conference rooms (admin): list, create (number, name, optional PIN, size), delete."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from tongdai.console import auth
from tongdai.console.config_forms import applied, row_message, text, whole
from tongdai.console.forms import field_error
from tongdai.console.templating import locale_for, render
from tongdai.store import conferences

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(admin)])


def render_page(request: Request, status: int = 200, **context) -> Response:
    context = {"rooms": conferences.rooms(auth.service(request).db), "errors": {}, "form": {},
               **context}  # fmt: skip
    return render(request, "conferences.html", context, block="rooms", status=status)


@router.get("/conferences")
async def page(request: Request) -> Response:
    return render_page(request)


@router.post("/conferences")
async def create(request: Request, who: Admin) -> Response:
    form = await request.form()
    try:
        conferences.add(
            auth.service(request).db, text(form, "number"), name=text(form, "name"),
            pin=text(form, "pin"),
            max_members=whole(form, "max_members", conferences.ConferenceError, 10),
            actor=who.user.username,
        )  # fmt: skip
    except conferences.ConferenceError as exc:
        errors = field_error(exc, locale_for(request), "number")
        return render_page(request, 422, errors=errors, form={"number": text(form, "number"),
                                                         "name": text(form, "name")})  # fmt: skip
    applied(request)
    return render_page(request, 201)


@router.post("/conferences/{number}/delete")
async def delete(request: Request, who: Admin, number: str) -> Response:
    try:
        conferences.delete(auth.service(request).db, number, actor=who.user.username)
    except conferences.ConferenceError as exc:
        return render_page(request, 422, row_error=(number, row_message(request, exc)))
    applied(request)
    return render_page(request)
