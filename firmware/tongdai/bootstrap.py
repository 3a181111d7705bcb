"""First start: the data directory, the schema, an admin account and demo extensions."""

from __future__ import annotations

import os
from dataclasses import dataclass, field

import sqlite_utils

from tongdai.settings import Settings
from tongdai.store import accounts, extensions, open_db

DATA_SUBDIRS = ("recordings", "prompts", "log")
DEMO_EXTENSIONS = (
    ("101", "Lễ tân / Reception"),
    ("102", "Kinh doanh / Sales"),
    ("103", "Hỗ trợ / Support"),
    ("104", "Kế toán / Accounts"),
)
ADMIN_USER = "admin"
ADMIN_PASSWORD_ENV = "TONGDAI_ADMIN_PASSWORD"


@dataclass
class FirstStart:
    admin_password: str | None = None  # None when taken from the environment
    extensions: list[tuple[str, str, str]] = field(default_factory=list)  # number, name, secret


def prepare_data_dir(settings: Settings) -> None:
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    for sub in DATA_SUBDIRS:
        (settings.data_dir / sub).mkdir(exist_ok=True)


def open_store(settings: Settings) -> sqlite_utils.Database:
    prepare_data_dir(settings)
    return open_db(settings.db_path)


def first_start(db: sqlite_utils.Database, env: dict[str, str] | None = None) -> FirstStart | None:
    """Create the admin account and demo extensions on an empty database.

    Returns what must be shown to the person once (generated secrets), or None
    when the box was already set up.
    """
    env = dict(os.environ) if env is None else env
    if db["users"].count:
        return None
    result = FirstStart()
    given = env.get(ADMIN_PASSWORD_ENV)
    password = given or accounts.generate_password()
    accounts.create_user(
        db, ADMIN_USER, password, "admin", must_change_password=not given, actor="system"
    )
    if not given:
        result.admin_password = password
    if not db["extensions"].count:
        for number, name in DEMO_EXTENSIONS:
            secret = extensions.add(db, number, name=name, actor="system")
            result.extensions.append((number, name, secret))
    return result


def welcome_text(first: FirstStart | None, settings: Settings) -> str:
    """What `tongdai run` prints at start: where the console is and how to register a phone."""
    host = settings.resolved_media_address()
    lines = [
        "",
        f"  Tongdai is starting. Data: {settings.data_dir.resolve()}",
        f"  Console:  {'https' if settings.console_https else 'http'}://{host}:"
        f"{settings.http_port}/   (health: /healthz, metrics: /metrics)",
    ]
    if first is not None:
        if first.admin_password:
            lines += [
                f"  Admin login: {ADMIN_USER} / {first.admin_password}",
                "  (shown only this once; you will be asked to change it at first login)",
            ]
        else:
            lines.append(f"  Admin login: {ADMIN_USER} / the password in ${ADMIN_PASSWORD_ENV}")
        if first.extensions:
            lines.append("  Demo extensions (secrets shown only this once):")
            lines += [f"    {n}  {secret}  {name}" for n, name, secret in first.extensions]
    lines += [
        "  Register a SIP phone: server/registrar "
        f"{host}:{settings.sip_port} (UDP or TCP), user = extension number,",
        "  password = its secret. List extensions with `tongdai ext list`.",
        "",
    ]
    return "\n".join(lines)
