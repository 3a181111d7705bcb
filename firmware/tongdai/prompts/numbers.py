"""Numbers as the words a caller hears, per language, so "71" is spoken "bảy mươi mốt"
and not "bảy một". Each word is a prompt of its own (`WORDS`), concatenated at play time.
"""

from __future__ import annotations

_VI_DIGITS = ["không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín", "mười"]
_EN_SMALL = [
    "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
    "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen",
    "nineteen",
]  # fmt: skip
_EN_TENS = ["twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"]

# word prompt name -> text, per language
WORDS = {
    "vi": {
        **{f"n{d}": word for d, word in enumerate(_VI_DIGITS)},
        "muoi": "mươi",  # the tens after twenty: "hai mươi"
        "mot": "mốt",  # 1 after the tens: "hai mươi mốt"
        "tu": "tư",  # 4 after the tens: "hai mươi tư"
        "lam": "lăm",  # 5 after ten: "mười lăm", "hai mươi lăm"
        "tram": "trăm",
        "le": "lẻ",  # a zero ten: "một trăm lẻ năm"
        "nghin": "nghìn",
        "trieu": "triệu",
    },
    "en": {
        **{f"n{n}": word for n, word in enumerate(_EN_SMALL)},
        **{f"n{t}0": word for t, word in enumerate(_EN_TENS, start=2)},
        "hundred": "hundred",
        "thousand": "thousand",
        "million": "million",
    },
}
MAX = 999_999_999


def say_number(n: int, lang: str) -> list[str]:
    """The word prompts that speak `n` (0..999,999,999) in `lang`."""
    if not 0 <= n <= MAX:
        raise ValueError(f"cannot speak {n}")
    return _vi(n) if lang == "vi" else _en(n)


def say_digits(text: str) -> list[str]:
    """Digit by digit (a phone number, a PIN, a parking slot read out)."""
    return [f"n{c}" for c in text if c.isdigit()]


def say_time(hour: int, minute: int, lang: str) -> list[str]:
    """A clock time: "mười giờ ba mươi phút", "ten thirty a m"."""
    if lang == "vi":
        return [*_vi(hour), "hour_word"] + ([*_vi(minute), "minute_word"] if minute else [])
    spoken = _en(hour % 12 or 12)
    if minute == 0:
        spoken.append("hour_word")
    elif minute < 10:
        spoken += ["oh", f"n{minute}"]
    else:
        spoken += _en(minute)
    return [*spoken, "am" if hour < 12 else "pm"]


def say_date(day: int, month: int, lang: str) -> list[str]:
    """A day of the year: "ngày hai mươi tư tháng mười một", "November twenty four"."""
    if lang == "vi":
        # April is "tháng tư", never "tháng bốn"
        return ["day_word", *_vi(day), "month_word", *(["tu"] if month == 4 else _vi(month))]
    return [f"month{month}", *_en(day)]


def _vi(n: int) -> list[str]:
    if n < 1000:
        return _vi_below_1000(n, leading=True)
    for size, word in ((1_000_000, "trieu"), (1000, "nghin")):
        if n >= size:
            head, rest = divmod(n, size)
            out = [*_vi(head), word]
            if rest:
                # a whole hundreds group follows: "một nghìn không trăm lẻ năm"
                out += _vi_below_1000(rest, leading=False) if rest < 1000 else _vi(rest)
            return out
    raise AssertionError  # unreachable: n >= 1000 took a branch


def _vi_below_1000(n: int, *, leading: bool) -> list[str]:
    hundreds, rest = divmod(n, 100)
    out: list[str] = []
    if hundreds or not leading:
        out += [f"n{hundreds}", "tram"]
    if rest == 0:
        return out or ["n0"]
    tens, units = divmod(rest, 10)
    if tens == 0:
        return [*out, "le", f"n{units}"] if out else [f"n{units}"]
    out += ["n10"] if tens == 1 else [f"n{tens}", "muoi"]
    if units == 1 and tens > 1:
        out.append("mot")
    elif units == 4 and tens > 1:
        out.append("tu")
    elif units == 5:
        out.append("lam")
    elif units:
        out.append(f"n{units}")
    return out


def _en(n: int) -> list[str]:
    if n < 20:
        return [f"n{n}"]
    if n < 100:
        tens, units = divmod(n, 10)
        return [f"n{tens}0"] + ([f"n{units}"] if units else [])
    if n < 1000:
        hundreds, rest = divmod(n, 100)
        return [f"n{hundreds}", "hundred"] + (_en(rest) if rest else [])
    for size, word in ((1_000_000, "million"), (1000, "thousand")):
        if n >= size:
            head, rest = divmod(n, size)
            return [*_en(head), word] + (_en(rest) if rest else [])
    raise AssertionError  # unreachable
