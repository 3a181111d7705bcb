"""The console over HTTPS with the box's certificate (console_https = on): a real process."""

import contextlib
import time

import httpx
import pytest

pytestmark = pytest.mark.slow


def test_console_serves_https_with_the_box_certificate(service_factory, data_dir):
    svc = service_factory(TONGDAI_CONSOLE_HTTPS="on")
    url = f"https://127.0.0.1:{svc.http_port}"
    deadline, r = time.monotonic() + 30, None
    while time.monotonic() < deadline and r is None:
        assert svc.proc.poll() is None, svc.output()
        with contextlib.suppress(httpx.HTTPError, FileNotFoundError):  # (not yet made)
            r = httpx.get(url + "/login", verify=str(data_dir / "tls" / "sip.crt"), timeout=5)
        time.sleep(0.1)
    assert r is not None and r.status_code == 200, svc.output()
    assert r.headers["strict-transport-security"].startswith("max-age=")
    login = httpx.post(url + "/login", data={"username": "admin", "password": "nope"},
                       verify=False, timeout=5)  # fmt: skip
    assert login.status_code == 401
    assert f"Console:  https://127.0.0.1:{svc.http_port}/" in svc.output()
    with pytest.raises(httpx.HTTPError):  # no plain HTTP on that port
        httpx.get(f"http://127.0.0.1:{svc.http_port}/login", timeout=5)
