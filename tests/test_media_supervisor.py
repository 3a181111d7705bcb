"""The supervisor against the real media engine: commands, errors, a hung engine
(SIGSTOP) detected by ping and replaced, and a clean stop."""

import asyncio
import os
import signal
import socket

import pytest
from conftest import free_port, free_port_range, needs_pjsua2
from tongdai.media.supervisor import MediaError, MediaSupervisor, MediaUnavailable, Timing
from tongdai.settings import Settings

pytestmark = [needs_pjsua2, pytest.mark.slow]

FAST = Timing(ready_timeout=20, ping_interval=0.3, ping_timeout=0.5, backoff_min=0.1)


async def _until(predicate, timeout=20.0):
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not predicate():
        assert loop.time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


def test_commands_hang_detection_and_stop(tmp_path):
    settings = Settings(
        bind="127.0.0.1",
        media_port=free_port(socket.SOCK_DGRAM),
        rtp_ports=free_port_range(),
        data_dir=tmp_path,
    )
    events = []

    async def scenario():
        sup = MediaSupervisor(settings, timing=FAST, on_event=events.append)
        with pytest.raises(MediaUnavailable):
            await sup.request("ping")
        task = asyncio.create_task(sup.run())
        await _until(lambda: sup.status.up)
        pong = await sup.request("ping")
        assert pong["pjsip"].startswith("2.12") and pong["uptime"] >= 0
        with pytest.raises(MediaError, match="unknown command 'dance'"):
            await sup.request("dance")

        hung = sup.status.pid
        os.kill(hung, signal.SIGSTOP)  # alive but silent: only pings can tell
        await _until(lambda: sup.status.restarts == 1 and sup.status.up)
        assert sup.status.pid != hung
        assert "stopped answering pings" in sup.status.last_exit

        pid = sup.status.pid
        loop = asyncio.get_running_loop()
        started = loop.time()
        await sup.stop(timeout=3.0)
        await asyncio.wait_for(task, 3.0)
        assert loop.time() - started < 3.5
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)

    asyncio.run(scenario())
    assert [e["event"] for e in events] == ["ready", "ready"]
