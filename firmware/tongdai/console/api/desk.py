"""The agent desk over the API (agent and up): the user's extension, agent state and the
call at it now; notes and dispositions on calls; queues' call scripts (supervisor)."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Request
from pydantic import BaseModel, Field

from tongdai.console import auth, desk_calls
from tongdai.console.api.errors import unprocessable
from tongdai.console.pages.desk import known_call
from tongdai.store import accounts, desk

agent = auth.require("agent")
Agent = Annotated[auth.Principal, Depends(agent)]
Supervisor = Annotated[auth.Principal, Depends(auth.require("supervisor"))]
router = APIRouter(prefix="/api/v1", tags=["desk"], dependencies=[Depends(agent)])


class StateChange(BaseModel):
    action: Literal["login", "logout", "pause", "unpause"]
    reason: str = Field("", max_length=40)


class Note(BaseModel):
    disposition: str = Field("", description="one of GET /api/v1/dispositions, or empty")
    note: str = ""


class Script(BaseModel):
    script: str


def _extension(request: Request, who: auth.Principal) -> str:
    ext = accounts.extension_of(auth.service(request).db, who.user.id)
    if ext is None:
        raise HTTPException(409, "no extension is linked to this account (Users page)")
    return ext


@router.get("/desk")
async def my_desk(request: Request, who: Agent) -> dict:
    """The user's extension, their agent state (null when not an agent) and the call
    ringing or answered there (null when none)."""
    svc = auth.service(request)
    ext = _extension(request, who)
    state = svc.acd.state(ext)
    pop = desk_calls.pop_for(svc, ext)
    return {
        "extension": ext,
        "state": None if state is None else {"state": state[0], "reason": state[1]},
        "call": None if pop is None else dataclasses.asdict(pop),
    }


@router.post("/desk/state")
async def set_state(request: Request, who: Agent, change: StateChange) -> dict:
    svc = auth.service(request)
    ext = _extension(request, who)
    if svc.acd.state(ext) is None:
        raise HTTPException(409, f"extension {ext} is not a queue agent")
    reason = change.reason.strip()
    if change.action == "pause" and not reason:
        raise HTTPException(422, {"field": "reason", "message": "a pause needs a reason"})
    svc.acd.set_state(ext, logged_in=change.action != "logout",
                      reason=reason if change.action == "pause" else "",
                      by=who.user.username)  # fmt: skip
    state, reason = svc.acd.state(ext)
    return {"state": state, "reason": reason}


@router.get("/dispositions")
async def dispositions() -> list[str]:
    return list(desk.DISPOSITIONS)


@router.get("/notes/{call_id}")
async def get_note(request: Request, call_id: str) -> dict:
    found = desk.note(auth.service(request).db, call_id)
    if found is None:
        raise HTTPException(404, f"no note on call {call_id}")
    return found


@router.put("/notes/{call_id}")
async def put_note(request: Request, who: Agent, call_id: str, body: Note) -> dict:
    """The note and disposition of a call: its CDR id (GET /api/v1/desk gives the
    current call's as `cdr_id`)."""
    db = auth.service(request).db
    if not known_call(db, call_id):
        raise HTTPException(404, f"no call {call_id}")
    try:
        desk.save_note(db, call_id, body.disposition, body.note, actor=who.user.username)
    except desk.DeskError as exc:
        raise unprocessable(exc) from None
    return desk.note(db, call_id)


@router.put("/queues/{queue}/script")
async def put_script(request: Request, who: Supervisor, queue: str, body: Script) -> dict:
    db = auth.service(request).db
    try:
        desk.set_script(db, queue, body.script, actor=who.user.username)
    except desk.DeskError as exc:
        if str(exc).startswith("queue:"):
            raise HTTPException(404, f"no queue {queue}") from None
        raise unprocessable(exc) from None
    return {"queue": queue, "script": desk.script(db, queue)}
