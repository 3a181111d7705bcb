import sqlite3

import pytest
from tongdai.store import accounts, extensions, open_db
from tongdai.store.audit import entries
from tongdai.store.db import apply_migrations, schema_version
from tongdai.store.migrations import MIGRATIONS


@pytest.fixture
def db(tmp_path):
    database = open_db(tmp_path / "t.db")
    yield database
    database.close()


def test_open_applies_migrations_once_in_wal_mode(tmp_path):
    db = open_db(tmp_path / "t.db")
    assert schema_version(db) == len(MIGRATIONS)
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert apply_migrations(db) == []  # nothing left to do
    assert {"users", "api_tokens", "extensions", "audit_log"} <= set(db.table_names())
    db.close()


def test_a_newer_schema_is_refused(tmp_path):
    db = open_db(tmp_path / "t.db")
    db.execute(f"PRAGMA user_version={len(MIGRATIONS) + 1}")
    with pytest.raises(RuntimeError, match="newer than this firmware"):
        apply_migrations(db)


def test_passwords_are_argon2id_and_verify(db):
    accounts.create_user(db, "admin", "correct horse battery", "admin")
    stored = db.execute("SELECT password_hash FROM users").fetchone()[0]
    assert stored.startswith("$argon2id$") and "correct horse" not in stored
    assert accounts.verify_password(db, "admin", "correct horse battery").role == "admin"
    assert accounts.verify_password(db, "admin", "wrong password!") is None
    assert accounts.verify_password(db, "nobody", "correct horse battery") is None


@pytest.mark.parametrize(
    ("username", "password", "role", "field"),
    [
        ("admin", "short", "admin", "password"),
        ("bad name!", "long enough pw", "admin", "username"),
        ("sup", "long enough pw", "root", "role"),
    ],
)
def test_bad_account_fields_are_named_and_change_nothing(db, username, password, role, field):
    with pytest.raises(accounts.AccountError, match=f"^{field}"):
        accounts.create_user(db, username, password, role)
    assert db["users"].count == 0 and db["audit_log"].count == 0


def test_tokens_are_stored_hashed_and_verify(db):
    accounts.create_user(db, "admin", "correct horse battery", "admin")
    token = accounts.create_token(db, "admin", "crm", actor="cli")
    assert token.startswith("tdk_") and len(token) > 40
    row = db.execute("SELECT token_hash FROM api_tokens").fetchone()
    assert token not in row[0]
    assert accounts.verify_token(db, token).username == "admin"
    assert accounts.verify_token(db, token + "x") is None
    assert accounts.verify_token(db, "") is None


def test_extensions_generate_strong_secrets_and_audit_without_them(db):
    secret = extensions.add(db, "201", name="Lan", actor="cli")
    assert len(secret) >= 20 and secret.isalnum()
    assert extensions.add(db, "202") != secret
    with pytest.raises(extensions.ExtensionError, match=r"^number: extension 201 already"):
        extensions.add(db, "201")
    with pytest.raises(extensions.ExtensionError, match=r"^number"):
        extensions.add(db, "0123")
    with pytest.raises(extensions.ExtensionError, match=r"^secret"):
        extensions.add(db, "203", secret="short")
    assert [e["number"] for e in extensions.all_extensions(db)] == ["201", "202"]
    extensions.delete(db, "202", actor="cli")
    log = entries(db)
    assert [e["action"] for e in log][:2] == ["extension.delete", "extension.create"]
    assert all(secret not in e["detail"] for e in log)


def test_a_failed_change_rolls_back_its_audit_entry(db, monkeypatch):
    def boom(*args, **kwargs):
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(extensions, "record", boom)
    with pytest.raises(sqlite3.OperationalError):
        extensions.add(db, "301")
    assert db["extensions"].count == 0
