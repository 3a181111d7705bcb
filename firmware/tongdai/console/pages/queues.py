"""Queues and their agents (admin): queues with every setting, their members (penalty,
level, weight), agents (an extension or an outside number) and VIP callers. Each change
goes to the live ACD at once (service.reload syncs it from the store, as for the CLI)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import Response

from tongdai.console import auth
from tongdai.console.config_forms import applied, decimal, row_message, text, whole
from tongdai.console.forms import field_error
from tongdai.console.queue_settings import FIELDS, settings_from_form
from tongdai.console.templating import locale_for, render
from tongdai.store import queues

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(admin)])
QueueError = queues.QueueError


def _page(request: Request, status: int = 200, **context) -> Response:
    db = auth.service(request).db
    context = {
        "queues": queues.list_queues(db), "agents": queues.list_agents(db),
        "members": queues.list_members(db), "strategies": queues.STRATEGIES,
        "vips": list(db.query("SELECT number, priority, name FROM vip_callers ORDER BY number")),
        "trunks": [r[0] for r in db.execute("SELECT name FROM trunks ORDER BY name")],
        "errors": {}, "form": {}, **context,
    }  # fmt: skip
    return render(request, "queues.html", context, block="queues", status=status)


def _queue_page(request: Request, name: str, status: int = 200, **context) -> Response:
    db = auth.service(request).db
    try:
        queue = queues.get_queue(db, name)
    except QueueError:
        raise HTTPException(404, f"no queue {name}") from None
    context = {"queue": queue, "fields": FIELDS, "members": queues.list_members(db, name),
               "agents": queues.list_agents(db), "errors": {}, **context}  # fmt: skip
    return render(request, "queue.html", context, block="queue", status=status)


async def _change(request: Request, change, on_error, default_field: str) -> Response | None:
    """Run a store change; the error as a response, or None when it went through."""
    try:
        change(await request.form())
    except QueueError as exc:
        return on_error(field_error(exc, locale_for(request), default_field))
    applied(request)
    return None


@router.get("/queues")
async def page(request: Request) -> Response:
    return _page(request)


@router.post("/queues")
async def create(request: Request, who: Admin) -> Response:
    form = await request.form()
    try:
        queue = queues.Queue(
            name=text(form, "name"),
            number=text(form, "number") or None,
            display=text(form, "display"),
            strategy=text(form, "strategy") or "longest-idle",
        )
        queues.add_queue(auth.service(request).db, queue, actor=who.user.username)
    except QueueError as exc:
        errors = field_error(exc, locale_for(request), "name")
        return _page(request, 422, errors=errors, form=form)
    applied(request)
    return _page(request, 201)


@router.get("/queues/{name}")
async def queue(request: Request, name: str) -> Response:
    return _queue_page(request, name)


@router.post("/queues/{name}")
async def save(request: Request, who: Admin, name: str) -> Response:
    _queue_page(request, name)  # 404 for a queue that is not there
    db = auth.service(request).db
    change = lambda form: queues.update_queue(  # noqa: E731
        db, name, actor=who.user.username, **settings_from_form(form)
    )
    error = await _change(
        request, change, lambda e: _queue_page(request, name, 422, errors=e), "name"
    )
    return error or _queue_page(request, name, saved=True)


@router.post("/queues/{name}/members")
async def add_member(request: Request, who: Admin, name: str) -> Response:
    db = auth.service(request).db

    def change(form):
        member = queues.Member(
            name, text(form, "agent"), penalty=whole(form, "penalty", QueueError, 0),
            level=whole(form, "level", QueueError, 1),
            weight=decimal(form, "weight", QueueError, 1.0),
        )  # fmt: skip
        queues.add_member(db, member, actor=who.user.username)

    error = await _change(
        request, change, lambda e: _queue_page(request, name, 422, member_errors=e), "agent"
    )
    return error or _queue_page(request, name)


@router.post("/queues/{name}/members/{agent}/delete")
async def remove_member(request: Request, who: Admin, name: str, agent: str) -> Response:
    db = auth.service(request).db
    change = lambda form: queues.delete_member(db, name, agent, actor=who.user.username)  # noqa: E731
    error = await _change(
        request, change, lambda e: _queue_page(request, name, 422, member_errors=e), "member"
    )
    return error or _queue_page(request, name)


@router.post("/queues/{name}/delete")
async def delete(request: Request, who: Admin, name: str) -> Response:
    try:
        queues.delete_queue(auth.service(request).db, name, actor=who.user.username)
    except QueueError as exc:
        return _page(request, 422, row_error=(name, row_message(request, exc)))
    applied(request)
    return _page(request)


@router.post("/agents")
async def add_agent(request: Request, who: Admin) -> Response:
    form = await request.form()
    try:
        agent = queues.Agent(
            text(form, "number"), kind=text(form, "kind"), name=text(form, "name"),
            trunk=text(form, "trunk"),
            max_no_answer=whole(form, "max_no_answer", QueueError, 3),
        )  # fmt: skip
        queues.add_agent(auth.service(request).db, agent, actor=who.user.username)
    except QueueError as exc:
        errors = field_error(exc, locale_for(request), "number")
        return _page(request, 422, agent_errors=errors, agent_form=form)
    applied(request)
    return _page(request, 201)


@router.post("/agents/{number}/delete")
async def delete_agent(request: Request, who: Admin, number: str) -> Response:
    try:
        queues.delete_agent(auth.service(request).db, number, actor=who.user.username)
    except QueueError as exc:
        return _page(request, 422, row_error=(number, row_message(request, exc)))
    applied(request)
    return _page(request)


@router.post("/vips")
async def set_vip(request: Request, who: Admin) -> Response:
    form = await request.form()
    try:
        queues.set_vip(auth.service(request).db, text(form, "number"),
                       whole(form, "priority", QueueError, 10), text(form, "name"),
                       actor=who.user.username)  # fmt: skip
    except QueueError as exc:
        errors = field_error(exc, locale_for(request), "number")
        return _page(request, 422, vip_errors=errors, vip_form=form)
    return _page(request, 201)


@router.post("/vips/{number}/delete")
async def delete_vip(request: Request, who: Admin, number: str) -> Response:
    try:
        queues.delete_vip(auth.service(request).db, number, actor=who.user.username)
    except QueueError as exc:
        return _page(request, 422, row_error=(number, row_message(request, exc)))
    return _page(request)
