"""Queues, their members, agents and VIP callers over the API (admin). Each change is
synced into the live ACD at once, as the queues page does."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field, create_model

from tongdai.console import auth
from tongdai.console.api.errors import unprocessable
from tongdai.store import queues

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(prefix="/api/v1", tags=["queues"], dependencies=[Depends(admin)])
QueueError = queues.QueueError

# The queue's settings as the store defines them (store.queues.Queue), all optional in a
# change.
Queue = create_model(
    "Queue", **{name: (type(value), value) for name, value in asdict(queues.Queue("x")).items()
                if name not in ("name", "number")},
    name=(str, ...), number=(str | None, None),
)  # fmt: skip
QueueChange = create_model(
    "QueueChange",
    **{name: (field.annotation | None, None) for name, field in Queue.model_fields.items()
       if name != "name"},
)  # fmt: skip


class Member(BaseModel):
    agent: str
    penalty: int = 0
    level: int = 1
    weight: float = 1.0


class QueueWithMembers(Queue):
    members: list[Member] = Field(default_factory=list)


class Agent(BaseModel):
    number: str
    kind: str = "extension"
    name: str = ""
    trunk: str = ""
    max_no_answer: int = 3
    reject_delay: float = 10.0
    busy_delay: float = 30.0
    no_answer_delay: float = 10.0
    logged_in: bool = False
    pause_reason: str = ""


class Vip(BaseModel):
    number: str
    priority: int = 10
    name: str = ""


def _db(request: Request):
    return auth.service(request).db


def _applied(request: Request) -> None:
    auth.service(request).reload()


def _queue(request: Request, name: str) -> QueueWithMembers:
    try:
        queue = queues.get_queue(_db(request), name)
    except QueueError:
        raise HTTPException(404, f"no queue {name!r}") from None
    members = [Member(**asdict(m)) for m in queues.list_members(_db(request), name)]
    return QueueWithMembers(**asdict(queue), members=members)


def _run(request: Request, change) -> None:
    try:
        change()
    except QueueError as exc:
        raise unprocessable(exc) from None
    _applied(request)


@router.get("/queues")
async def list_queues(request: Request) -> list[QueueWithMembers]:
    return [_queue(request, q.name) for q in queues.list_queues(_db(request))]


@router.post("/queues", status_code=201)
async def create(request: Request, who: Admin, queue: Queue) -> QueueWithMembers:
    new = queues.Queue(**queue.model_dump())
    _run(request, lambda: queues.add_queue(_db(request), new, actor=who.user.username))
    return _queue(request, queue.name)


@router.get("/queues/{name}")
async def get(request: Request, name: str) -> QueueWithMembers:
    return _queue(request, name)


@router.patch("/queues/{name}")
async def change(request: Request, who: Admin, name: str, body: QueueChange) -> QueueWithMembers:
    _queue(request, name)
    changes = body.model_dump(exclude_unset=True)
    _run(request, lambda: queues.update_queue(_db(request), name, actor=who.user.username,
                                              **changes))  # fmt: skip
    return _queue(request, name)


@router.delete("/queues/{name}", status_code=204)
async def delete(request: Request, who: Admin, name: str) -> Response:
    _queue(request, name)
    _run(request, lambda: queues.delete_queue(_db(request), name, actor=who.user.username))
    return Response(status_code=204)


@router.put("/queues/{name}/members/{agent}")
async def set_member(
    request: Request, who: Admin, name: str, agent: str, member: Member
) -> QueueWithMembers:
    _queue(request, name)
    new = queues.Member(name, agent, member.penalty, member.level, member.weight)
    _run(request, lambda: queues.add_member(_db(request), new, actor=who.user.username))
    return _queue(request, name)


@router.delete("/queues/{name}/members/{agent}")
async def remove_member(request: Request, who: Admin, name: str, agent: str) -> QueueWithMembers:
    _queue(request, name)
    _run(request, lambda: queues.delete_member(_db(request), name, agent,
                                               actor=who.user.username))  # fmt: skip
    return _queue(request, name)


@router.get("/agents")
async def list_agents(request: Request) -> list[Agent]:
    return [Agent(**asdict(a)) for a in queues.list_agents(_db(request))]


@router.post("/agents", status_code=201)
async def add_agent(request: Request, who: Admin, agent: Agent) -> Agent:
    fields = agent.model_dump(exclude={"logged_in", "pause_reason"})
    _run(request, lambda: queues.add_agent(_db(request), queues.Agent(**fields),
                                           actor=who.user.username))  # fmt: skip
    return Agent(**asdict(queues.get_agent(_db(request), agent.number)))


@router.delete("/agents/{number}", status_code=204)
async def delete_agent(request: Request, who: Admin, number: str) -> Response:
    try:
        queues.get_agent(_db(request), number)
    except QueueError:
        raise HTTPException(404, f"no agent {number!r}") from None
    _run(request, lambda: queues.delete_agent(_db(request), number, actor=who.user.username))
    return Response(status_code=204)


@router.get("/vips")
async def list_vips(request: Request) -> list[Vip]:
    rows = _db(request).query("SELECT number, priority, name FROM vip_callers ORDER BY number")
    return [Vip(**r) for r in rows]


@router.put("/vips/{number}")
async def set_vip(request: Request, who: Admin, number: str, vip: Vip) -> Vip:
    _run(request, lambda: queues.set_vip(_db(request), number, vip.priority, vip.name,
                                         actor=who.user.username))  # fmt: skip
    return Vip(number=number, priority=vip.priority, name=vip.name)


@router.delete("/vips/{number}", status_code=204)
async def delete_vip(request: Request, who: Admin, number: str) -> Response:
    _run(request, lambda: queues.delete_vip(_db(request), number, actor=who.user.username))
    return Response(status_code=204)
