"""The console against a real service object (not running its loop) on a real SQLite file,
through FastAPI's TestClient: fixtures and helpers shared by the console tests."""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from tongdai import bootstrap, settings
from tongdai.console.app import create_app
from tongdai.service import Service, bind_sockets
from tongdai.store import accounts

PASSWORD = "a-good-long-password"


@dataclass
class Console:
    service: Service
    app: object
    admin_password: str  # the generated first-start password (must be changed)

    @property
    def db(self):
        return self.service.db

    def client(self, address: str = "127.0.0.1") -> TestClient:
        return TestClient(self.app, base_url="http://127.0.0.1", client=(address, 40000))

    def user(self, username: str, role: str, **kw) -> str:
        """A user who may log in at once; returns the password."""
        accounts.create_user(self.db, username, PASSWORD, role, **kw)
        return PASSWORD

    def logged_in(self, username: str, role: str | None = None) -> tuple[TestClient, str]:
        """A client logged in as a new user with `role` (or an existing user); and its
        CSRF token."""
        if role is not None:
            self.user(username, role)
        client = self.client()
        r = client.post("/login", data={"username": username, "password": PASSWORD})
        assert r.status_code == 200, r.text
        return client, csrf_token(r.text)


def csrf_token(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


@pytest.fixture
def console(tmp_path, request):
    """A console whose box speaks `language` (a test's `language` marker; default en)."""
    marker = request.node.get_closest_marker("language")
    box = settings.load(
        flags={"bind": "127.0.0.1", "data_dir": str(tmp_path / "var"), "http_port": 0,
               "sip_port": 0, "sips_port": 0, "language": marker.args[0] if marker else "en"},
        env={},
    )  # fmt: skip
    db = bootstrap.open_store(box)
    first = bootstrap.first_start(db, env={})
    sockets = bind_sockets(box)
    service = Service(box, db, sockets)
    yield Console(service, create_app(service), first.admin_password)
    for sock in sockets.values():
        sock.close()
    db.close()
