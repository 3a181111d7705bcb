"""Every route of the console and the API refuses who it must: anonymous requests, lower
roles, browser changes without the CSRF token or from another site, and users who have
not yet changed their first password. Found by walking the app's routes, so a new route
is covered the day it is added."""

import re

import pytest
from fastapi.routing import APIRoute
from tongdai.console import auth

RANKS = list(auth.ROLE_RANK)  # lowest first


def _roles(dependant) -> list:
    """The require() dependencies of a route, however deeply nested."""
    found = [d.call for d in dependant.dependencies if hasattr(d.call, "role")]
    for sub in dependant.dependencies:
        found += _roles(sub)
    return found


def _public(path: str) -> bool:
    return any(path == p or path.startswith(p + "/") for p in auth.PUBLIC_PATHS)


def _flatten(routes):
    """The app's APIRoutes, through included routers (FastAPI keeps those as routes holding
    their `original_router`)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif hasattr(route, "original_router"):
            yield from _flatten(route.original_router.routes)


def _routes(app):
    """(method, path with its parameters filled, the role it needs, password-pending ok)."""
    out = []
    for route in _flatten(app.routes):
        if _public(route.path):
            continue
        needs = _roles(route.dependant)
        assert needs, f"{route.path} has no role: depend on auth.require(role)"
        role = max((d.role for d in needs), key=RANKS.index)
        pending = all(getattr(d, "password_pending", False) for d in needs)
        path = re.sub(r"\{[^}]+\}", "nobody", route.path)  # refused before it is looked up
        for method in sorted(route.methods - {"HEAD"}):
            out.append((method, path, role, pending))
    return out


def test_every_route_needs_a_role(console):
    routes = _routes(console.app)
    paths = {p for _, p, _, _ in routes}
    # the walk sees the pages and the API (a broken walk would check nothing)
    assert {"/dashboard", "/users", "/audit", "/api/v1/users", "/api/v1/audit",
            "/api/v1/wallboard", "/api/v1/calls/nobody/hangup"} <= paths  # fmt: skip
    assert len(routes) >= 15


def test_anonymous_requests_are_refused(console):
    client = console.client()
    for method, path, _, _ in _routes(console.app):
        r = client.request(method, path, follow_redirects=False)
        if path.startswith("/api/"):
            assert r.status_code == 401, (method, path, r.status_code)
        else:
            assert r.status_code == 303, (method, path, r.status_code)
            assert r.headers["location"].startswith("/login"), (method, path)
        htmx = client.request(method, path, headers={"HX-Request": "true"},
                              follow_redirects=False)  # fmt: skip
        assert htmx.status_code == 401, (method, path)


def test_lower_roles_are_refused(console):
    clients = {}
    for role in RANKS:
        clients[role] = console.logged_in(f"walker_{role}", role)
    checked = 0
    for method, path, role, _ in _routes(console.app):
        for lower in RANKS[: RANKS.index(role)]:
            client, token = clients[lower]
            r = client.request(method, path, headers={"X-CSRF-Token": token},
                               follow_redirects=False)  # fmt: skip
            assert r.status_code == 403, (lower, method, path, r.status_code)
            checked += 1
    assert checked >= 10


def test_lower_roles_are_refused_with_api_tokens(console):
    for role in RANKS[:-1]:
        console.user(f"script_{role}", role)
        token = auth.accounts.create_token(console.db, f"script_{role}", "walk", actor="test")
        client = console.client()
        for method, path, needed, _ in _routes(console.app):
            if path.startswith("/api/") and RANKS.index(role) < RANKS.index(needed):
                r = client.request(method, path, headers={"Authorization": f"Bearer {token}"})
                assert r.status_code == 403, (role, method, path, r.status_code)


def test_browser_changes_need_the_csrf_token_and_this_origin(console):
    client, token = console.logged_in("boss", "admin")
    changes = [(m, p) for m, p, _, _ in _routes(console.app) if m != "GET"]
    assert len(changes) >= 8
    for method, path in changes:
        r = client.request(method, path, follow_redirects=False)
        assert r.status_code == 403, ("no token", method, path, r.status_code)
        r = client.request(method, path, headers={"X-CSRF-Token": token + "x"})
        assert r.status_code == 403, ("wrong token", method, path)
        r = client.request(
            method, path, headers={"X-CSRF-Token": token, "Origin": "http://evil.example"}
        )
        assert r.status_code == 403, ("cross-site", method, path)
        r = client.request(
            method, path, headers={"X-CSRF-Token": token, "Sec-Fetch-Site": "cross-site"}
        )
        assert r.status_code == 403, ("cross-site fetch", method, path)
    # and the token does let a change through
    r = client.post("/users", data={"csrf_token": token, "username": "ok_user", "role": "agent"})
    assert r.status_code == 201


def test_first_password_must_be_changed_before_anything_else(console):
    client = console.client()
    r = client.post("/login", data={"username": "admin", "password": console.admin_password},
                    follow_redirects=False)  # fmt: skip
    assert r.headers["location"] == "/account"
    token = _token(client)
    allowed = 0
    for method, path, _, pending in _routes(console.app):
        if pending:
            allowed += 1
            continue
        r = client.request(method, path, headers={"X-CSRF-Token": token},
                           follow_redirects=False)  # fmt: skip
        if path.startswith("/api/"):
            assert r.status_code == 403, (method, path, r.status_code)
        else:
            assert r.status_code == 303 and r.headers["location"] == "/account", (method, path)
    assert allowed >= 3  # the account page, its password form, logout (and language)


def _token(client) -> str:
    from consolebox import csrf_token

    return csrf_token(client.get("/account").text)


@pytest.mark.parametrize("path", ["/healthz", "/metrics", "/login", "/api/v1/openapi.json"])
def test_public_routes_answer_anyone(console, path):
    assert console.client().get(path).status_code in (200, 503)  # 503: no media engine here
