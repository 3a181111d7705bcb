"""Dial patterns, as FreePBX and Asterisk users write them, for outbound routes.

    0-9 * # +  themselves
    X          any digit          Z  1-9          N  2-9
    [15-7]     one of the digits listed (ranges allowed)
    .          one or more of anything further (only at the end)
    !          zero or more of anything further (only at the end)

"0XXXXXXXXX" is a 10-digit number starting with 0; "00." anything starting with 00;
"11[345]" the emergency numbers 113, 114 and 115.
"""

from __future__ import annotations

import re
from functools import lru_cache

CLASSES = {"X": "[0-9]", "Z": "[1-9]", "N": "[2-9]"}
MAX_PATTERN = 64


class PatternError(ValueError):
    """A pattern that is not a dial pattern; the message says where."""


@lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    if not pattern or len(pattern) > MAX_PATTERN:
        raise PatternError(f"pattern {pattern!r}: 1 to {MAX_PATTERN} characters")
    out, i = [], 0
    while i < len(pattern):
        c = pattern[i].upper()
        if c.isdigit() or c in "*#+":
            out.append(re.escape(c))
        elif c in CLASSES:
            out.append(CLASSES[c])
        elif c == "[":
            end = pattern.find("]", i)
            body = pattern[i + 1 : end] if end > 0 else ""
            ranges = re.findall(r"\d-\d", body)
            if not re.fullmatch(r"(\d(-\d)?)+", body) or any(r[0] > r[2] for r in ranges):
                raise PatternError(
                    f"pattern {pattern!r}: a [...] set lists digits or rising ranges like 1-5"
                )
            out.append(f"[{body}]")
            i = end
        elif c in ".!" and i == len(pattern) - 1:
            out.append(".+" if c == "." else ".*")
        else:
            raise PatternError(f"pattern {pattern!r}: unexpected {pattern[i]!r} at {i + 1}")
        i += 1
    return re.compile("".join(out))


def matches(pattern: str, number: str) -> bool:
    return compile_pattern(pattern).fullmatch(number) is not None
