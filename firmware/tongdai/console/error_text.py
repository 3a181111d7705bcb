"""Store error messages in the reader's language, values and all.

The stores raise "field: message" in English, often with values inside ("801 is taken by
ring group sales"). The catalogue holds templates for those: an English msgid with named
placeholders ("{number} is taken by {owner}") and its translation using the same names.
A message is matched against the templates, the values are carried over as they are
(a few fixed English words among them are translated), and if nothing matches the
English text is shown. The API keeps the English: scripts parse it.
"""

from __future__ import annotations

import functools
import re

from babel.messages.pofile import read_po

from tongdai.console.i18n import CATALOGUES, Locale
from tongdai.console.templating import N_

PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
# Placeholders whose value names things ("ring group sales", or a ", "-separated list of
# them), each translated by the templates for those.
THINGS = ("owner", "users")
# Placeholders whose value may be a fixed English word ("any", a destination kind), and
# those words; other values (names, numbers) are never translated, whatever they spell.
WORDED = ("did", "trunk", "kind")
WORDS = (
    N_("any"), N_("any trunk"), N_("extension"), N_("ring group"), N_("queue"), N_("ivr"),
    N_("time condition"), N_("conference"),
)  # fmt: skip


def _compile(msgid: str) -> re.Pattern:
    """An anchored regex for a template: each placeholder a non-greedy named group (a name
    used twice must hold the same text both times). A value holds no ": " (the stores'
    separator) unless it is a whole error, so "line 4: numbers: 0912 is An's already"
    is a line's error, not a number "line 4: numbers: 0912"."""
    parts, seen, end = [], set(), 0
    for m in PLACEHOLDER.finditer(msgid):
        parts.append(re.escape(msgid[end : m.start()]))
        name = m.group(1)
        value = ".+?" if name == "error" else "(?:(?!: ).)+?"
        parts.append(f"(?P={name})" if name in seen else f"(?P<{name}>{value})")
        seen.add(name)
        end = m.end()
    parts.append(re.escape(msgid[end:]))
    return re.compile("".join(parts), re.DOTALL)


@functools.cache
def templates(lang: str) -> tuple[tuple[re.Pattern, str], ...]:
    """(pattern, translation) of every template in `lang`'s catalogue, the most specific
    (longest literal text) first."""
    if lang == "en":
        return ()
    with open(CATALOGUES / f"{lang}.po", "rb") as po:
        catalogue = read_po(po, locale=lang)
    found = [
        (message.id, message.string)
        for message in catalogue
        if isinstance(message.id, str) and message.string and PLACEHOLDER.search(message.id)
    ]
    found.sort(key=lambda pair: -len(PLACEHOLDER.sub("", pair[0])))
    return tuple((_compile(msgid), msgstr) for msgid, msgstr in found)


def translate(message: str, locale: Locale) -> str:
    """`message` (without its field) in the reader's language, or as it is."""
    exact = locale.gettext(message)
    if exact != message or locale.lang == "en":
        return exact
    for pattern, translation in templates(locale.lang):
        if m := pattern.fullmatch(message):
            values = {name: _value(name, text, locale) for name, text in m.groupdict().items()}
            return translation.format(**values)
    return message


def _value(name: str, text: str, locale: Locale) -> str:
    if name in THINGS:
        return ", ".join(translate(item, locale) for item in text.split(", "))
    if name == "error":  # a whole store error inside ("line 4: numbers: ...")
        return translate(without_field(text), locale)
    return locale.gettext(text) if name in WORDED and text in WORDS else text


def without_field(message: str) -> str:
    """What is wrong, from a store's "field: what is wrong" (a message whose first part is
    not a field name is all message)."""
    field, sep, rest = message.partition(": ")
    return rest if sep and " " not in field else message
