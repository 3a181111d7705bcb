"""The edge's TLS certificate: generated on first start, replaceable by the admin.

The admin replaces `tls/sip.crt` and `tls/sip.key` under the data directory
(a certificate from their own CA, say) and restarts; we never overwrite them.

The pair is made by a short-lived child process (`python -m tongdai.edge.certificate`):
loading `cryptography` into the service kept about 11 MB resident for the life of the
process, for a one-off job.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import socket
import ssl
import subprocess
import sys
from pathlib import Path

CERT_NAME, KEY_NAME = "sip.crt", "sip.key"
VALID_DAYS = 3650


def ensure(tls_dir: Path, addresses: list[str]) -> tuple[Path, Path]:
    """Return the certificate and key paths, generating a self-signed pair if none exists."""
    cert, key = tls_dir / CERT_NAME, tls_dir / KEY_NAME
    if not (cert.exists() and key.exists()):
        cmd = [sys.executable, "-m", "tongdai.edge.certificate", str(tls_dir), *addresses]
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
        if done.returncode != 0:
            raise RuntimeError(f"could not generate the TLS certificate: {done.stderr.strip()}")
    return cert, key


def generate(tls_dir: Path, addresses: list[str]) -> None:
    """Write a self-signed certificate and its key (mode 0600) into tls_dir."""
    cert, key = tls_dir / CERT_NAME, tls_dir / KEY_NAME
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    tls_dir.mkdir(parents=True, exist_ok=True)
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    hostname = socket.gethostname()
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, hostname),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Tongdai PBX"),
        ]
    )
    alt: list[x509.GeneralName] = [x509.DNSName(hostname)]
    for addr in dict.fromkeys(addresses):
        try:
            alt.append(x509.IPAddress(ipaddress.ip_address(addr)))
        except ValueError:
            alt.append(x509.DNSName(addr))
    now = dt.datetime.now(dt.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(alt), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(private, hashes.SHA256())
    )
    key_bytes = private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(key_bytes)
    cert.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))


def server_context(cert: Path, key: Path) -> ssl.SSLContext:
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.minimum_version = ssl.TLSVersion.TLSv1_2
    ctx.load_cert_chain(cert, key)
    return ctx


if __name__ == "__main__":
    generate(Path(sys.argv[1]), sys.argv[2:])
