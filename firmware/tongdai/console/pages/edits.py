"""Editing what could only be created and deleted (admin): a trunk's form filled in to
change it (the password is never shown: left empty it is kept), and a time condition's
holiday removed. The store checks everything, as on create."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response

from tongdai.console import auth, changes
from tongdai.console.config_forms import applied, row_message
from tongdai.console.forms import field_error
from tongdai.console.pages import timeconditions as timeconditions_page
from tongdai.console.pages import trunks as trunks_page
from tongdai.console.templating import locale_for
from tongdai.store import timeconditions, trunks

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(admin)])


@router.get("/trunks/{name}/edit")
async def edit_trunk_form(request: Request, name: str) -> Response:
    found = [t for t in trunks_page.listing(auth.service(request)) if t["name"] == name]
    if not found:
        raise HTTPException(404, f"no trunk {name}")
    form = {**found[0], "inbound_from": found[0]["inbound_from"].replace(",", ", ")}
    return trunks_page.render_page(request, editing=name, form=form)


@router.post("/trunks/{name}/edit")
async def edit_trunk(
    request: Request,
    who: Admin,
    name: str,
    new_name: Annotated[str, Form(alias="name")] = "",
    host: Annotated[str, Form()] = "",
    port: Annotated[str, Form()] = "5060",
    username: Annotated[str, Form()] = "",
    password: Annotated[str, Form()] = "",
    registers: Annotated[bool, Form(alias="register")] = False,
    max_calls: Annotated[str, Form()] = "0",
    caller_id: Annotated[str, Form()] = "",
    inbound_from: Annotated[str, Form()] = "",
    match_port: Annotated[bool, Form()] = False,
) -> Response:
    try:
        trunks.update(
            auth.service(request).db, name, new_name=new_name.strip(), host=host.strip(),
            port=trunks_page.number_field(port, "port", 5060), username=username.strip(),
            password=password, register=registers,
            max_calls=trunks_page.number_field(max_calls, "max_calls", 0),
            caller_id=caller_id.strip(), inbound_from=inbound_from.replace(" ", ",").split(","),
            match_port=match_port, actor=who.user.username,
        )  # fmt: skip
    except trunks.TrunkError as exc:
        form = {"name": new_name, "host": host, "port": port, "username": username,
                "register": registers, "max_calls": max_calls, "caller_id": caller_id,
                "inbound_from": inbound_from, "match_port": match_port}  # fmt: skip
        errors = field_error(exc, locale_for(request), "name")
        return trunks_page.render_page(request, 422, errors=errors, form=form, editing=name)
    changes.apply(request)  # the edge registers and accepts calls as the trunk says now
    return trunks_page.render_page(request)


@router.post("/timeconditions/{name}/holidays/{first}/delete")
async def delete_holiday(request: Request, who: Admin, name: str, first: str) -> Response:
    try:
        timeconditions.delete_holiday(auth.service(request).db, name, first,
                                      actor=who.user.username)  # fmt: skip
    except timeconditions.TimeConditionError as exc:
        error = (name, row_message(request, exc))
        return timeconditions_page.render_page(request, 422, row_error=error)
    applied(request)
    return timeconditions_page.render_page(request)
