"""What the edge lets through to the media engine: bodies checked and trimmed first.

pjproject 2.12.1 has holes reachable through SDP and bodies (see DESIGN.md, "The
media engine's security"). Before a body reaches it: only SDP (and short text for
MESSAGE) passes, never multipart or XML; at most 4 m= lines; at most 4 a=crypto
lines; ICE attributes removed; dynamic payload types without an rtpmap removed from
their m= line. What cannot be made safe is refused with 488 and a reason.
"""

from __future__ import annotations

from tongdai.sip.errors import SipError

MAX_MEDIA = 4
MAX_CRYPTO = 4
MAX_SDP = 8 * 1024
MAX_TEXT = 4 * 1024
ICE_ATTRIBUTES = (
    "candidate", "ice-ufrag", "ice-pwd", "ice-options", "ice-lite", "ice-mismatch",
    "remote-candidates", "end-of-candidates", "ice-pacing",
)  # fmt: skip
TEXT_TYPES = ("text/plain",)


def check_body(method: str, content_type: str | None, body: bytes) -> bytes:
    """The body to forward (possibly trimmed), or SipError(488/415) naming the problem."""
    if not body:
        return body
    media_type = (content_type or "").split(";", 1)[0].strip().lower()
    if media_type == "application/sdp":
        return clean_sdp(body)
    if media_type.startswith("multipart/"):
        raise SipError("multipart bodies are not accepted", status=488)
    if method == "MESSAGE" and media_type in TEXT_TYPES:
        if len(body) > MAX_TEXT:
            raise SipError("message too long", status=488)
        return body
    if method in ("BYE", "CANCEL", "INFO") and media_type in (
        "application/dtmf-relay", "application/dtmf",
    ):  # fmt: skip
        return body[:256]
    raise SipError(f"body type {media_type or 'unknown'} is not accepted", status=415)


def clean_sdp(body: bytes) -> bytes:
    if len(body) > MAX_SDP:
        raise SipError("SDP too large", status=488)
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise SipError("SDP is not UTF-8", status=488) from None
    lines = [line for line in text.replace("\r\n", "\n").split("\n") if line]
    if not lines or not lines[0].startswith("v="):
        raise SipError("not an SDP body", status=488)
    # split into the session part and one part per m= line
    sections: list[list[str]] = [[]]
    for line in lines:
        if len(line) < 2 or line[1] != "=":
            raise SipError("bad SDP line", status=488)
        if line.startswith("m="):
            sections.append([])
        sections[-1].append(line)
    if len(sections) - 1 > MAX_MEDIA:
        raise SipError(f"more than {MAX_MEDIA} media streams", status=488)
    crypto = 0
    out: list[str] = []
    for index, section in enumerate(sections):
        kept = []
        for line in section:
            if line.startswith("a="):
                name = line[2:].split(":", 1)[0].strip().lower()
                if name in ICE_ATTRIBUTES:
                    continue
                if name == "crypto":
                    crypto += 1
                    if crypto > MAX_CRYPTO:
                        continue
            kept.append(line)
        out += _drop_unmapped(kept) if index else kept
    return ("\r\n".join(out) + "\r\n").encode()


def _drop_unmapped(section: list[str]) -> list[str]:
    """Remove dynamic payload types that have no a=rtpmap from an m= section."""
    parts = section[0].split()
    if len(parts) < 4 or "RTP/" not in parts[2]:
        return section  # not RTP (or a rejected stream with no formats): nothing to check
    mapped = set()
    for line in section[1:]:
        if line.startswith("a=rtpmap:"):
            mapped.add(line[9:].split(None, 1)[0])
    formats = []
    for pt in parts[3:]:
        if not pt.isdigit() or int(pt) > 127:
            raise SipError("bad payload type", status=488)
        if int(pt) >= 96 and pt not in mapped:
            continue
        formats.append(pt)
    if not formats:
        raise SipError("no usable payload type", status=488)
    dropped = set(parts[3:]) - set(formats)
    head = " ".join(parts[:3] + formats)
    body = [
        line
        for line in section[1:]
        if not (line.startswith("a=fmtp:") and line[7:].split(None, 1)[0] in dropped)
    ]
    return [head, *body]
