"""The live wallboard (supervisor): queues, agents and calls in progress, pushed over
server-sent events as rendered HTML within a second of every change; a large-screen
mode for a wall TV; and the supervisor tools (listen, whisper, barge, hang up, move a
waiting caller, pause, unpause or log out an agent) posted with htmx.

The tools call calls.supervise.Supervisor, as the REST API (console/api_live.py) does,
and answer with a message in the reader's language. Forms that need typing (a pause
reason, the queue to move a caller to) open in a panel outside the board, so the board's
updates never wipe what the supervisor types.
"""

from __future__ import annotations

import re
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from tongdai.calls import supervise
from tongdai.console import auth
from tongdai.console.streams import fragment, html_events
from tongdai.console.templating import N_, render

supervisor = auth.require("supervisor")
Supervisor = Annotated[auth.Principal, Depends(supervisor)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(supervisor)])

AGENT_STATES = {
    "logged-out": N_("Logged out"), "available": N_("Available"), "reserved": N_("Ringing"),
    "on-call": N_("On a call"), "wrap-up": N_("Wrap-up"), "paused": N_("Paused"),
}  # fmt: skip
CALL_STATES = {
    "talking": N_("Talking"), "queued": N_("Waiting in a queue"), "ringing": N_("Ringing"),
    "active": N_("In a menu or message"),
}  # fmt: skip
MODES = {"listen": N_("Listen"), "whisper": N_("Whisper"), "barge": N_("Barge")}
DONE = {
    "listen": N_("Your phone rings: answer it to listen."),
    "whisper": N_("Your phone rings: answer it to whisper to the agent."),
    "barge": N_("Your phone rings: answer it to join the call."),
    "hangup": N_("The call is hung up."),
    "move": N_("The caller waits in the other queue now."),
    "pause": N_("The agent is paused."),
    "unpause": N_("The agent is available again."),
    "logout": N_("The agent is logged out."),
}
# The supervisor module's refusals, in words a person reads in their language.
REFUSALS = (
    (r"not answered yet", N_("The call is not answered yet.")),
    (r"is on this call", N_("That extension is on this call.")),
    (r"has no registered phone", N_("That extension has no registered phone.")),
    (r"no extension", N_("There is no such extension.")),
    (r"is logged out", N_("The agent is logged out.")),
    (r"is full", N_("That queue is full.")),
    (r"has no agents", N_("That queue has no agents to take the caller.")),
    (r"reason", N_("Give a reason of 1 to 40 characters.")),
)


def clock(seconds: int | None) -> str:
    """A wallboard's time: 4:05, 1:02:03."""
    if seconds is None:
        return "–"
    h, rest = divmod(int(seconds), 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def _board(snapshot: dict, tools: bool) -> dict:
    return {"board": snapshot, "tools": tools, "clock": clock,
            "agent_states": AGENT_STATES, "call_states": CALL_STATES, "modes": MODES}  # fmt: skip


@router.get("/wallboard")
async def wallboard(request: Request, tv: bool = False) -> Response:
    snapshot = auth.service(request).wallboard.snapshot()
    template = "wallboard_tv.html" if tv else "wallboard.html"
    return render(request, template, _board(snapshot, not tv))


@router.get("/wallboard/stream")
async def stream(request: Request, tv: bool = False) -> Response:
    return await html_events(
        request, lambda snapshot: fragment(request, "_board.html", _board(snapshot, not tv))
    )


def _result(request: Request, message: str, ok: bool = True, status: int = 200) -> Response:
    return render(request, "wallboard.html", {"message": message, "ok": ok},
                  block="result", status=status)  # fmt: skip


def _refused(request: Request, exc: Exception) -> Response:
    text = str(exc)
    message = next((m for pattern, m in REFUSALS if re.search(pattern, text)), None)
    if isinstance(exc, supervise.NotFound):
        message = N_("That call, caller or agent is gone.")
    status = 404 if isinstance(exc, supervise.NotFound) else 409
    if isinstance(exc, supervise.Invalid):
        status = 422
    return _result(request, message or N_("This cannot be done now."), ok=False, status=status)


ERRORS = (supervise.NotFound, supervise.Invalid, supervise.Conflict)


@router.post("/wallboard/calls/{call_id}/{action}")
async def call_action(
    request: Request, who: Supervisor, call_id: str, action: str,
    extension: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    tools = auth.service(request).supervisor
    try:
        if action == "hangup":
            await tools.hangup(call_id, actor=who.user.username)
        elif action in supervise.MODES:
            if not extension.strip():
                return _result(request, N_("Type the extension you are at first."), False, 422)
            await tools.snoop(call_id, extension.strip(), action, actor=who.user.username)
        else:
            return _result(request, N_("This cannot be done now."), False, 404)
    except ERRORS as exc:
        return _refused(request, exc)
    return _result(request, DONE[action])


@router.get("/wallboard/move/{queue}/{caller}")
async def move_form(request: Request, queue: str, caller: str) -> Response:
    queues = sorted(q for q in auth.service(request).acd.config if q != queue)
    context = {"move": {"queue": queue, "caller": caller, "to": queues}}
    return render(request, "wallboard.html", context, block="tool")


@router.post("/wallboard/move/{queue}/{caller}")
async def move(
    request: Request, who: Supervisor, queue: str, caller: str, to: Annotated[str, Form()] = ""
) -> Response:
    try:
        auth.service(request).supervisor.move(queue, caller, to, actor=who.user.username)
    except ERRORS as exc:
        return _refused(request, exc)
    return _result(request, DONE["move"])


@router.get("/wallboard/agents/{number}/pause")
async def pause_form(request: Request, number: str) -> Response:
    return render(request, "wallboard.html", {"pause": number}, block="tool")


@router.post("/wallboard/agents/{number}/{action}")
async def agent_action(
    request: Request, who: Supervisor, number: str, action: str,
    reason: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    try:
        auth.service(request).supervisor.agent(number, action, reason, actor=who.user.username)
    except ERRORS as exc:
        return _refused(request, exc)
    return _result(request, DONE[action])
