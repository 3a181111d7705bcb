"""GET /api/v1/system (health, for any user) and /api/v1/dashboard (the dashboard's figures)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from tongdai.console import auth, status

router = APIRouter(prefix="/api/v1", tags=["system"])


@router.get("/system")
async def system(
    request: Request, who: Annotated[auth.Principal, Depends(auth.require("agent"))]
) -> dict:
    service = auth.service(request)
    return {**status.health(service), "user": who.user.username,
            "extensions": service.extension_count}  # fmt: skip


@router.get("/dashboard", dependencies=[Depends(auth.require("supervisor"))])
async def dashboard(request: Request) -> dict:
    return status.snapshot(auth.service(request))
