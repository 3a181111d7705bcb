"""The dashboard (supervisor and admin): the box's health, phones, trunks, calls now and
today's numbers; the status block refreshes itself every few seconds."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from tongdai.console import auth, status
from tongdai.console.templating import render

router = APIRouter(include_in_schema=False, dependencies=[Depends(auth.require("supervisor"))])


@router.get("/dashboard")
async def dashboard(request: Request) -> Response:
    snapshot = status.snapshot(auth.service(request))
    return render(request, "dashboard.html", {"s": snapshot}, block="status")
