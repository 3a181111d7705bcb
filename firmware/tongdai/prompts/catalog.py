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
    "queue_welcome": {
        "vi": "Cảm ơn quý khách đã gọi. Cuộc gọi sẽ được chuyển đến nhân viên sớm nhất.",
        "en": "Thank you for calling. The next available agent will take your call.",
    },
    "queue_position": {
        "vi": "Quý khách đang ở vị trí số",
        "en": "You are number",
    },
    "queue_in_line": {
        "vi": "trong hàng chờ.",
        "en": "in line.",
    },
    "queue_wait_about": {
        "vi": "Thời gian chờ dự kiến khoảng",
        "en": "The estimated wait is about",
    },
    "queue_wait_under_a_minute": {
        "vi": "Thời gian chờ dự kiến dưới một phút.",
        "en": "The estimated wait is less than a minute.",
    },
    "minute": {"vi": "phút", "en": "minute"},
    "minutes": {"vi": "phút", "en": "minutes"},
    "queue_callback_offer": {
        "vi": "Để giữ nguyên vị trí và được gọi lại, xin bấm phím một.",
        "en": "To keep your place and be called back, press one.",
    },
    "queue_callback_ok": {
        "vi": "Chúng tôi sẽ gọi lại cho quý khách ngay khi có nhân viên. Xin cảm ơn.",
        "en": "We will call you back as soon as an agent is free. Thank you.",
    },
    "queue_callback_to": {
        "vi": "Cuộc gọi lại cho khách hàng số",
        "en": "Calling back customer",
    },
    "queue_busy": {
        "vi": "Rất tiếc, hiện tất cả nhân viên đều bận. Xin quý khách vui lòng gọi lại sau.",
        "en": "Sorry, all our agents are busy. Please call again later.",
    },
    "agent_logged_in": {"vi": "Đã đăng nhập hàng chờ.", "en": "Logged in."},
    "agent_logged_out": {"vi": "Đã đăng xuất.", "en": "Logged out."},
    "agent_paused": {"vi": "Đã tạm nghỉ.", "en": "Paused."},
    "agent_unpaused": {"vi": "Đã sẵn sàng nhận cuộc gọi.", "en": "Ready for calls."},
    "agent_not_agent": {
        "vi": "Số máy này không phải là nhân viên hàng chờ.",
        "en": "This extension is not a queue agent.",
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
