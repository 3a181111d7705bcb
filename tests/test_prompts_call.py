"""A custom prompt is what a caller hears: a WAV uploaded with `tongdai prompt add` (44.1 kHz
stereo, converted on the way in) is played by the media engine to a provider's call routed
to an announcement, and tone detection finds it in what the caller recorded."""

from __future__ import annotations

import time

from callbox import add
from conftest import needs_pjsua2
from phones import tone_found
from test_prompts_custom import wav_bytes

pytestmark = needs_pjsua2

DID = "02873009999"


def test_an_uploaded_prompt_is_what_the_caller_hears(box, carrier, tmp_path):
    upload = tmp_path / "Thông báo nghỉ lễ.wav"
    upload.write_bytes(wav_bytes(seconds=2.5, rate=44100, channels=2, freq=1100))
    add(box, "prompt", "add", "holiday_notice", str(upload))
    add(box, "route", "in", DID, "--to", "announcement:holiday_notice")
    time.sleep(1.0)  # the service takes CLI changes in within 0.5 s

    heard = tmp_path / "heard.wav"
    carrier.send(f"record {heard}")
    carrier.send(f"call sip:{DID}@127.0.0.1:{box.sip_port}")
    carrier.expect(r"^STATE confirmed")
    time.sleep(2.0)
    carrier.send("stoprecord")
    carrier.expect(r"^RECORDED")
    carrier.expect(r"^STATE disconnected", timeout=10)  # the box hangs up after it
    assert tone_found(heard, 1100, window=0.5), "the caller did not hear the uploaded prompt"
