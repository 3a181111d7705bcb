"""Building SIP test messages (plain text with CRLF line ends)."""

from __future__ import annotations


def crlf(text: str, body: str = "") -> bytes:
    """A message from readable text: one header per line, CRLF added, Content-Length set."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    head = "\r\n".join(lines)
    if "Content-Length" not in head and "\nl:" not in head:
        head += f"\r\nContent-Length: {len(body.encode())}"
    return (head + "\r\n\r\n" + body).encode()


def register(
    user: str = "101",
    *,
    branch: str = "z9hG4bK-1",
    call_id: str = "reg-1@phone",
    cseq: int = 1,
    contact: str | None = "<sip:101@192.0.2.10:5062>",
    expires: int | None = 300,
    extra: str = "",
    via_host: str = "127.0.0.1:5062",
) -> bytes:
    lines = [
        "REGISTER sip:pbx.example SIP/2.0",
        f"Via: SIP/2.0/UDP {via_host};branch={branch}",
        f"From: <sip:{user}@pbx.example>;tag=f{abs(hash(call_id)) % 10**8}",
        f"To: <sip:{user}@pbx.example>",
        f"Call-ID: {call_id}",
        f"CSeq: {cseq} REGISTER",
        "Max-Forwards: 70",
    ]
    if contact is not None:
        lines.append(f"Contact: {contact}")
    if expires is not None:
        lines.append(f"Expires: {expires}")
    lines += [line for line in extra.splitlines() if line.strip()]
    return crlf("\n".join(lines))
