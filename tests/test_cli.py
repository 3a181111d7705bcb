"""The tongdai command: version, db migrate, admin passwd, token create, ext add/list/del,
and clear errors that change nothing."""

import shutil
import subprocess
import wave

import pytest
from conftest import tongdai_cmd, tongdai_env
from tongdai.store import accounts, open_db


def run(data_dir, *args, input=None, env=None):
    return subprocess.run(
        tongdai_cmd(*args, "--data-dir", str(data_dir))
        if args[0] != "version"
        else tongdai_cmd(*args),
        env=tongdai_env(**(env or {})),
        input=input,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_version_says_whether_the_core_is_compiled():
    out = run(None, "version").stdout
    assert out.startswith("tongdai ")
    assert "ACD core: compiled (Cython)" in out or "ACD core: interpreted" in out
    assert "pjsua2:" in out


def test_db_migrate_creates_the_database(data_dir):
    r = run(data_dir, "db", "migrate")
    from tongdai.store.migrations import MIGRATIONS

    assert r.returncode == 0 and f"schema version {len(MIGRATIONS)}" in r.stdout
    assert (data_dir / "tongdai.db").exists()


def test_admin_passwd_and_token_create(data_dir):
    db = open_db(data_dir.mkdir(parents=True) or data_dir / "tongdai.db")
    accounts.create_user(db, "admin", "first password", "admin", must_change_password=True)
    r = run(data_dir, "admin", "passwd", "--password-stdin", input="a new long password\n")
    assert r.returncode == 0, r.stderr
    assert accounts.verify_password(db, "admin", "a new long password")
    assert not accounts.find_user(db, "admin").must_change_password

    r = run(data_dir, "admin", "passwd", "--password-stdin", input="short\n")
    assert r.returncode == 2 and "password: at least 10" in r.stderr
    assert accounts.verify_password(db, "admin", "a new long password")  # unchanged

    r = run(data_dir, "admin", "passwd", "--generate")
    generated = r.stdout.strip()
    assert r.returncode == 0 and accounts.verify_password(db, "admin", generated)

    token = run(data_dir, "token", "create", "--name", "crm-sync").stdout.strip()
    assert accounts.verify_token(db, token).username == "admin"
    r = run(data_dir, "token", "create", "--name", "x", "--user", "ghost")
    assert r.returncode == 2 and "no user 'ghost'" in r.stderr


def test_extensions_from_the_cli(data_dir):
    r = run(data_dir, "ext", "add", "201", "--name", "Lan")
    assert r.returncode == 0 and "SIP secret (shown once)" in r.stdout
    secret = r.stdout.rsplit(" ", 1)[1].strip()
    assert len(secret) == 20
    r = run(data_dir, "ext", "add", "202", "--secret", "my-own-secret-123")
    assert r.returncode == 0 and "my-own-secret-123" not in r.stdout
    listed = run(data_dir, "ext", "list").stdout
    assert "201  Lan" in listed and "202" in listed and secret not in listed
    r = run(data_dir, "ext", "add", "201")
    assert r.returncode == 2 and "already exists" in r.stderr
    r = run(data_dir, "ext", "del", "999")
    assert r.returncode == 2 and "no extension 999" in r.stderr
    assert run(data_dir, "ext", "del", "202").returncode == 0
    assert "202" not in run(data_dir, "ext", "list").stdout


def test_bad_settings_are_refused_by_name(data_dir):
    r = run(data_dir, "ext", "list", env={"TONGDAI_HTTP_PORT": "eighty"})
    assert r.returncode == 2 and "http_port (from environment TONGDAI_HTTP_PORT)" in r.stderr


def test_phones_from_the_cli(data_dir):
    assert run(data_dir, "ext", "add", "201", "--name", "Lan").returncode == 0
    r = run(data_dir, "phone", "add", "00:15:65:A1:B2:C3", "--ext", "201", "--vendor", "yealink",
            "--model", "T46U", "--label", "reception")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "phone 001565a1b2c3 (yealink T46U) assigned to 201" in r.stdout
    assert "/prov/001565a1b2c3.cfg (served for the next 24 h)" in r.stdout
    listed = run(data_dir, "phone", "list").stdout
    assert "001565a1b2c3     201  yealink" in listed and "never fetched  reception" in listed
    r = run(data_dir, "phone", "add", "001565a1b2c3", "--ext", "201", "--vendor", "snom")
    assert r.returncode == 2 and "mac: 001565a1b2c3 is already assigned" in r.stderr
    r = run(data_dir, "phone", "add", "0015", "--ext", "201", "--vendor", "snom")
    assert r.returncode == 2 and "mac: '0015' is not a MAC address" in r.stderr
    assert run(data_dir, "phone", "del", "00-15-65-a1-b2-c3").returncode == 0
    assert run(data_dir, "phone", "list").stdout == ""


def test_prompts_from_the_cli(data_dir, tmp_path):
    from test_prompts_custom import wav_bytes

    folder = data_dir / "sounds" / "prompts"
    upload = tmp_path / "my greeting (final).WAV"
    upload.write_bytes(wav_bytes(seconds=0.5))
    r = run(data_dir, "prompt", "add", "greeting_sales", str(upload))
    assert r.returncode == 0, r.stderr
    assert "prompt vi/greeting_sales installed (8000 Hz)" in r.stdout  # the box's language
    with wave.open(str(folder / "vi" / "greeting_sales.wav")) as w:
        assert (w.getframerate(), w.getnchannels()) == (8000, 1)
    r = run(data_dir, "prompt", "add", "greeting_sales", str(upload), "--lang", "en",
            env={"TONGDAI_MEDIA_CODECS": "G722,PCMU"})  # fmt: skip
    assert "prompt en/greeting_sales installed (16000 Hz)" in r.stdout

    renamed = tmp_path / "notes.mp3"
    renamed.write_text("meeting notes, not a recording")
    r = run(data_dir, "prompt", "add", "goodbye", str(renamed))
    assert r.returncode == 2
    assert f"{renamed}: not a WAV or MP3 file; nothing changed" in r.stderr
    r = run(data_dir, "prompt", "add", "Bad Name", str(upload))
    assert r.returncode == 2 and "name 'Bad Name'" in r.stderr

    pack = tmp_path / "pack"
    (pack / "vi").mkdir(parents=True)
    (pack / "vi" / "goodbye.wav").write_bytes(wav_bytes())
    (pack / "vi" / "goodby.wav").write_bytes(wav_bytes())
    r = run(data_dir, "prompt", "pack", str(pack))
    assert r.returncode == 0, r.stderr
    assert "skipped vi/goodby.wav: not named like a built prompt" in r.stdout
    assert "1 prompts installed: vi/goodbye" in r.stdout

    listed = run(data_dir, "prompt", "list", "--custom").stdout.splitlines()
    assert [line.split() for line in listed] == [
        ["vi", "goodbye", "custom"], ["vi", "greeting_sales", "custom", "only"],
        ["en", "greeting_sales", "custom", "only"],
    ]  # fmt: skip
    english = run(data_dir, "prompt", "list", "--lang", "en").stdout.splitlines()
    assert ["en", "goodbye", "built"] in [line.split() for line in english]
    assert all(line.startswith("en ") for line in english)

    r = run(data_dir, "prompt", "del", "greeting_sales")
    assert r.stdout.splitlines() == ["prompt vi/greeting_sales deleted",
                                     "prompt en/greeting_sales deleted"]  # fmt: skip
    r = run(data_dir, "prompt", "del", "greeting_sales", "--lang", "vi")
    assert r.returncode == 2 and "no custom prompt 'greeting_sales' in vi" in r.stderr


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_a_prompt_typed_on_the_cli(data_dir):
    r = run(data_dir, "prompt", "say", "ivr_sales", "--lang", "vi",
            "Xin chào, bấm 1 để gặp phòng kinh doanh")  # fmt: skip
    assert r.returncode == 0 and "prompt vi/ivr_sales spoken" in r.stdout
    with wave.open(str(data_dir / "sounds" / "prompts" / "vi" / "ivr_sales.wav")) as w:
        assert w.getnframes() / w.getframerate() > 1.5


def test_routing_from_the_cli(data_dir, tmp_path):
    from test_prompts_custom import wav_bytes

    for number in ("201", "202"):
        assert run(data_dir, "ext", "add", number).returncode == 0
    r = run(data_dir, "ringgroup", "add", "sales", "--members", "201,299")
    assert r.returncode == 2 and "members: no extension 299" in r.stderr
    assert run(data_dir, "ringgroup", "add", "sales", "--members", "201,202:20",
               "--strategy", "order").returncode == 0  # fmt: skip
    assert "201:15,202:20" in run(data_dir, "ringgroup", "list").stdout
    r = run(data_dir, "ivr", "add", "main", "--greeting", "ivr_welcome", "--final", "hangup")
    assert r.returncode == 2 and "final: a person or a voicemail box" in r.stderr
    r = run(data_dir, "ivr", "add", "main", "--greeting", "ivr_welcome", "--key", "1",
            "--final", "ring_group:sales")  # fmt: skip
    assert r.returncode == 2 and "'1' is not KEY=DESTINATION" in r.stderr
    assert run(data_dir, "ivr", "add", "main", "--greeting", "ivr_welcome", "--key",
               "1=ring_group:sales", "--final", "ring_group:sales").returncode == 0  # fmt: skip
    r = run(data_dir, "ringgroup", "del", "sales")
    assert r.returncode == 2 and "IVR key main key 1" in r.stderr
    r = run(data_dir, "timecond", "add", "office", "--hours", "mon-fri 8:00-17:00",
            "--open", "ivr:main", "--closed", "hangup")  # fmt: skip
    assert r.returncode == 2 and "hours:" in r.stderr
    r = run(data_dir, "timecond", "add", "office", "--hours", "mon-fri 08:00-17:00",
            "--open", "ivr:main", "--closed", "hangup")  # fmt: skip
    assert "dial *281" in r.stdout
    assert "mon,tue,wed,thu,fri 08:00-17:00" in run(data_dir, "timecond", "list").stdout

    r = run(data_dir, "vm", "enable", "201")
    pin = r.stdout.split("PIN (shown once): ")[1].strip()
    assert len(pin) == 6 and pin.isdigit()
    greeting = tmp_path / "hello (1).wav"
    greeting.write_bytes(wav_bytes(seconds=0.5))
    r = run(data_dir, "vm", "greeting", "202", "busy", str(greeting))
    assert r.returncode == 2 and "202 has no voicemail box" in r.stderr
    assert run(data_dir, "vm", "greeting", "201", "busy", str(greeting)).returncode == 0
    stored = data_dir / "recordings" / "voicemail" / "201" / "busy.wav"
    with wave.open(str(stored)) as w:
        assert w.getnchannels() == 1 and w.getnframes() > 0
    assert run(data_dir, "vm", "greeting", "201", "busy", "--remove").returncode == 0
    assert not stored.exists()
    assert run(data_dir, "vm", "list").stdout.split() == ["201", "0", "new,", "0", "old"]

    r = run(data_dir, "feature", "set", "voicemail", "*45")
    assert r.returncode == 2 and "clashes with feature code *45 (agent_login)" in r.stderr
    assert run(data_dir, "feature", "set", "voicemail", "*86").returncode == 0
    assert "*86    voicemail" in run(data_dir, "feature", "list").stdout
