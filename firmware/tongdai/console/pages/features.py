"""Feature codes (admin): every code in one list, each changed in place; a clash with
another code or an internal number is shown at the field."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, HTTPException, Request
from fastapi.responses import Response

from tongdai.console import auth
from tongdai.console.config_labels import FEATURE_NAMES
from tongdai.console.forms import field_error
from tongdai.console.templating import locale_for, render
from tongdai.store import features

admin = auth.require("admin")
Admin = Annotated[auth.Principal, Depends(admin)]
router = APIRouter(include_in_schema=False, dependencies=[Depends(admin)])


def _page(request: Request, status: int = 200, **context) -> Response:
    context = {"features": features.listing(auth.service(request).db),
               "feature_names": FEATURE_NAMES, "prefixed": features.PREFIXED,
               "errors": {}, **context}  # fmt: skip
    return render(request, "features.html", context, block="features", status=status)


@router.get("/features")
async def features_page(request: Request) -> Response:
    return _page(request)


@router.post("/features/{name}")
async def set_code(
    request: Request, who: Admin, name: str, code: Annotated[str, Form()] = ""
) -> Response:
    if name not in features.DEFAULTS:
        raise HTTPException(404, "no such feature")
    try:
        # The dialplan reads the codes on every call, so the next call uses the new one.
        features.set_code(auth.service(request).db, name, code, actor=who.user.username)
    except features.FeatureError as exc:
        message = next(iter(field_error(exc, locale_for(request)).values()))
        return _page(request, 422, errors={name: message}, tried={name: code})
    return _page(request, saved=name)
