"""Who is asking: a browser session (cookie) or a script's API token, and what their role
lets them do.

Every route but the few in PUBLIC_PATHS depends on `require(role)`; the roles are ranked,
so `require("supervisor")` lets supervisors and admins in. A user whose password must be
changed reaches only the routes marked `password_pending=True` (their account page, the
language switch and logout) until they change it.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import HTTPException, Request, Response

from tongdai.console import csrf
from tongdai.store import accounts, sessions

ROLE_RANK = {"agent": 0, "supervisor": 1, "admin": 2}
COOKIE = "tongdai_session"
# Routes anyone may reach: health and metrics for monitoring, the login form, static
# files, and the phones' provisioning files (guarded by their own rules).
PUBLIC_PATHS = ("/healthz", "/metrics", "/login", "/static", "/prov/{name}")


@dataclass(frozen=True)
class Principal:
    user: accounts.User
    session: sessions.Session | None  # None for a script with an API token

    def can(self, role: str) -> bool:
        return ROLE_RANK[self.user.role] >= ROLE_RANK[role]


class NotLoggedIn(Exception):
    """No valid session or token: pages send the person to /login, the API answers 401."""


class PasswordChangeRequired(Exception):
    """The user must choose a new password before anything else."""


_UNKNOWN = object()


def service(request: Request):
    return request.app.state.service


def _session_id(request: Request) -> str:
    return request.cookies.get(COOKIE, "")


def authenticate(request: Request) -> Principal | None:
    """The principal behind a request (cached on it), or None."""
    cached = getattr(request.state, "principal", _UNKNOWN)
    if cached is not _UNKNOWN:
        return cached
    db, settings = service(request).db, service(request).settings
    principal = None
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme == "Bearer":
        user = accounts.verify_token(db, token.strip())
        principal = Principal(user, None) if user else None
    else:
        session = sessions.find(
            db,
            _session_id(request),
            idle=settings.console_session_idle,
            lifetime=settings.console_session_max,
        )
        user = accounts.user_by_id(db, session.user_id) if session else None
        principal = Principal(user, session) if user else None
    request.state.principal = principal
    return principal


def require(role: str, *, password_pending: bool = False):
    """A dependency admitting `role` and above, with the CSRF check for browser changes."""
    if role not in ROLE_RANK:
        raise ValueError(f"unknown role {role!r}")

    async def dependency(request: Request) -> Principal:
        principal = authenticate(request)
        if principal is None:
            raise NotLoggedIn
        if principal.session is not None:
            csrf.check_origin(request)
            await csrf.check_token(request, principal.session.csrf_token)
            if principal.user.must_change_password and not password_pending:
                raise PasswordChangeRequired
        if not principal.can(role):
            raise HTTPException(403, f"this needs the {role} role")
        return principal

    dependency.role = role  # read by the test that walks every route
    dependency.password_pending = password_pending
    return dependency


def start_session(request: Request, response: Response, user: accounts.User) -> None:
    svc = service(request)
    address = request.client.host if request.client else ""
    sessions.purge(
        svc.db, idle=svc.settings.console_session_idle, lifetime=svc.settings.console_session_max
    )
    session_id, _ = sessions.create(svc.db, user.id, address)
    response.set_cookie(
        COOKIE,
        session_id,
        max_age=svc.settings.console_session_max,
        httponly=True,
        samesite="strict",
        secure=svc.settings.console_https,
        path="/",
    )


def end_session(request: Request, response: Response) -> None:
    sessions.delete(service(request).db, _session_id(request))
    response.delete_cookie(COOKIE, path="/", httponly=True, samesite="strict")
