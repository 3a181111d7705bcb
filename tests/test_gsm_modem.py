"""The modem driver against a fake modem on a pseudo-terminal: status, URCs, a silent
modem, the SIM, and unplugging and plugging in again. Each test is bounded in time."""

import asyncio
import logging
import time

import pytest
from fakemodem import IMEI, IMSI, FakeModem
from tongdai.gsm.modem import Modem

pytestmark = pytest.mark.timeout(30)


@pytest.fixture
def fake(tmp_path):
    f = FakeModem(tmp_path / "ttyGSM")
    yield f
    f.close()


def _driver(fake) -> Modem:
    return Modem("gsm1", str(fake.link), poll_interval=0.2, command_timeout=0.5,
                 backoff=(0.05, 0.2))  # fmt: skip


async def _until(check, seconds=10.0):
    deadline = time.monotonic() + seconds
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.02)


def _run(coro):
    asyncio.run(asyncio.wait_for(coro, 25))


async def _with(driver, body):
    task = asyncio.create_task(driver.run())
    try:
        await body()
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    assert driver._fd == -1  # the port is closed on the way out


def test_status_of_a_working_modem(fake, caplog):
    caplog.set_level(logging.DEBUG)
    driver = _driver(fake)
    s = driver.status

    async def body():
        await _until(lambda: s.operator)
        assert (s.state, s.manufacturer, s.model, s.imei) == ("up", "huawei", "E173", IMEI)
        assert (s.operator, s.operator_code, s.registration) == ("Viettel", "45204", "home")
        assert s.signal_dbm == -73 and s.registered and s.last_seen > time.time() - 5
        assert s.imsi == "…3210"
        fake.rssi, fake.creg, fake.operator = 31, 5, "45202"  # the next poll sees changes
        await _until(lambda: s.registration == "roaming")
        await _until(lambda: s.operator == "Vinaphone" and s.signal_dbm == -51)

    _run(_with(driver, body))
    assert fake.commands[:3] == ["AT", "ATE0", "AT+CMEE=1"]
    assert IMSI not in caplog.text and IMSI not in repr(s)


def test_urcs_update_the_status_and_reach_listeners(fake):
    driver = _driver(fake)
    driver.poll_interval = 60  # only the URCs change things after the first poll
    heard = []
    driver.on_urc.append(heard.append)

    async def body():
        await _until(lambda: driver.status.operator)
        fake.send("^RSSI: 5")
        fake.send("+CREG: 3")
        fake.send('+CMTI: "SM",1')
        await _until(lambda: len(heard) == 3)
        assert driver.status.signal_dbm == -103 and driver.status.registration == "denied"
        assert heard[2].name == "+CMTI"

    _run(_with(driver, body))


@pytest.mark.parametrize(
    ("sim", "state"),
    [("NOT INSERTED", "sim_missing"), ("SIM PIN", "pin_needed"), ("SIM PUK", "puk_needed")],
)
def test_sim_problems(fake, sim, state):
    fake.sim = sim
    driver = _driver(fake)

    async def body():
        await _until(lambda: driver.status.state == state)
        assert driver.status.operator == "" and driver.status.signal_dbm is None
        fake.sim = "READY"  # a PIN entered by hand, say: the next poll sees it
        await _until(lambda: driver.status.state == "up")

    _run(_with(driver, body))
    assert "AT+CIMI" in fake.commands


def test_a_silent_modem_is_down_then_comes_back(fake):
    driver = _driver(fake)
    s = driver.status

    async def body():
        await _until(lambda: s.state == "up")
        fake.silent = True
        await _until(lambda: s.state == "down")
        assert s.reason == "no_answer" and s.detail.startswith("no answer to AT+")
        assert s.signal_dbm is None
        fake.silent = False
        await _until(lambda: s.state == "up")

    _run(_with(driver, body))


def test_unplugged_then_plugged_in_again(fake):
    driver = _driver(fake)
    s = driver.status

    async def body():
        await _until(lambda: s.state == "up")
        fake.unplug()
        await _until(lambda: s.state == "down")
        assert s.reason in ("unplugged", "cannot_open")
        assert s.operator == s.registration == "" and s.signal_dbm is None
        await _until(lambda: s.reason == "cannot_open")  # its path is gone
        fake.plug_in()
        await _until(lambda: s.state == "up" and s.operator == "Viettel")

    _run(_with(driver, body))


def test_a_missing_port_never_stops_the_driver(tmp_path):
    driver = Modem("gsm9", str(tmp_path / "nothing"), backoff=(0.05, 0.1))

    async def body():
        await _until(lambda: driver.status.state == "down")
        assert (driver.status.reason, driver.status.detail) == ("cannot_open", "no such device")
        await asyncio.sleep(0.3)  # retried with backoff, still running
        assert driver.status.state == "down"

    _run(_with(driver, body))


def test_the_loop_stays_free_while_a_modem_is_silent(fake):
    """A silent modem costs the loop nothing: a ticker keeps its pace meanwhile."""
    fake.silent = True
    driver = _driver(fake)

    async def body():
        gaps, last = [], time.monotonic()
        for _ in range(40):
            await asyncio.sleep(0.01)
            now = time.monotonic()
            gaps.append(now - last)
            last = now
        assert max(gaps) < 0.2
        assert driver.status.state in ("starting", "down")

    _run(_with(driver, body))


def test_cli_probe_asks_a_port_and_masks_the_imsi(fake, capsys):
    from tongdai import cli

    assert cli.main(["modem", "probe", "--port", str(fake.link)]) == 0
    out = capsys.readouterr().out
    assert "operator:      Viettel" in out and "signal_dbm:    -73" in out
    assert "imsi:          …3210" in out and IMSI not in out and f"imei:          {IMEI}" in out


def test_cli_probe_lists_ports_and_says_a_missing_one_is_down(tmp_path, capsys):
    from tongdai import cli

    assert cli.main(["modem", "probe"]) == 0
    assert "tongdai modem probe --port PORT" in capsys.readouterr().out
    assert cli.main(["modem", "probe", "--port", str(tmp_path / "none")]) == 1
    assert "reason:        cannot_open" in capsys.readouterr().out
