"""Time conditions over the API (admin): list with the state now, create, holidays, the
override switch, delete."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel

from tongdai.console import auth
from tongdai.console.api.errors import unprocessable
from tongdai.console.pages.timeconditions import OVERRIDE_STATES
from tongdai.store import features, timeconditions

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(
    prefix="/api/v1/timeconditions", tags=["time conditions"], dependencies=[Depends(admin)]
)
Error = timeconditions.TimeConditionError


class Holiday(BaseModel):
    first: str  # YYYY-MM-DD
    last: str = ""  # the last day of a holiday of several days
    name: str = ""


class NewCondition(BaseModel):
    name: str
    hours: list[str]  # like "mon-fri 08:00-17:30"
    open: str
    closed: str


class Condition(BaseModel):
    id: int
    name: str
    hours: list[str]
    open: str
    closed: str
    override: Literal["open", "closed", "hours"]
    open_now: bool  # by the box's clock and time zone, override first
    day_night_code: str  # what a phone dials to switch it
    holidays: list[Holiday]


class Override(BaseModel):
    state: Literal["open", "closed", "hours"]


def _model(request: Request, c: timeconditions.TimeCondition) -> Condition:
    service = auth.service(request)
    days = timeconditions.DAY_NAMES
    return Condition(
        id=c.id, name=c.name, open=c.open, closed=c.closed, override=c.override or "hours",
        hours=[f"{','.join(days[int(d) - 1] for d in r.days)} {r.start}-{r.end}"
               for r in c.ranges],
        open_now=c.is_open(service.dialplan.clock()),
        day_night_code=f"{features.codes(service.db).day_night}{c.id}",
        holidays=[Holiday(**h.__dict__) for h in c.holidays],
    )  # fmt: skip


def _existing(request: Request, name: str) -> timeconditions.TimeCondition:
    found = timeconditions.get(auth.service(request).db, name)
    if found is None:
        raise HTTPException(404, f"no time condition {name!r}")
    return found


def changed(request: Request, name: str) -> Condition:
    auth.service(request).reload()
    return _model(request, _existing(request, name))


@router.get("")
async def list_conditions(request: Request) -> list[Condition]:
    db = auth.service(request).db
    return [_model(request, c) for c in timeconditions.all_conditions(db)]


@router.post("", status_code=201)
async def create(request: Request, who: Admin, new: NewCondition) -> Condition:
    try:
        timeconditions.add(auth.service(request).db, new.name, open=new.open, closed=new.closed,
                           hours=new.hours, actor=who.user.username)  # fmt: skip
    except Error as exc:
        raise unprocessable(exc) from None
    return changed(request, new.name)


@router.get("/{name}")
async def get(request: Request, name: str) -> Condition:
    return _model(request, _existing(request, name))


@router.put("/{name}/override")
async def override(request: Request, who: Admin, name: str, body: Override) -> Condition:
    _existing(request, name)
    timeconditions.set_override(auth.service(request).db, name, OVERRIDE_STATES[body.state],
                                actor=who.user.username)  # fmt: skip
    return changed(request, name)


@router.post("/{name}/holidays", status_code=201)
async def add_holiday(request: Request, who: Admin, name: str, holiday: Holiday) -> Condition:
    _existing(request, name)
    try:
        timeconditions.add_holiday(auth.service(request).db, name, holiday.first, holiday.last,
                                   label=holiday.name, actor=who.user.username)  # fmt: skip
    except Error as exc:
        raise unprocessable(exc) from None
    return changed(request, name)


@router.delete("/{name}", status_code=204)
async def delete(request: Request, who: Admin, name: str) -> Response:
    _existing(request, name)
    try:
        timeconditions.delete(auth.service(request).db, name, actor=who.user.username)
    except Error as exc:
        raise unprocessable(exc) from None
    auth.service(request).reload()
    return Response(status_code=204)
