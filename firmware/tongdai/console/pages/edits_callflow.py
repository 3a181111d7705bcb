"""Editing call-flow objects in their forms (admin): a ring group, a time condition or a
conference room filled in, saved through the store (which checks it as on create) or
shown back with the error by the field it names and nothing changed. A room's PIN is
never shown: left empty it is kept, and only the "remove the PIN" box clears it."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from tongdai.console import auth
from tongdai.console.config_forms import applied, text, whole
from tongdai.console.forms import field_error
from tongdai.console.pages import conferences as conferences_page
from tongdai.console.pages import ringgroups as ringgroups_page
from tongdai.console.pages import timeconditions as timeconditions_page
from tongdai.console.templating import locale_for
from tongdai.store import conferences, ringgroups, timeconditions

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(admin)])


@router.get("/ringgroups/{name}/edit")
async def edit_group_form(request: Request, name: str) -> Response:
    group = ringgroups.get(auth.service(request).db, name)
    if group is None:
        raise HTTPException(404, f"no ring group {name}")
    form = {"name": group.name, "number": group.number or "", "strategy": group.strategy,
            "ring_timeout": group.ring_timeout, "final": group.final}  # fmt: skip
    placed = {m.extension: (i, m.ring_timeout) for i, m in enumerate(group.members, 1)}
    return ringgroups_page.render_page(
        request, editing=name, form=form, picked=list(placed), placed=placed
    )


@router.post("/ringgroups/{name}/edit")
async def edit_group(request: Request, who: Admin, name: str) -> Response:
    form = await request.form()
    try:
        ringgroups.update(
            auth.service(request).db, name, new_name=text(form, "name"),
            members=ringgroups_page.members_from_form(form), strategy=text(form, "strategy"),
            number=text(form, "number") or None,
            ring_timeout=whole(form, "ring_timeout", ringgroups.RingGroupError, 25),
            final=text(form, "final") or "hangup", actor=who.user.username,
        )  # fmt: skip
    except ringgroups.RingGroupError as exc:
        errors = field_error(exc, locale_for(request), "name")
        placed = {n: (text(form, f"order_{n}"), text(form, f"seconds_{n}"))
                  for n in form.getlist("member")}  # fmt: skip
        return ringgroups_page.render_page(
            request, 422, errors=errors, form=form, editing=name,
            picked=form.getlist("member"), placed=placed,
        )  # fmt: skip
    applied(request)
    return ringgroups_page.render_page(request)


@router.get("/timeconditions/{name}/edit")
async def edit_condition_form(request: Request, name: str) -> Response:
    condition = timeconditions.get(auth.service(request).db, name)
    if condition is None:
        raise HTTPException(404, f"no time condition {name}")
    form = {"name": condition.name, "open": condition.open, "closed": condition.closed,
            "hours": "\n".join(timeconditions.hours_text(condition))}  # fmt: skip
    return timeconditions_page.render_page(request, editing=name, form=form)


@router.post("/timeconditions/{name}/edit")
async def edit_condition(request: Request, who: Admin, name: str) -> Response:
    form = await request.form()
    hours = [line.strip() for line in text(form, "hours").splitlines() if line.strip()]
    try:
        timeconditions.update(
            auth.service(request).db, name, new_name=text(form, "name"),
            open=text(form, "open"), closed=text(form, "closed"), hours=hours,
            actor=who.user.username,
        )  # fmt: skip
    except timeconditions.TimeConditionError as exc:
        errors = field_error(exc, locale_for(request), "name")
        return timeconditions_page.render_page(request, 422, errors=errors, form=form, editing=name)
    applied(request)
    return timeconditions_page.render_page(request)


@router.get("/conferences/{number}/edit")
async def edit_room_form(request: Request, number: str) -> Response:
    room = conferences.get(auth.service(request).db, number)
    if room is None:
        raise HTTPException(404, f"no room {number}")
    form = {"number": room["number"], "name": room["name"], "max_members": room["max_members"]}
    return conferences_page.render_page(request, editing=number, form=form)


@router.post("/conferences/{number}/edit")
async def edit_room(request: Request, who: Admin, number: str) -> Response:
    form = await request.form()
    # empty keeps the PIN: only the explicit box removes it
    pin = "" if form.get("remove_pin") else text(form, "pin") or None
    try:
        conferences.update(
            auth.service(request).db, number, new_number=text(form, "number"),
            name=text(form, "name"), pin=pin,
            max_members=whole(form, "max_members", conferences.ConferenceError, 10),
            actor=who.user.username,
        )  # fmt: skip
    except conferences.ConferenceError as exc:
        errors = field_error(exc, locale_for(request), "number")
        shown = {k: text(form, k) for k in ("number", "name", "max_members")}
        return conferences_page.render_page(request, 422, errors=errors, form=shown, editing=number)
    applied(request)
    return conferences_page.render_page(request)
