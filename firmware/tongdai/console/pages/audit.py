"""The audit log (admin): every change, who made it and when, newest first."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import Response

from tongdai.console import auth
from tongdai.console.templating import render
from tongdai.store import audit

PAGE_SIZE = 50
router = APIRouter(include_in_schema=False, dependencies=[Depends(auth.require("admin"))])


@router.get("/audit")
async def audit_log(request: Request, page: Annotated[int, Query(ge=1)] = 1) -> Response:
    entries, total = audit.page(
        auth.service(request).db, offset=(page - 1) * PAGE_SIZE, limit=PAGE_SIZE
    )
    pages = max(1, -(-total // PAGE_SIZE))
    context = {"entries": entries, "total": total, "page": page, "pages": pages}
    return render(request, "audit.html", context, block="audit")
