"""The agent desk (agent and up): log in and out of the queues, pause with a reason, and
the screen pop of the call ringing at the user's extension (pushed over server-sent
events within a second of the ring), with the caller's contact card, earlier calls with
the number, the queue's call script, and the note and disposition saved on the call.

A user answers at the extension an admin linked to their account (Users page). The
queues' call scripts are edited here by supervisors (/desk/scripts).
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response

from tongdai.console import auth, desk_calls
from tongdai.console.forms import field_error
from tongdai.console.pages.wallboard import AGENT_STATES
from tongdai.console.streams import fragment, html_events
from tongdai.console.templating import N_, locale_for, render
from tongdai.store import accounts, desk

agent = auth.require("agent")
Agent = Annotated[auth.Principal, Depends(agent)]
Supervisor = Annotated[auth.Principal, Depends(auth.require("supervisor"))]
router = APIRouter(include_in_schema=False, dependencies=[Depends(agent)])

DISPOSITIONS = {
    "resolved": N_("Resolved"), "information": N_("Information given"), "sale": N_("Sale"),
    "no sale": N_("No sale"), "complaint": N_("Complaint"), "call back": N_("Call back"),
    "escalated": N_("Escalated"), "wrong number": N_("Wrong number"),
}  # fmt: skip
PAUSE_REASONS = (N_("Lunch"), N_("Break"), N_("Meeting"), N_("Training"), N_("Paperwork"))


def extension(request: Request, who: auth.Principal) -> str | None:
    return accounts.extension_of(auth.service(request).db, who.user.id)


def _context(request: Request, who: auth.Principal, **extra) -> dict:
    svc = auth.service(request)
    ext = extension(request, who)
    state = svc.acd.state(ext) if ext else None
    return {"extension": ext, "state": state, "states": AGENT_STATES, "reasons": PAUSE_REASONS,
            "dispositions": DISPOSITIONS, "errors": {}, **extra}  # fmt: skip


@router.get("/desk")
async def page(request: Request, who: Agent) -> Response:
    ext = extension(request, who)
    pop = desk_calls.pop_for(auth.service(request), ext) if ext else None
    return render(request, "desk.html", _context(request, who, pop=pop))


@router.get("/desk/stream")
async def stream(request: Request, who: Agent) -> Response:
    ext = extension(request, who)
    if ext is None:
        raise HTTPException(409, "no extension is linked to this account")
    svc = auth.service(request)

    shown = {"key": None}

    def pop(_snapshot: dict) -> str | None:
        """The pop of a new call at the extension, once: sent again it would wipe the
        note being typed; and nothing while there is no call, so the last call's pop
        stays up for its note."""
        current = desk_calls.pop_for(svc, ext)
        if current is None or current.key == shown["key"]:
            return None
        shown["key"] = current.key
        return fragment(request, "_pop.html", {"pop": current, "dispositions": DISPOSITIONS,
                                               "errors": {}, "note": None})  # fmt: skip

    return await html_events(request, pop)


@router.post("/desk/state")
async def set_state(
    request: Request, who: Agent, action: Annotated[str, Form()] = "",
    reason: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    svc = auth.service(request)
    ext = extension(request, who)
    errors = {}
    if ext is None or svc.acd.state(ext) is None:
        errors["action"] = locale_for(request).gettext("Your extension is not a queue agent.")
    elif action == "pause" and not 1 <= len(reason.strip()) <= 40:
        errors["reason"] = locale_for(request).gettext("Give a reason of 1 to 40 characters.")
    elif action not in ("login", "logout", "pause", "unpause"):
        errors["action"] = locale_for(request).gettext("This cannot be done now.")
    else:
        svc.acd.set_state(ext, logged_in=action != "logout",
                          reason=reason.strip() if action == "pause" else "",
                          by=who.user.username)  # fmt: skip
    context = _context(request, who, errors=errors)
    return render(request, "desk.html", context, block="state", status=422 if errors else 200)


def known_call(db, call_id: str) -> bool:
    """A call in progress now or in the records."""
    if call_id in desk_calls.live_cdr_ids():
        return True
    return db.execute("SELECT 1 FROM cdr WHERE id = ?", [call_id]).fetchone() is not None


@router.post("/desk/notes/{call_id}")
async def save_note(
    request: Request, who: Agent, call_id: str,
    disposition: Annotated[str, Form()] = "", note: Annotated[str, Form()] = "",
) -> Response:  # fmt: skip
    db = auth.service(request).db
    saved, errors = False, {}
    try:
        if not known_call(db, call_id):
            raise desk.DeskError("call: not a call id")
        desk.save_note(db, call_id, disposition, note, actor=who.user.username)
        saved = True
    except desk.DeskError as exc:
        errors = field_error(exc, locale_for(request), "note")
    context = {"call_id": call_id, "dispositions": DISPOSITIONS, "errors": errors,
               "note": {"disposition": disposition, "note": note}, "saved": saved}  # fmt: skip
    return render(request, "_note.html", context, status=422 if errors else 200)


@router.get("/desk/scripts")
async def scripts(request: Request, who: Supervisor) -> Response:
    rows = desk.scripts(auth.service(request).db)
    return render(request, "desk_scripts.html", {"queues": rows, "errors": {}})


@router.post("/desk/scripts/{queue}")
async def save_script(
    request: Request, who: Supervisor, queue: str, script: Annotated[str, Form()] = ""
) -> Response:
    db = auth.service(request).db
    errors, saved = {}, ""
    try:
        desk.set_script(db, queue, script, actor=who.user.username)
        saved = queue
    except desk.DeskError as exc:
        errors = {queue: next(iter(field_error(exc, locale_for(request)).values()))}
    context = {"queues": desk.scripts(db), "errors": errors, "saved": saved}
    return render(request, "desk_scripts.html", context, block="scripts",
                  status=422 if errors else 200)  # fmt: skip
