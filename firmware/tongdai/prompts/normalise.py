"""Free text an admin types, turned into what espeak-ng should say: numbers, times, dates,
durations, phone numbers, percentages and feature codes spelled out in Vietnamese or
English; words are left alone. The numbers come from prompts.numbers, so a typed greeting
says "21" the way the built prompts do.

    normalise("Mở cửa 8:00-17:30, gọi 0909 123 456", "vi")
    -> "Mở cửa tám giờ đến mười bảy giờ ba mươi phút, gọi không chín không chín, ..."
"""

from __future__ import annotations

import datetime as dt
import functools
import re

from tongdai.prompts.catalog import texts
from tongdai.prompts.numbers import MAX, say_date, say_digits, say_number, say_time

_LETTER = r"[^\W\d_]"
_WORDS = {
    "vi": {"point": "phẩy", "percent": "phần trăm", "to": "đến", "plus": "cộng",
           "*": "sao", "#": "thăng"},
    "en": {"point": "point", "percent": "percent", "to": "to", "plus": "plus",
           "*": "star", "#": "hash"},
}  # fmt: skip
# abbreviations after a number -> (one, several)
_UNITS = {
    "vi": {
        "s": ("giây", "giây"), "p": ("phút", "phút"), "ph": ("phút", "phút"),
        "h": ("giờ", "giờ"), "đ": ("đồng", "đồng"), "vnđ": ("đồng", "đồng"),
        "vnd": ("đồng", "đồng"),
    },
    "en": {
        "s": ("second", "seconds"), "sec": ("second", "seconds"), "secs": ("second", "seconds"),
        "min": ("minute", "minutes"), "mins": ("minute", "minutes"), "h": ("hour", "hours"),
        "hr": ("hour", "hours"), "hrs": ("hour", "hours"), "vnd": ("dong", "dong"),
    },
}  # fmt: skip
# Vietnamese says "thứ nhất", "thứ tư" and "tháng tư", not "thứ một", "thứ bốn", "tháng bốn"
_VI_ORDINALS = {"thứ": {1: "nhất", 4: "tư"}, "tháng": {4: "tư"}}
_EN_ORDINALS = {"one": "first", "two": "second", "three": "third", "five": "fifth",
                "eight": "eighth", "nine": "ninth", "twelve": "twelfth"}  # fmt: skip

# A number: vi groups thousands with "." and marks decimals with ",", en the other way.
_NUM = {
    "vi": r"(?:[0-9]{1,3}(?:\.[0-9]{3})+(?![0-9])|[0-9]+)(?:[,.][0-9]+)?",
    "en": r"(?:[0-9]{1,3}(?:,[0-9]{3})+(?![0-9])|[0-9]+)(?:\.[0-9]+)?",
}
_AMPM = rf"\s?(?P<ampm>[aApP])\.?[mM]\.?(?!{_LETTER})"
_TIME = {
    "vi": r"(?<![0-9])(?P<hour>[0-9]{1,2})(?::(?P<min>[0-9]{2})|h(?P<hmin>[0-9]{2})?)"
    rf"(?![0-9]|{_LETTER})",
    # en: minutes, or "a m"/"p m", or both ("5pm", "8:30", "8:30 a.m.")
    "en": r"(?<![0-9])(?=[0-9]{1,2}(?:[:h][0-9]{2}|\s?[aApP]\.?[mM]))(?P<hour>[0-9]{1,2})"
    rf"(?::(?P<min>[0-9]{{2}})|h(?P<hmin>[0-9]{{2}}))?(?:{_AMPM})?(?![0-9])",
}
_ORDINAL = {
    "vi": r"(?P<ordword>(?i:thứ|tháng))\s+(?P<ordnum>[0-9]{1,2})(?![0-9])",
    "en": rf"(?P<ordnum>[0-9]+)(?i:st|nd|rd|th)(?!{_LETTER})",
}


@functools.cache
def _pattern(lang: str) -> re.Pattern[str]:
    num = _NUM[lang]
    units = "|".join(sorted(map(re.escape, _UNITS[lang]), key=len, reverse=True))
    return re.compile(
        "|".join((
            r"(?P<iso>(?<![0-9])[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?![0-9]))",
            r"(?P<dmy>(?<![0-9/])[0-9]{1,2}/[0-9]{1,2}(?:/(?:[0-9]{4}|[0-9]{2}))?(?![0-9/]))",
            rf"(?P<time>{_TIME[lang]})",
            r"(?P<phone>\+[0-9]+(?:[ .-][0-9]{2,})*|(?<![0-9])0[0-9]+(?:[ .-][0-9]{2,})*"
            r"|(?<![0-9])[0-9]{8,})(?![0-9])",
            rf"(?P<percent>(?P<pct>{num})\s?%)",
            rf"(?P<ordinal>{_ORDINAL[lang]})",
            rf"(?P<unit>(?P<amount>{num})\s?(?P<abbr>(?i:{units}))(?!{_LETTER}))",
            rf"(?P<number>{num})",
            r"(?P<range>(?<=[0-9])\s?[-–]\s?(?=[0-9]))",
            r"(?P<code>(?<![^\s(])[*#][0-9*#]*(?![^\s.,;:!?)]))",
        ))
    )  # fmt: skip


def normalise(text: str, lang: str) -> str:
    """`text` with everything numeric spelled out in `lang` ("vi" or "en")."""
    pattern = _pattern(lang)

    def spoken(m: re.Match[str]) -> str:
        said = _spoken(m, lang)
        # words glued to digits ("4G", "A4") stay apart from the spelled-out number
        before = " " if m.start() and m.string[m.start() - 1].isalnum() else ""
        after = " " if m.end() < len(m.string) and m.string[m.end()].isalnum() else ""
        return f"{before}{said}{after}"

    return re.sub(r"[ \t]+", " ", pattern.sub(spoken, text)).strip()


def number(value: str, lang: str) -> str:
    """A number as written in `lang` ("1.000,5" in vi, "1,000.5" in en) in words."""
    whole, sep, frac = _split(value, lang)
    said = _integer(whole, lang)
    if not sep:
        return said
    # vi reads "3,25" as "ba phẩy hai mươi lăm", en as "three point two five"
    as_number = lang == "vi" and not frac.startswith("0") and len(frac) <= 3
    return f"{said} {_WORDS[lang]['point']} " + (
        _integer(frac, lang) if as_number else digits(frac, lang)
    )


def digits(text: str, lang: str) -> str:
    return _say(say_digits(text), lang)


def _split(value: str, lang: str) -> tuple[str, str, str]:
    group, decimal = (".", ",") if lang == "vi" else (",", ".")
    grouped = re.fullmatch(rf"[0-9]{{1,3}}(?:\{group}[0-9]{{3}})+", value.split(decimal)[0])
    if lang == "vi" and not grouped and "." in value and "," not in value:
        decimal = "."  # "1.5": not a thousands group, so a decimal point written en-style
    whole, sep, frac = value.partition(decimal)
    return whole.replace(group, ""), sep, frac


def _integer(text: str, lang: str) -> str:
    # past the range (and before int() refuses thousands of digits): digit by digit
    if len(text) > len(str(MAX)) or int(text) > MAX:
        return digits(text, lang)
    return _say(say_number(int(text), lang), lang)


def _spoken(m: re.Match[str], lang: str) -> str:
    kind = m.lastgroup
    w = _WORDS[lang]
    if kind == "iso" or kind == "dmy":
        return _date(m.group(kind), lang)
    if kind == "time":
        return _time(m, lang)
    if kind == "phone":
        return _phone(m.group(kind), lang)
    if kind == "percent":
        return f"{number(m.group('pct'), lang)} {w['percent']}"
    if kind == "ordinal":
        return _ordinal(m, lang)
    if kind == "unit":
        value = m.group("amount")
        one, several = _UNITS[lang][m.group("abbr").lower()]
        return f"{number(value, lang)} {one if value == '1' else several}"
    if kind == "number":
        return number(m.group(kind), lang)
    if kind == "range":
        return f" {w['to']} "
    return " ".join(w[c] if c in w else digits(c, lang) for c in m.group("code"))


def _date(text: str, lang: str) -> str:
    parts = [int(p) for p in re.split("[-/]", text)]
    if "-" in text:
        year, month, day = parts
    elif len(parts) == 3:
        day, month, year = parts
    else:
        (day, month), year = parts, None
    if year is not None and year < 100:
        year += 2000
    try:
        dt.date(year or 2000, month, day)  # 2000: a leap year, so 29/02 is a date
    except ValueError:
        return _spell_integers(text, lang)
    if lang == "vi":
        said = _say(say_date(day, month, lang), lang)
        return f"{said} năm {_integer(str(year), lang)}" if year else said
    said = f"{_say([f'month{month}'], lang)} {_en_ordinal(day)}"
    return f"{said}, {_en_year(year)}" if year else said


def _time(m: re.Match[str], lang: str) -> str:
    hour, minute = int(m.group("hour")), int(m.group("min") or m.group("hmin") or 0)
    ampm = (m.groupdict().get("ampm") or "").lower()
    if ampm:
        valid = 1 <= hour <= 12
        hour = hour % 12 + (12 if ampm == "p" else 0)
    else:
        valid = hour <= 23
    if not valid or minute > 59:
        return _spell_integers(m.group(0), lang)
    return _say(say_time(hour, minute, lang), lang)


def _phone(text: str, lang: str) -> str:
    plus = f"{_WORDS[lang]['plus']} " if text.startswith("+") else ""
    # a pause (comma) where the number was written with a gap, as people read them
    return plus + ", ".join(digits(group, lang) for group in re.split("[ .-]", text))


def _ordinal(m: re.Match[str], lang: str) -> str:
    n = m.group("ordnum")
    if lang == "en":
        return _en_ordinal(int(n)) if len(n) <= len(str(MAX)) else digits(n, lang)
    word = m.group("ordword")
    return f"{word} {_VI_ORDINALS[word.lower()].get(int(n)) or _integer(n, lang)}"


def _en_ordinal(n: int) -> str:
    *head, last = _integer(str(n), "en").split()
    if last in _EN_ORDINALS:
        last = _EN_ORDINALS[last]
    else:
        last = last[:-1] + "ieth" if last.endswith("y") else last + "th"
    return " ".join([*head, last])


def _en_year(year: int) -> str:
    """ "twenty twenty six", "nineteen oh five", "two thousand five"."""
    century, rest = divmod(year, 100)
    if year < 1000 or 2000 <= year <= 2009:
        return _integer(str(year), "en")
    if rest == 0:
        return f"{_integer(str(century), 'en')} hundred"
    tail = f"oh {_integer(str(rest), 'en')}" if rest < 10 else _integer(str(rest), "en")
    return f"{_integer(str(century), 'en')} {tail}"


def _spell_integers(text: str, lang: str) -> str:
    """Not a real date or time: each number on its own."""
    return re.sub("[0-9]+", lambda m: f" {_integer(m.group(0), lang)} ", text).strip()


def _say(names: list[str], lang: str) -> str:
    words = _texts(lang)
    return " ".join(words[name] for name in names)


@functools.cache
def _texts(lang: str) -> dict[str, str]:
    return texts(lang)
