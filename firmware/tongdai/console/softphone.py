"""What a person types into a softphone to use an extension (server, ports, transports,
user, secret), and the same as a QR code to scan instead of typing.

Softphones agree on no QR format for SIP accounts, so the code holds the details as
labelled lines of text: a phone's camera app shows them for copying, and nothing in it
depends on one vendor's scheme.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import segno
from markupsafe import Markup


@dataclass(frozen=True)
class SipDetails:
    server: str  # the address phones register to
    port: int  # SIP over UDP and TCP
    tls_port: int | None  # SIP over TLS, when the box serves it
    user: str  # the extension number, also the authentication name
    secret: str
    realm: str

    @property
    def transports(self) -> tuple[str, ...]:
        return ("UDP", "TCP", "TLS") if self.tls_port else ("UDP", "TCP")

    def as_text(self) -> str:
        lines = [
            f"server: {self.server}",
            f"port: {self.port} (UDP, TCP)",
            *([f"TLS port: {self.tls_port}"] if self.tls_port else []),
            f"user: {self.user}",
            f"password: {self.secret}",
            f"realm: {self.realm}",
        ]
        return "\n".join(lines)

    def qr_svg(self) -> Markup:
        """An inline SVG (no style attributes: the CSP allows none) of the details."""
        code = segno.make(self.as_text(), error="m")
        return Markup(code.svg_inline(scale=4, title=f"SIP {self.user}"))

    def as_dict(self) -> dict:
        return {**asdict(self), "transports": list(self.transports)}


def details(service, number: str, secret: str) -> SipDetails:
    """The running box's SIP address and ports (phones see these, not the settings)."""
    edge = service.edge
    return SipDetails(
        server=edge.edge.config.advertise,
        port=edge.ports["UDP"],
        tls_port=edge.ports.get("TLS"),
        user=number,
        secret=secret,
        realm=edge.edge.config.realm,
    )
