"""Custom prompts: uploads (WAV, MP3) checked by content and converted for the engine, typed
prompts spoken by espeak-ng, removal, the listing, and human-recorded packs."""

import array
import io
import math
import shutil
import subprocess
import wave
from pathlib import Path

import pytest
from tongdai.prompts import custom
from tongdai.prompts.custom import CustomPrompts, PromptError
from tongdai.prompts.library import Prompts

RATE = 8000


def wav_bytes(seconds=1.0, rate=22050, channels=2, amplitude=1.0, freq=440.0) -> bytes:
    """A sine WAV; at amplitude 1.0 it peaks at full scale, as espeak-ng's output does."""
    samples = array.array("h")
    for i in range(int(rate * seconds)):
        value = int(32767 * amplitude * math.sin(2 * math.pi * freq * i / rate))
        samples.extend([value] * channels)
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.tobytes())
    return buf.getvalue()


def mp3_file(tmp_path: Path) -> Path:
    if "mp3" not in custom._sox_formats():
        pytest.skip("this sox cannot write MP3 (Debian package libsox-fmt-mp3)")
    src, out = tmp_path / "src.wav", tmp_path / "made.mp3"
    src.write_bytes(wav_bytes(seconds=1.5, rate=44100))
    subprocess.run(["sox", str(src), str(out)], check=True)
    return out


def read(file: Path) -> tuple[int, int, int, float, int]:
    """rate, channels, sample width, seconds, peak of a WAV."""
    with wave.open(str(file)) as w:
        frames = w.readframes(w.getnframes())
        peak = max(abs(s) for s in array.array("h", frames))
        return (w.getframerate(), w.getnchannels(), w.getsampwidth(),
                w.getnframes() / w.getframerate(), peak)  # fmt: skip


@pytest.fixture
def store(tmp_path) -> CustomPrompts:
    return CustomPrompts(tmp_path / "sounds" / "prompts", RATE)


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_a_wav_upload_becomes_16_bit_mono_at_the_engine_rate_with_headroom(store):
    target = store.install("welcome", "vi", io.BytesIO(wav_bytes(seconds=1.0)))
    assert target == store.folder / "vi" / "welcome.wav"
    rate, channels, width, seconds, peak = read(target)
    assert (rate, channels, width) == (RATE, 1, 2)
    assert seconds == pytest.approx(1.0, abs=0.01)
    # a full-scale upload is brought to -3 dBFS: no clipping, room for the engine's resampler
    assert 0.6 * 32767 < peak < 0.75 * 32767
    assert files_in(store.folder) == ["welcome.wav"]  # no temporary file left behind


def test_an_mp3_upload_is_converted(store, tmp_path):
    target = store.install("promo", "en", mp3_file(tmp_path).open("rb"))
    rate, channels, width, seconds, _ = read(target)
    assert (rate, channels, width) == (RATE, 1, 2)
    assert seconds == pytest.approx(1.5, abs=0.1)


def test_without_sox_mp3_support_an_mp3_gets_a_clear_error(store, tmp_path, monkeypatch):
    mp3 = mp3_file(tmp_path)
    monkeypatch.setattr(custom, "_sox_formats", lambda: frozenset({"wav"}))
    with pytest.raises(PromptError, match="libsox-fmt-mp3"):
        store.install("promo", "en", mp3.open("rb"))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "the file is empty"),
        (b"Hello, this is a text file renamed to greeting.wav\n", "not a WAV or MP3 file"),
        (b"%PDF-1.7\n" + bytes(2000), "not a WAV or MP3 file"),
        (wav_bytes(seconds=1.0)[:30000], "truncated: 29956 of its 88200 bytes"),
        (wav_bytes(seconds=1.0)[:40], "no sound data"),
        (wav_bytes(seconds=0.0), "holds no sound"),
        (b"\xff\xfb\x90\x00", "cannot read this MP3 file"),  # a frame header, no frame
        (b"ID3\x03\x00\x00\x00\x00\x00\x00", "cannot read this MP3 file"),  # a tag only
    ],
)
def test_bad_uploads_are_refused_and_change_nothing(store, content, message):
    before = store.install("welcome", "vi", io.BytesIO(wav_bytes(seconds=0.5))).read_bytes()
    with pytest.raises(PromptError, match=message):
        store.install("welcome", "vi", io.BytesIO(content))
    assert (store.folder / "vi" / "welcome.wav").read_bytes() == before
    assert files_in(store.folder) == ["welcome.wav"]


def test_oversize_and_overlong_uploads_are_refused(tmp_path):
    small = CustomPrompts(tmp_path / "p", RATE, max_bytes=50_000)
    with pytest.raises(PromptError, match="larger than 50000 bytes"):
        small.install("big", "vi", io.BytesIO(wav_bytes(seconds=1.0)))
    short = CustomPrompts(tmp_path / "p", RATE, max_seconds=2)
    with pytest.raises(PromptError, match="longer than 2 s"):
        short.install("long", "vi", io.BytesIO(wav_bytes(seconds=3.5, channels=1)))
    short.install("fits", "vi", io.BytesIO(wav_bytes(seconds=1.9, channels=1)))
    assert files_in(tmp_path / "p") == ["fits.wav"]


@pytest.mark.parametrize(
    ("name", "lang", "message"),
    [("../../etc/x", "vi", "name"), ("Welcome", "vi", "name"), ("", "vi", "name"),
     ("welcome\n", "vi", "name"),
     ("welcome", "fr", "language")],
)  # fmt: skip
def test_names_and_languages_are_checked(store, name, lang, message):
    with pytest.raises(PromptError, match=message):
        store.install(name, lang, io.BytesIO(wav_bytes()))
    assert files_in(store.folder.parent) == []


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng is not installed")
def test_a_typed_prompt_is_spoken_and_numbers_come_out_as_words(store):
    target = store.speak_custom("closed", "vi", "Văn phòng nghỉ lễ từ 30/4 đến 1/5.")
    rate, channels, width, seconds, peak = read(target)
    assert (rate, channels, width) == (RATE, 1, 2) and seconds > 1.5 and peak < 0.75 * 32767
    # espeak-ng alone does not read dates: it was given the words (same length of speech)
    twin = store.speak_custom(
        "twin", "vi", "Văn phòng nghỉ lễ từ ngày ba mươi tháng tư đến ngày một tháng năm."
    )
    assert read(twin)[3] == seconds
    # typed text is never taken for an espeak-ng option
    assert read(store.speak_custom("dash", "en", "--version"))[3] > 0.3
    with pytest.raises(PromptError, match="nothing to say"):
        store.speak_custom("empty", "vi", "   ")


def test_remove_listing_and_the_library_preferring_a_custom_prompt(tmp_path, store):
    built = tmp_path / "built"
    (built / str(RATE) / "vi").mkdir(parents=True)
    (built / str(RATE) / "vi" / "goodbye.wav").write_bytes(wav_bytes(channels=1))
    prompts = Prompts(store.folder, built=built, default_lang="vi", rate=RATE)
    assert prompts.path("goodbye").startswith(str(built))

    mine = store.install("goodbye", "vi", io.BytesIO(wav_bytes()))
    store.install("rec5", "vi", io.BytesIO(wav_bytes()))
    assert prompts.path("goodbye") == str(mine.resolve())

    states = {(e.name, e.lang): e.state for e in store.listing()}
    assert states["goodbye", "vi"] == "custom"
    assert states["goodbye", "en"] == "built"
    assert states["rec5", "vi"] == "custom only"
    assert ("rec5", "en") not in states
    assert {e.lang for e in store.listing("en")} == {"en"}

    assert store.remove("goodbye") == ["vi/goodbye"]
    assert prompts.path("goodbye").startswith(str(built))
    with pytest.raises(PromptError, match="no custom prompt 'goodbye' in vi"):
        store.remove("goodbye", "vi")


def test_a_recorded_pack_replaces_built_prompts_and_reports_unknown_names(store, tmp_path):
    pack = tmp_path / "pack"
    for lang in ("vi", "en"):
        (pack / lang).mkdir(parents=True)
        (pack / lang / "goodbye.wav").write_bytes(wav_bytes())
    (pack / "vi" / "queue_welcom.wav").write_bytes(wav_bytes())  # a typo
    (pack / "vi" / ".DS_Store").write_bytes(b"junk")
    (pack / "README.txt").write_text("recorded by Lan, 2026")
    shutil.copy(mp3_file(tmp_path), pack / "en" / "please_hold.mp3")

    report = store.install_pack(pack)
    assert report.installed == ["en/goodbye", "en/please_hold", "vi/goodbye"]
    assert report.unknown == ["README.txt", "vi/queue_welcom.wav"]
    assert files_in(store.folder) == ["goodbye.wav", "goodbye.wav", "please_hold.wav"]
    assert read(store.folder / "en" / "please_hold.wav")[:3] == (RATE, 1, 2)


def test_a_pack_with_one_bad_file_installs_nothing(store, tmp_path):
    pack = tmp_path / "pack"
    (pack / "vi").mkdir(parents=True)
    (pack / "vi" / "goodbye.wav").write_bytes(wav_bytes())
    (pack / "vi" / "please_hold.wav").write_bytes(b"not audio at all")
    (pack / "vi" / "ivr_welcome.wav").write_bytes(wav_bytes())
    (pack / "vi" / "ivr_welcome.mp3").write_bytes(wav_bytes())
    with pytest.raises(PromptError) as err:
        store.install_pack(pack)
    assert str(err.value).startswith("nothing installed: ")
    assert "vi/please_hold.wav: not a WAV or MP3 file" in str(err.value)
    assert "vi/ivr_welcome.wav: a second file for vi/ivr_welcome" in str(err.value)
    assert files_in(store.folder) == []
    with pytest.raises(PromptError, match="no prompt files"):
        store.install_pack(tmp_path / "pack" / "vi")
