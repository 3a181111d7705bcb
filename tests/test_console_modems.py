"""The dashboard's modems and their metrics, with the service's own drivers talking to a
fake modem on a pseudo-terminal (configured through the `modems` setting), in English and
Vietnamese; and the setting itself."""

import asyncio
import threading
import time

import pytest
from consolebox import Console
from fakemodem import IMSI, FakeModem
from tongdai import bootstrap, settings
from tongdai.console.app import create_app
from tongdai.service import Service, bind_sockets

pytestmark = pytest.mark.timeout(60)


@pytest.fixture
def fake(tmp_path):
    f = FakeModem(tmp_path / "ttyGSM")
    yield f
    f.close()


@pytest.fixture
def box(tmp_path, fake, request):
    """A console whose service has modem gsm1 on the fake's port, its driver running in a
    loop of its own (the console's TestClient has another)."""
    marker = request.node.get_closest_marker("language")
    conf = settings.load(
        flags={"bind": "127.0.0.1", "data_dir": str(tmp_path / "var"), "http_port": 0,
               "sip_port": 0, "sips_port": 0, "language": marker.args[0] if marker else "en",
               "modems": f"gsm1={fake.link}"},
        env={},
    )  # fmt: skip
    db = bootstrap.open_store(conf)
    first = bootstrap.first_start(db, env={})
    sockets = bind_sockets(conf)
    service = Service(conf, db, sockets)
    for modem in service.modems:  # quick enough for a test
        modem.poll_interval, modem.command_timeout, modem.backoff = 0.2, 0.5, (0.05, 0.2)
    stop = threading.Event()

    async def drive():
        tasks = [asyncio.create_task(m.run()) for m in service.modems]
        while not stop.is_set():
            await asyncio.sleep(0.02)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    thread = threading.Thread(target=asyncio.run, args=(drive(),), daemon=True)
    thread.start()
    yield Console(service, create_app(service), first.admin_password)
    stop.set()
    thread.join(timeout=10)
    for sock in sockets.values():
        sock.close()
    db.close()


def _until(check, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _metrics(box) -> str:
    r = box.client().get("/metrics")
    assert r.status_code == 200
    return r.text


def _status(box):
    return box.service.modems[0].status


def test_settings_modems():
    assert settings.load(env={}).modems == ()
    both = settings.load(env={"TONGDAI_MODEMS": "gsm1=/dev/ttyUSB2, lte=/dev/serial/by-id/x"})
    assert both.modems == (("gsm1", "/dev/ttyUSB2"), ("lte", "/dev/serial/by-id/x"))
    assert settings.check("modems", ["a=/dev/ttyACM0"], "test") == (("a", "/dev/ttyACM0"),)
    for bad in ("gsm1", "GSM=/dev/x", "a=dev/x", "a=/dev/x,a=/dev/y", "a b=/dev/x"):
        with pytest.raises(settings.SettingsError, match="modems"):
            settings.load(env={"TONGDAI_MODEMS": bad})


def test_dashboard_shows_the_modem_operator_and_signal(box):
    _until(lambda: _status(box).operator)
    client, _ = box.logged_in("lan", "supervisor")
    page = client.get("/dashboard", headers={"HX-Request": "true"}).text
    row = page[page.index('id="modem-gsm1"') :].split("</tr>")[0]
    assert str(box.service.settings.modems[0][1]) in row and "huawei E173" in row
    assert "Viettel" in row and "Home network" in row and "-73 dBm" in row
    assert "bars-4" in row and ">Up<" in row.replace("\n", "").replace(" ", "")
    api = client.get("/api/v1/dashboard")
    modem = api.json()["modems"][0]
    assert (modem["name"], modem["state"], modem["operator"]) == ("gsm1", "up", "Viettel")
    assert (modem["signal_dbm"], modem["bars"], modem["registration"]) == (-73, 4, "home")
    assert modem["imsi"] == "…3210" and IMSI not in api.text and IMSI not in page


@pytest.mark.language("vi")
def test_dashboard_modems_in_vietnamese(box, fake):
    fake.operator, fake.rssi, fake.creg = "45202", 9, 5  # Vinaphone, -95 dBm, roaming
    _until(lambda: _status(box).operator == "Vinaphone")
    client, _ = box.logged_in("lan", "supervisor")
    page = client.get("/dashboard").text
    assert "Modem di động" in page and "Nhà mạng" in page and "Sóng" in page
    assert "Vinaphone" in page and "Chuyển vùng" in page and "-95 dBm" in page
    assert "bars-1" in page and "Modems" not in page


def test_dashboard_shows_why_a_modem_is_down(box, fake):
    client, _ = box.logged_in("lan", "supervisor")
    _until(lambda: _status(box).state == "up")
    fake.sim = "NOT INSERTED"
    _until(lambda: _status(box).state == "sim_missing")
    assert "No SIM card" in client.get("/dashboard").text
    fake.unplug()
    _until(lambda: _status(box).reason == "cannot_open")
    page = client.get("/dashboard").text
    assert "port not found" in page and "Viettel" not in page


def test_metrics_follow_the_modem(box, fake):
    _until(lambda: _status(box).operator)
    text = _metrics(box)
    assert 'tongdai_gsm_modem_up{modem="gsm1"} 1.0' in text
    assert 'tongdai_gsm_registered{modem="gsm1"} 1.0' in text
    assert 'tongdai_gsm_signal_dbm{modem="gsm1"} -73.0' in text
    fake.creg = 2  # searching
    _until(lambda: _status(box).registration == "searching")
    assert 'tongdai_gsm_registered{modem="gsm1"} 0.0' in _metrics(box)
    fake.unplug()
    _until(lambda: _status(box).state == "down")
    text = _metrics(box)
    assert 'tongdai_gsm_modem_up{modem="gsm1"} 0.0' in text
    assert 'tongdai_gsm_signal_dbm{modem="gsm1"}' not in text


def test_no_modems_configured(console):
    client, _ = console.logged_in("lan", "supervisor")
    page = client.get("/dashboard").text
    assert "No modems configured." in page and "<code>tongdai modem probe</code>" in page
    assert client.get("/api/v1/dashboard").json()["modems"] == []
    text = _metrics(console)
    assert "tongdai_gsm_modem_up{" not in text


@pytest.mark.language("vi")
def test_no_modems_configured_in_vietnamese(console):
    client, _ = console.logged_in("lan", "supervisor")
    page = client.get("/dashboard").text
    assert "Chưa cấu hình modem nào." in page and "liệt kê các cổng nối tiếp" in page
    assert '<code>modems = "gsm1=/dev/ttyUSB2"</code>' in page.replace("&#34;", '"')
