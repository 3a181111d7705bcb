"""Ring groups (admin): list, create (members in ringing order, each with its ring time),
delete. A group in use by a menu, route or condition cannot be deleted (the store says
which)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from tongdai.console import auth
from tongdai.console.config_forms import (
    applied,
    destination_context,
    row_message,
    text,
    whole,
)  # fmt: skip
from tongdai.console.forms import field_error
from tongdai.console.templating import locale_for, render
from tongdai.store import ringgroups

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(admin)])


def render_page(request: Request, status: int = 200, **context) -> Response:
    db = auth.service(request).db
    context = {"groups": ringgroups.all_groups(db), "strategies": ringgroups.STRATEGIES,
               "extensions": list(db.query("SELECT number, name FROM extensions ORDER BY number")),
               "errors": {}, "form": {}, **destination_context(request), **context}  # fmt: skip
    return render(request, "ringgroups.html", context, block="groups", status=status)


def members_from_form(form) -> list[str]:
    """The ticked extensions in the order given (`order_201`), as `201:20` items."""
    picked = []
    for number in form.getlist("member"):
        seconds = whole(form, f"seconds_{number}", ringgroups.RingGroupError, 15)
        order = whole(form, f"order_{number}", ringgroups.RingGroupError, 99)
        picked.append((order, f"{number}:{seconds}"))
    return [item for _, item in sorted(picked, key=lambda p: p[0])]


@router.get("/ringgroups")
async def groups(request: Request) -> Response:
    return render_page(request)


@router.post("/ringgroups")
async def create(request: Request, who: Admin) -> Response:
    form = await request.form()
    try:
        ringgroups.add(
            auth.service(request).db, text(form, "name"), members=members_from_form(form),
            strategy=text(form, "strategy"), number=text(form, "number") or None,
            ring_timeout=whole(form, "ring_timeout", ringgroups.RingGroupError, 25),
            final=text(form, "final") or "hangup", actor=who.user.username,
        )  # fmt: skip
    except ringgroups.RingGroupError as exc:
        errors = field_error(exc, locale_for(request), "name")
        return render_page(request, 422, errors=errors, form=form, picked=form.getlist("member"))
    applied(request)
    return render_page(request, 201)


@router.post("/ringgroups/{name}/delete")
async def delete(request: Request, who: Admin, name: str) -> Response:
    try:
        ringgroups.delete(auth.service(request).db, name, actor=who.user.username)
    except ringgroups.RingGroupError as exc:
        return render_page(request, 422, row_error=(name, row_message(request, exc)))
    applied(request)
    return render_page(request)
