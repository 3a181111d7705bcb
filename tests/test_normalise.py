"""The text normaliser: what espeak-ng is asked to say for what an admin typed."""

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from tongdai.prompts.normalise import normalise
from tongdai.prompts.numbers import MAX

VI = [
    ("3", "ba"),
    ("21", "hai mươi mốt"),
    ("105", "một trăm lẻ năm"),
    ("1005", "một nghìn không trăm lẻ năm"),
    ("12345", "mười hai nghìn ba trăm bốn mươi lăm"),
    ("8:30", "tám giờ ba mươi phút"),
    ("08:30", "tám giờ ba mươi phút"),
    ("17h30", "mười bảy giờ ba mươi phút"),
    ("17h", "mười bảy giờ"),
    ("15/08/2026", "ngày mười lăm tháng tám năm hai nghìn không trăm hai mươi sáu"),
    ("2026-08-15", "ngày mười lăm tháng tám năm hai nghìn không trăm hai mươi sáu"),
    ("nghỉ 30/4 và 1/5", "nghỉ ngày ba mươi tháng tư và ngày một tháng năm"),
    ("2 phút", "hai phút"),
    ("30 giây", "ba mươi giây"),
    ("chờ 5p", "chờ năm phút"),
    ("0909 123 456", "không chín không chín, một hai ba, bốn năm sáu"),
    ("0909123456", "không chín không chín một hai ba bốn năm sáu"),
    ("+84 909 123 456", "cộng tám bốn, chín không chín, một hai ba, bốn năm sáu"),
    ("19001234", "một chín không không một hai ba bốn"),
    ("50%", "năm mươi phần trăm"),
    ("giảm 2,5 %", "giảm hai phẩy năm phần trăm"),
    ("phí 10.000đ", "phí mười nghìn đồng"),
    ("1.000.000 đồng", "một triệu đồng"),
    ("3,05", "ba phẩy không năm"),
    ("Thứ 2 đến thứ 4, tháng 4", "Thứ hai đến thứ tư, tháng tư"),
    ("Mở cửa 8:00-17:30", "Mở cửa tám giờ đến mười bảy giờ ba mươi phút"),
    ("bấm *77 hoặc phím #", "bấm sao bảy bảy hoặc phím thăng"),
    ("mạng 4G", "mạng bốn G"),
    (
        "Xin chào, bấm 1 để gặp phòng kinh doanh",
        "Xin chào, bấm một để gặp phòng kinh doanh",
    ),
    ("Xin chào quý khách", "Xin chào quý khách"),
    # not a time or a date: each number on its own
    ("25:70", "hai mươi lăm : bảy mươi"),
    ("31/02/2026", "ba mươi mốt / hai / hai nghìn không trăm hai mươi sáu"),
    # past what numbers.py speaks: digit by digit
    ("1.000.000.000", "một không không không không không không không không không"),
]

EN = [
    ("3", "three"),
    ("21", "twenty one"),
    ("105", "one hundred five"),
    ("8:30", "eight thirty a m"),
    ("08:30", "eight thirty a m"),
    ("17:30", "five thirty p m"),
    ("17h30", "five thirty p m"),
    ("9:05", "nine oh five a m"),
    ("8:30 p.m.", "eight thirty p m"),
    ("open until 5pm", "open until five o'clock p m"),
    ("12:00", "twelve o'clock p m"),
    ("15/08/2026", "August fifteenth, twenty twenty six"),
    ("2026-08-15", "August fifteenth, twenty twenty six"),
    ("1999-01-01", "January first, nineteen ninety nine"),
    ("2005-03-02", "March second, two thousand five"),
    ("1905-12-22", "December twenty second, nineteen oh five"),
    ("2 minutes", "two minutes"),
    ("1 min", "one minute"),
    ("30s", "thirty seconds"),
    ("0909 123 456", "zero nine zero nine, one two three, four five six"),
    ("50%", "fifty percent"),
    ("1,000,000", "one million"),
    ("3.5", "three point five"),
    ("the 21st", "the twenty first"),
    ("Press 1 for sales, 2 for support.", "Press one for sales, two for support."),
    ("dial *77 then #", "dial star seven seven then hash"),
]


@pytest.mark.parametrize(("text", "said"), VI)
def test_vietnamese(text, said):
    assert normalise(text, "vi") == said


@pytest.mark.parametrize(("text", "said"), EN)
def test_english(text, said):
    assert normalise(text, "en") == said


@given(st.text(), st.sampled_from(["vi", "en"]))
def test_any_text_is_normalised_without_digits_left(text, lang):
    said = normalise(text, lang)
    assert not re.search("[0-9]", said)


@given(st.integers(0, MAX), st.sampled_from(["vi", "en"]))
def test_every_number_in_range_is_spoken_as_words(n, lang):
    said = normalise(f"số {n} nhé", lang)
    assert said.startswith("số ") and said.endswith(" nhé")
    assert not re.search("[0-9]", said) and len(said.split()) >= 3


FORMS = ["8:30", "17h", "15/08/2026", "2026-02-29", "50%", "2 phút", "+84", "*", "#", "-", "/",
         ":", " ", ",", ".", "h", "p", "đ", "pm", "st", "thứ ", "tháng "]  # fmt: skip


@given(st.lists(st.one_of(st.integers(0, 10**12).map(str), st.sampled_from(FORMS))))
def test_mixtures_of_numeric_forms_never_leave_digits(parts):
    for lang in ("vi", "en"):
        assert not re.search("[0-9]", normalise("".join(parts), lang))
