"""Time conditions and holidays (admin): weekly hours, holidays, and the override switch
(closed now / open now / follow the hours) shown with the state it gives now in the box's
time zone, beside the day/night feature code a phone dials for the same switch."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from tongdai.console import auth
from tongdai.console.config_forms import applied, destination_context, row_message, text
from tongdai.console.forms import field_error
from tongdai.console.templating import locale_for, render
from tongdai.store import features, timeconditions

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(admin)])
OVERRIDE_STATES = {"hours": "", "open": "open", "closed": "closed"}  # the form's -> the store's


def N_(message: str) -> str:
    return message


DAYS = (N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun"))


def conditions(service) -> list[dict]:
    """Each condition with whether it is open now, by the clock calls use (the box's zone)."""
    now = service.dialplan.clock()
    code = features.codes(service.db).day_night
    return [
        {"c": c, "open_now": c.is_open(now), "code": f"{code}{c.id}",
         "hours": [([DAYS[int(d) - 1] for d in r.days], r.start, r.end) for r in c.ranges]}
        for c in timeconditions.all_conditions(service.db)
    ]  # fmt: skip


def render_page(request: Request, status: int = 200, **context) -> Response:
    service = auth.service(request)
    context = {"conditions": conditions(service), "now": service.dialplan.clock(),
               "errors": {}, "form": {}, **destination_context(request), **context}  # fmt: skip
    return render(request, "timeconditions.html", context, block="conditions", status=status)


@router.get("/timeconditions")
async def page(request: Request) -> Response:
    return render_page(request)


@router.post("/timeconditions")
async def create(request: Request, who: Admin) -> Response:
    form = await request.form()
    hours = [line.strip() for line in text(form, "hours").splitlines() if line.strip()]
    try:
        timeconditions.add(
            auth.service(request).db, text(form, "name"), open=text(form, "open"),
            closed=text(form, "closed"), hours=hours, actor=who.user.username,
        )  # fmt: skip
    except timeconditions.TimeConditionError as exc:
        errors = field_error(exc, locale_for(request), "name")
        return render_page(request, 422, errors=errors, form=form)
    applied(request)
    return render_page(request, 201)


@router.post("/timeconditions/{name}/override")
async def override(request: Request, who: Admin, name: str) -> Response:
    form = await request.form()
    state = OVERRIDE_STATES.get(text(form, "state"), "?")
    try:
        timeconditions.set_override(auth.service(request).db, name, state, actor=who.user.username)
    except timeconditions.TimeConditionError as exc:
        return render_page(request, 422, row_error=(name, row_message(request, exc)))
    applied(request)
    return render_page(request)


@router.post("/timeconditions/{name}/holidays")
async def holiday(request: Request, who: Admin, name: str) -> Response:
    form = await request.form()
    try:
        timeconditions.add_holiday(
            auth.service(request).db, name, text(form, "date"), text(form, "until"),
            label=text(form, "label"), actor=who.user.username,
        )  # fmt: skip
    except timeconditions.TimeConditionError as exc:
        return render_page(request, 422, row_error=(name, row_message(request, exc)))
    applied(request)
    return render_page(request)


@router.post("/timeconditions/{name}/delete")
async def delete(request: Request, who: Admin, name: str) -> Response:
    try:
        timeconditions.delete(auth.service(request).db, name, actor=who.user.username)
    except timeconditions.TimeConditionError as exc:
        return render_page(request, 422, row_error=(name, row_message(request, exc)))
    applied(request)
    return render_page(request)
