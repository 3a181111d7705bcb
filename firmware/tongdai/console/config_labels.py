"""What the configuration pages call the store's values (marked for translation with N_;
templates translate them with _())."""

from __future__ import annotations

from tongdai.console.templating import N_

RECORD_NAMES = {"never": N_("never"), "always": N_("always"), "on-demand": N_("on demand (*1)")}
PERMISSION_NAMES = {
    "internal": N_("internal calls only"),
    "local": N_("local"),
    "national": N_("national"),
    "international": N_("international"),
}
CLASS_NAMES = {
    "local": N_("local"),
    "national": N_("national"),
    "international": N_("international"),
    "emergency": N_("emergency"),
}
KIND_NAMES = {
    "extension": N_("Extension"),
    "ring_group": N_("Ring group"),
    "queue": N_("Queue"),
    "ivr": N_("IVR menu"),
    "time_condition": N_("Time condition"),
    "voicemail": N_("Voicemail box"),
    "conference": N_("Conference room"),
    "announcement": N_("Announcement (prompt)"),
    "outside": N_("Outside number"),
    "hangup": N_("Hang up"),
}
# store.features.DEFAULTS says what each code does, in English; these are shown instead.
FEATURE_NAMES = {
    "pickup": N_("Pickup: answer a call ringing another extension"),
    "directed_pickup": N_("Directed pickup: followed by an extension, answer its ringing call"),
    "record_toggle": N_("During a call: start or stop an on-demand recording"),
    "park": N_("Park: transfer a call here (or dial it to hear a free slot)"),
    "agent_login": N_("Queue agent: log in, or out when logged in"),
    "agent_pause": N_("Queue agent: pause, or unpause when paused"),
    "voicemail": N_("Your own voicemail box"),
    "voicemail_any": N_("Any voicemail box (asks which)"),
    "day_night": N_("Day/night: followed by a time condition's number"),
    "record_prompt": N_("Followed by a number N: record prompt recN from your phone"),
}
LABELS = {"record_names": RECORD_NAMES, "permission_names": PERMISSION_NAMES,
          "class_names": CLASS_NAMES, "kind_names": KIND_NAMES}  # fmt: skip
