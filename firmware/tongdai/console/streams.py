"""Live pages: server-sent events carrying rendered HTML (htmx's SSE extension swaps an
unnamed event's data into the element that opened the stream), so the wallboard and the
desk are rendered by the same templates whether loaded whole or pushed."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from fastapi import HTTPException, Request
from sse_starlette import EventSourceResponse

from tongdai.console import auth, csrf
from tongdai.console.live import TooManySubscribers
from tongdai.console.templating import ROLE_NAMES, env, locale_for

PING_SECONDS = 15  # keeps proxies from closing a quiet stream


def fragment(request: Request, template: str, context: dict) -> str:
    """A partial template as HTML, in the reader's language."""
    principal = auth.authenticate(request)
    session = principal.session if principal else None
    full = {"request": request, "locale": locale_for(request), "role_names": ROLE_NAMES,
            "user": principal.user if principal else None, "csrf_field": csrf.FIELD,
            "csrf_token": session.csrf_token if session else "", **context}  # fmt: skip
    return env.get_template(template).render(full)


async def html_events(request: Request, render: Callable[[dict], str | None]):
    """An SSE response sending `render(snapshot)` for each wallboard snapshot (within a
    second of any change); None (or the same HTML as last time) sends nothing."""
    feed = auth.service(request).wallboard.feed()
    try:
        first = await anext(feed)
    except TooManySubscribers as exc:
        raise HTTPException(503, str(exc)) from None

    async def events() -> AsyncIterator[dict]:
        last = None
        try:
            snapshot = first
            while True:
                html = render(snapshot)
                if html is not None and html != last:
                    last = html
                    yield {"data": html}
                snapshot = await anext(feed)
        finally:
            await feed.aclose()

    return EventSourceResponse(events(), ping=PING_SECONDS)
