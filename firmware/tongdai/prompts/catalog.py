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
    # -- IVR menus ----------------------------------------------------------------------
    "ivr_welcome": {
        "vi": "Xin chào quý khách đã gọi đến tổng đài.",
        "en": "Welcome, and thank you for calling.",
    },
    "ivr_invalid": {
        "vi": "Lựa chọn không hợp lệ.",
        "en": "That is not a valid choice.",
    },
    "ivr_no_input": {
        "vi": "Quý khách chưa bấm phím nào.",
        "en": "We did not receive your choice.",
    },
    "please_hold": {
        "vi": "Xin quý khách vui lòng giữ máy.",
        "en": "Please hold.",
    },
    "office_closed": {
        "vi": "Văn phòng hiện đã đóng cửa. Xin quý khách vui lòng gọi lại trong giờ làm việc.",
        "en": "Our office is now closed. Please call again during office hours.",
    },
    # -- time conditions -----------------------------------------------------------------
    "tc_now_closed": {"vi": "Đã chuyển sang chế độ ngoài giờ.", "en": "Now closed."},
    "tc_now_open": {"vi": "Đã chuyển sang chế độ trong giờ.", "en": "Now open."},
    "tc_following_hours": {
        "vi": "Đã trở về theo lịch làm việc.",
        "en": "Back to the office hours.",
    },
    "tc_unknown": {
        "vi": "Không có lịch làm việc số này.",
        "en": "There is no time condition with that number.",
    },
    # -- voicemail -----------------------------------------------------------------------
    "vm_unavailable": {
        "vi": "Thuê bao số máy lẻ",
        "en": "The person at extension",
    },
    "vm_is_unavailable": {
        "vi": "hiện không thể nghe máy.",
        "en": "is not available.",
    },
    "vm_is_busy": {
        "vi": "đang bận.",
        "en": "is on the phone.",
    },
    "vm_leave_message": {
        "vi": "Xin để lại lời nhắn sau tiếng bíp, rồi bấm phím thăng hoặc gác máy.",
        "en": "Please leave a message after the tone, then press hash or hang up.",
    },
    "vm_message_saved": {"vi": "Lời nhắn đã được lưu.", "en": "Your message has been saved."},
    "vm_enter_box": {
        "vi": "Xin nhập số hộp thư, rồi bấm phím thăng.",
        "en": "Please enter the mailbox number, then press hash.",
    },
    "vm_enter_pin": {
        "vi": "Xin nhập mã PIN hộp thư, rồi bấm phím thăng.",
        "en": "Please enter your mailbox PIN, then press hash.",
    },
    "vm_bad_pin": {"vi": "Mã PIN không đúng.", "en": "That PIN is not correct."},
    "vm_you_have": {"vi": "Quý khách có", "en": "You have"},
    "vm_new_messages": {"vi": "tin nhắn mới và", "en": "new messages and"},
    "vm_old_messages": {"vi": "tin nhắn cũ.", "en": "old messages."},
    "vm_main_menu": {
        "vi": "Để nghe tin nhắn, bấm một. Để ghi lời chào khi vắng mặt, bấm hai. "
        "Để ghi lời chào khi bận, bấm ba. Để đổi mã PIN, bấm bốn. Để kết thúc, bấm phím thăng.",
        "en": "To listen to your messages, press one. To record your unavailable greeting, "
        "press two. To record your busy greeting, press three. To change your PIN, press "
        "four. To finish, press hash.",
    },
    "vm_message": {"vi": "Tin nhắn", "en": "Message"},
    "vm_from": {"vi": "từ số", "en": "from"},
    "vm_received": {"vi": "nhận lúc", "en": "received"},
    "vm_message_menu": {
        "vi": "Để nghe lại, bấm năm. Để xóa, bấm bảy. Để lưu, bấm chín. "
        "Để nghe tin tiếp theo, bấm phím thăng.",
        "en": "To hear it again, press five. To delete it, press seven. To save it, press "
        "nine. For the next message, press hash.",
    },
    "vm_deleted": {"vi": "Đã xóa tin nhắn.", "en": "Message deleted."},
    "vm_saved": {"vi": "Đã lưu tin nhắn.", "en": "Message saved."},
    "vm_no_more": {"vi": "Không còn tin nhắn nào.", "en": "There are no more messages."},
    "vm_record_greeting": {
        "vi": "Xin đọc lời chào sau tiếng bíp, rồi bấm phím thăng.",
        "en": "Please say your greeting after the tone, then press hash.",
    },
    "vm_greeting_saved": {"vi": "Đã lưu lời chào.", "en": "Your greeting has been saved."},
    "vm_new_pin": {
        "vi": "Xin nhập mã PIN mới từ bốn đến mười hai chữ số, rồi bấm phím thăng.",
        "en": "Please enter a new PIN of four to twelve digits, then press hash.",
    },
    "vm_pin_changed": {"vi": "Đã đổi mã PIN.", "en": "Your PIN has been changed."},
    "vm_pin_refused": {
        "vi": "Mã PIN này quá dễ đoán và không được chấp nhận.",
        "en": "That PIN is too easy to guess and was not accepted.",
    },
    "vm_no_box": {
        "vi": "Số máy này không có hộp thư thoại.",
        "en": "There is no voicemail box for that number.",
    },
    # -- prompts recorded from a phone ---------------------------------------------------
    "prompt_record": {
        "vi": "Xin đọc lời nhắn sau tiếng bíp, rồi bấm phím thăng.",
        "en": "Please speak the prompt after the tone, then press hash.",
    },
    "prompt_saved": {"vi": "Đã lưu lời nhắn số", "en": "Saved prompt number"},
    "not_allowed": {
        "vi": "Số máy này không được phép dùng chức năng này.",
        "en": "This extension may not use that feature.",
    },
    # -- times and dates (prompts.numbers.say_time / say_date) ---------------------------
    "hour_word": {"vi": "giờ", "en": "o'clock"},
    "minute_word": {"vi": "phút", "en": "minutes"},
    "day_word": {"vi": "ngày", "en": "day"},
    "month_word": {"vi": "tháng", "en": "month"},
    "oh": {"vi": "linh", "en": "oh"},
    "am": {"vi": "sáng", "en": "a m"},
    "pm": {"vi": "chiều", "en": "p m"},
    "on": {"vi": "vào", "en": "on"},
    # English month names (a Vietnamese date says "tháng" and the month's number)
    **{
        f"month{m}": {"vi": f"tháng {vi}", "en": en}
        for m, (vi, en) in enumerate(
            (
                ("một", "January"),
                ("hai", "February"),
                ("ba", "March"),
                ("tư", "April"),
                ("năm", "May"),
                ("sáu", "June"),
                ("bảy", "July"),
                ("tám", "August"),
                ("chín", "September"),
                ("mười", "October"),
                ("mười một", "November"),
                ("mười hai", "December"),
            ),
            start=1,
        )
    },
}


def texts(lang: str) -> dict[str, str]:
    """Every prompt of one language: name -> text to speak."""
    out = {name: phrase[lang] for name, phrase in PHRASES.items()}
    out.update(WORDS[lang])
    return out
