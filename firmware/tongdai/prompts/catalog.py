"""Every phrase the box speaks, in Vietnamese and English. A prompt's name is its file
name (`<name>.wav`); a recorded prompt with the same name under the sounds directory
replaces the generated one."""

from __future__ import annotations

from tongdai.prompts.numbers import WORDS

LANGUAGES = ("vi", "en")

PHRASES: dict[str, dict[str, str]] = {
    "call_parked_at": {
        "vi": "Cuộc gọi đã được giữ tại số",
        "en": "The call is parked at",
    },
    "nothing_parked": {
        "vi": "Không có cuộc gọi nào được giữ ở số này.",
        "en": "There is no call parked there.",
    },
    "parking_full": {
        "vi": "Tất cả các chỗ giữ cuộc gọi đều đã đầy.",
        "en": "All parking places are in use.",
    },
    "conference_enter_pin": {
        "vi": "Vui lòng nhập mã PIN của phòng họp, rồi bấm phím thăng.",
        "en": "Please enter the conference PIN, then press the hash key.",
    },
    "conference_bad_pin": {
        "vi": "Mã PIN không đúng.",
        "en": "That PIN is not correct.",
    },
    "conference_only_one": {
        "vi": "Bạn là người đầu tiên trong phòng họp.",
        "en": "You are the first person in the conference.",
    },
    "conference_full": {
        "vi": "Phòng họp đã đủ người.",
        "en": "The conference is full.",
    },
    "goodbye": {
        "vi": "Xin cảm ơn. Xin chào.",
        "en": "Thank you. Goodbye.",
    },
}


def texts(lang: str) -> dict[str, str]:
    """Every prompt of one language: name -> text to speak."""
    out = {name: phrase[lang] for name, phrase in PHRASES.items()}
    out.update(WORDS[lang])
    return out
