"""The FastAPI application: health, metrics and the versioned API."""

import time
from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, FastAPI, Header, HTTPException
from fastapi.responses import JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from tongdai import __version__
from tongdai.console.api_live import live_router
from tongdai.provisioning.http import router as provisioning_router
from tongdai.store import accounts

if TYPE_CHECKING:
    from tongdai.service import Service


def create_app(service: "Service") -> FastAPI:
    app = FastAPI(
        title="Tongdai",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/v1/openapi.json",
    )

    def health() -> dict:
        media = service.media.status
        db_ok = service.db.execute("SELECT 1").fetchone() == (1,)
        return {
            "status": "ok" if (db_ok and media.up) else "degraded",
            "version": __version__,
            "uptime": round(time.monotonic() - service.started, 1),
            "db": "ok" if db_ok else "error",
            "acd_core": "compiled" if service.acd_compiled else "interpreted",
            "media": {
                "up": media.up,
                "pid": media.pid,
                "pjsip": media.pjsip,
                "restarts": media.restarts,
                "last_exit": media.last_exit,
            },
        }

    @app.get("/healthz")
    async def healthz() -> JSONResponse:
        body = health()
        return JSONResponse(body, status_code=200 if body["status"] == "ok" else 503)

    @app.get("/metrics")
    async def metrics() -> Response:
        return Response(generate_latest(service.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    async def api_user(authorization: Annotated[str | None, Header()] = None) -> accounts.User:
        scheme, _, token = (authorization or "").partition(" ")
        user = accounts.verify_token(service.db, token.strip()) if scheme == "Bearer" else None
        if user is None:
            raise HTTPException(
                401,
                "a valid API token is required (tongdai token create)",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return user

    @app.get("/api/v1/system")
    async def system(user: Annotated[accounts.User, Depends(api_user)]) -> dict:
        return {**health(), "user": user.username, "extensions": service.extension_count}

    # Desk phones fetch their configuration files here (see tongdai.provisioning.access).
    app.include_router(provisioning_router(service.provisioning))
    app.include_router(live_router(service.wallboard, service.supervisor, api_user))
    return app
