"""The FastAPI application: the console's pages, the versioned API, health and metrics.

To add an area: a module in pages/ (and api/) with an APIRouter whose routes depend on
`auth.require(role)`, a template in templates/, its strings in locale/vi.po; then include
its router below. tests/test_console_routes.py refuses any route without a role.
"""

from pathlib import Path

from fastapi import FastAPI, HTTPException, Request
from fastapi.exception_handlers import http_exception_handler
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from tongdai import __version__
from tongdai.console import auth, status
from tongdai.console.api import audit as audit_api
from tongdai.console.api import conferences as conferences_api
from tongdai.console.api import config as config_api
from tongdai.console.api import contacts as contacts_api
from tongdai.console.api import desk as desk_api
from tongdai.console.api import edits as edits_api
from tongdai.console.api import extensions as extensions_api
from tongdai.console.api import features as features_api
from tongdai.console.api import ivr as ivr_api
from tongdai.console.api import maintenance as maintenance_api
from tongdai.console.api import prompts as prompts_api
from tongdai.console.api import queues as queues_api
from tongdai.console.api import reports as reports_api
from tongdai.console.api import ringgroups as ringgroups_api
from tongdai.console.api import routing as routing_api
from tongdai.console.api import system as system_api
from tongdai.console.api import timeconditions as timeconditions_api
from tongdai.console.api import users as users_api
from tongdai.console.api import voicemail as voicemail_api
from tongdai.console.api_live import live_router
from tongdai.console.pages import account, audit, contacts, dashboard, desk, login, users, wallboard
from tongdai.console.pages import bans as bans_page
from tongdai.console.pages import conferences as conferences_page
from tongdai.console.pages import edits as edits_page
from tongdai.console.pages import edits_callflow as edits_callflow_page
from tongdai.console.pages import edits_routes as edits_routes_page
from tongdai.console.pages import extensions as extensions_page
from tongdai.console.pages import features as features_page
from tongdai.console.pages import ivr as ivr_page
from tongdai.console.pages import maintenance as maintenance_page
from tongdai.console.pages import prompts as prompts_page
from tongdai.console.pages import queues as queues_page
from tongdai.console.pages import reports as reports_page
from tongdai.console.pages import ringgroups as ringgroups_page
from tongdai.console.pages import routes as routes_page
from tongdai.console.pages import settings as settings_page
from tongdai.console.pages import timeconditions as timeconditions_page
from tongdai.console.pages import trunks as trunks_page
from tongdai.console.pages import voicemail as voicemail_page
from tongdai.console.security import SecurityHeaders
from tongdai.console.templating import is_htmx, render
from tongdai.console.throttle import LoginThrottle
from tongdai.provisioning.http import router as provisioning_router

# web/static beside firmware/ in the source tree (vendor/ is filled by `make web`).
STATIC_DIR = Path(__file__).resolve().parents[3] / "web" / "static"
# Daily work (wallboard, agent desk, contacts), then configuration (admin).
PAGES = (login, account, dashboard, users, audit, wallboard, desk, contacts)
PAGES += (extensions_page, trunks_page, routes_page, features_page, bans_page, settings_page)
PAGES += (ivr_page, ringgroups_page, timeconditions_page, queues_page, voicemail_page,
          prompts_page, conferences_page)  # fmt: skip
PAGES += (reports_page,)  # reports, call search, staffing (supervisor)
PAGES += (maintenance_page,)
PAGES += (edits_page,)  # editing trunks; removing a holiday
PAGES += (edits_routes_page, edits_callflow_page)  # editing routes, ring groups, conditions, rooms
APIS = (system_api, users_api, audit_api, contacts_api, desk_api)
APIS += (extensions_api, routing_api, features_api, config_api)
APIS += (ivr_api, ringgroups_api, timeconditions_api, queues_api, voicemail_api, prompts_api,
         conferences_api)  # fmt: skip
APIS += (reports_api,)
APIS += (maintenance_api,)
APIS += (edits_api,)  # editing trunks, routes, ring groups, time conditions, rooms


def create_app(service) -> FastAPI:
    app = FastAPI(
        title="Tongdai",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )
    app.state.service = service
    app.state.login_throttle = LoginThrottle()
    app.add_middleware(SecurityHeaders)
    _handle_errors(app)

    @app.get("/healthz", include_in_schema=False)
    async def healthz() -> JSONResponse:
        body = status.health(service)
        return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(service.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    for module in (*PAGES, *APIS):
        app.include_router(module.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR, check_dir=False), name="static")
    # Desk phones fetch their configuration files here (see tongdai.provisioning.access).
    app.include_router(provisioning_router(service.provisioning))
    live = live_router(service.wallboard, service.supervisor, auth.require("supervisor"))
    app.include_router(live)
    return app


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _handle_errors(app: FastAPI) -> None:
    @app.exception_handler(auth.NotLoggedIn)
    async def not_logged_in(request: Request, exc: auth.NotLoggedIn) -> Response:
        if _is_api(request):
            return JSONResponse(
                {"detail": "log in, or send an API token (tongdai token create)"},
                status_code=401,
                headers={"WWW-Authenticate": "Bearer"},
            )
        target = "/login"
        if request.method == "GET" and request.url.path != "/":
            target += f"?next={request.url.path}"
        if is_htmx(request):
            return Response(status_code=401, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(auth.PasswordChangeRequired)
    async def password_change(request: Request, exc: auth.PasswordChangeRequired) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "change your password first"}, status_code=403)
        if is_htmx(request):
            return Response(status_code=403, headers={"HX-Redirect": "/account"})
        return RedirectResponse("/account", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        """A refusal as a page for people; JSON for the API (and 404s, as provisioning's)."""
        if _is_api(request) or exc.status_code == 404 or not isinstance(exc.detail, str):
            return await http_exception_handler(request, exc)
        context = {"status": exc.status_code, "detail": exc.detail}
        return render(request, "error.html", context, block="error", status=exc.status_code)
