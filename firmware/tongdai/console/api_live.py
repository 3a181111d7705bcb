"""The live wallboard and the supervisor tools as REST API under /api/v1.

`live_router(board, supervisor, auth)` takes the dependency that admits a request
(`console.auth.require("supervisor")`: a session or an API token of a supervisor or an
admin, with the CSRF check for browser changes). Errors: 404 for an unknown call, queue, caller or
agent; 422 naming the field for bad input; 409 when the action does not fit (a call
not answered yet, an agent logged out); 503 when too many live views are open.
"""

import json
from collections.abc import Callable
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException
from pydantic import BaseModel, Field
from sse_starlette import EventSourceResponse

from tongdai.calls import supervise
from tongdai.calls.supervise import Supervisor
from tongdai.console.auth import Principal
from tongdai.console.live import TooManySubscribers, Wallboard
from tongdai.store.accounts import User

# (No `from __future__ import annotations`: FastAPI must resolve the route functions'
# annotations, which name a dependency made inside live_router.)
PING_SECONDS = 15  # keeps proxies from closing a quiet stream


class SnoopBody(BaseModel):
    extension: str = Field(min_length=1, max_length=32, description="the supervisor's extension")


class MoveBody(BaseModel):
    queue: str = Field(min_length=1, max_length=64, description="the queue to move the caller to")


class PauseBody(BaseModel):
    reason: str = Field(min_length=1, max_length=supervise.MAX_REASON)


def _http(exc: Exception) -> HTTPException:
    if isinstance(exc, supervise.NotFound):
        return HTTPException(404, str(exc))
    if isinstance(exc, supervise.Invalid):
        return HTTPException(422, str(exc))
    return HTTPException(409, str(exc))


ERRORS = (supervise.NotFound, supervise.Invalid, supervise.Conflict)


def live_router(board: Wallboard, supervisor: Supervisor, auth: Callable) -> APIRouter:
    async def supervising(principal: Annotated[Principal, Depends(auth)]) -> User:
        return principal.user

    Who = Annotated[User, Depends(supervising)]
    router = APIRouter(prefix="/api/v1", tags=["live"])

    @router.get("/wallboard")
    async def wallboard(user: Who) -> dict:
        """Queues, agents and calls in progress now."""
        return board.snapshot()

    @router.get("/wallboard/events")
    async def wallboard_events(user: Who) -> EventSourceResponse:
        """Server-sent events: a `snapshot` now, then within a second of every change."""
        feed = board.feed()
        try:
            first = await anext(feed)
        except TooManySubscribers as exc:
            raise HTTPException(503, str(exc)) from None

        async def events():
            try:
                snapshot = first
                while True:
                    yield {"event": "snapshot", "data": json.dumps(snapshot)}
                    snapshot = await anext(feed)
            finally:
                await feed.aclose()

        return EventSourceResponse(events(), ping=PING_SECONDS)

    @router.get("/calls")
    async def calls(user: Who) -> dict:
        return {"calls": board.calls()}

    def snoop_route(mode: str) -> None:
        async def snoop(call_id: str, body: SnoopBody, user: Who) -> dict:
            try:
                s = await supervisor.snoop(call_id, body.extension, mode, actor=user.username)
            except ERRORS as exc:
                raise _http(exc) from None
            return {"session": s.id, "call": s.call_id, "extension": s.extension,
                    "mode": s.mode, "state": s.state}  # fmt: skip

        snoop.__name__ = mode
        router.post(f"/calls/{{call_id}}/{mode}", status_code=202,
                    summary=f"{mode.capitalize()} on a call from an extension")(snoop)  # fmt: skip

    for mode in supervise.MODES:
        snoop_route(mode)

    @router.post("/calls/{call_id}/hangup")
    async def hangup(call_id: str, user: Who) -> dict:
        try:
            call = await supervisor.hangup(call_id, actor=user.username)
        except ERRORS as exc:
            raise _http(exc) from None
        return {"call": call.id, "hung_up": [leg.id for leg in call.legs]}

    @router.post("/queues/{queue}/callers/{caller}/move")
    async def move(queue: str, caller: str, body: MoveBody, user: Who) -> dict:
        try:
            position = supervisor.move(queue, caller, body.queue, actor=user.username)
        except ERRORS as exc:
            raise _http(exc) from None
        return {"caller": caller, "queue": body.queue, "position": position}

    def agent_result(number: str, action: str, reason: str, user: User) -> dict:
        try:
            state, reason = supervisor.agent(number, action, reason, actor=user.username)
        except ERRORS as exc:
            raise _http(exc) from None
        return {"agent": number, "state": state, "reason": reason}

    @router.post("/agents/{number}/pause")
    async def pause(number: str, body: PauseBody, user: Who) -> dict:
        return agent_result(number, "pause", body.reason, user)

    @router.post("/agents/{number}/unpause")
    async def unpause(number: str, user: Who) -> dict:
        return agent_result(number, "unpause", "", user)

    @router.post("/agents/{number}/logout")
    async def logout(number: str, user: Who) -> dict:
        return agent_result(number, "logout", "", user)

    return router
