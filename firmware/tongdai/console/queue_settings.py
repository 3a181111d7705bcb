"""The queue settings form: each field of store.queues.Queue with its label and the kind
of input it takes, and reading them back from a submitted form (page and API agree on
what each field means because both go through store.queues)."""

from __future__ import annotations

from tongdai.acdcore import EMPTY_RULES, STRATEGIES
from tongdai.console.config_forms import decimal, text, whole
from tongdai.store import queues


def N_(message: str) -> str:
    return message


# (field, label, kind, choices): kind is text, seconds, whole, choice or check
FIELDS = (
    ("number", N_("Internal number (optional)"), "text", ()),
    ("display", N_("Name shown to agents"), "text", ()),
    ("strategy", N_("Strategy"), "choice", STRATEGIES),
    ("ring_timeout", N_("Seconds an agent rings"), "seconds", ()),
    ("retry", N_("Seconds before the next try"), "seconds", ()),
    ("wrap_up", N_("Wrap-up seconds after a call"), "seconds", ()),
    ("max_wait", N_("Longest wait in seconds (0: no limit)"), "seconds", ()),
    ("max_len", N_("Most callers waiting (0: no limit)"), "whole", ()),
    ("sl_seconds", N_("Service level: answered within seconds"), "seconds", ()),
    ("short_abandon", N_("Hang-ups within seconds not counted"), "seconds", ()),
    ("join_empty", N_("Callers may not join when there are"), "choice", EMPTY_RULES),
    ("leave_empty", N_("Waiting callers leave when there are"), "choice", EMPTY_RULES),
    ("overflow", N_("Overflow (extension:N, queue:NAME or hangup)"), "text", ()),
    ("announce_every", N_("Announce the position every seconds"), "seconds", ()),
    ("callback_after", N_("Offer a call back after seconds (0: never)"), "seconds", ()),
    ("callback_trunk", N_("Trunk for calls back"), "text", ()),
    ("whisper", N_("Tell the agent the queue's name"), "check", ()),
    ("record", N_("Record calls"), "choice", queues.RECORD_POLICIES),
    ("language", N_("Language of the prompts"), "choice", ("", "vi", "en")),
    ("handle_estimate", N_("Expected handling seconds"), "seconds", ()),
)


def settings_from_form(form) -> dict:
    """The submitted settings as store values (QueueError naming a field that is not a
    number)."""
    out = {}
    for name, _, kind, _ in FIELDS:
        if kind == "seconds":
            out[name] = decimal(form, name, queues.QueueError)
        elif kind == "whole":
            out[name] = whole(form, name, queues.QueueError)
        elif kind == "check":
            out[name] = form.get(name) == "on"
        else:
            out[name] = text(form, name)
    out["number"] = out["number"] or None
    return out
