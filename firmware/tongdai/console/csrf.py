"""Cross-site request forgery: every state change from a browser carries its session's token.

A page puts the token in each form (the `csrf_token` field) and in the `X-CSRF-Token`
header htmx sends; the check compares it with the session's. Requests another site makes
a browser send are also refused by their Origin / Sec-Fetch-Site headers, which covers the
login form too (it has no session yet).
"""

from __future__ import annotations

import hmac

from fastapi import HTTPException, Request

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
HEADER = "X-CSRF-Token"
FIELD = "csrf_token"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def check_origin(request: Request) -> None:
    """Refuse a state change a page of another origin made the browser send."""
    if request.method in SAFE_METHODS:
        return
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    own = f"{request.url.scheme}://{request.url.netloc}"
    if site not in (None, "same-origin", "none") or (origin is not None and origin != own):
        raise HTTPException(403, "cross-site request refused")


async def check_token(request: Request, expected: str) -> None:
    """Refuse a state change without this session's token (header or form field)."""
    if request.method in SAFE_METHODS:
        return
    given = request.headers.get(HEADER, "")
    if not given and request.headers.get("content-type", "").startswith(FORM_TYPES):
        given = str((await request.form()).get(FIELD, ""))  # Starlette caches the form
    if not hmac.compare_digest(given.encode(), expected.encode()):
        raise HTTPException(403, "CSRF token missing or wrong: reload the page and try again")
