"""HTTPS for the live server: a local CA made with trustme (the ``tls`` extra).

The CA certificate (``ca.pem``) is what clients are told to trust; its key
(``ca-key.pem``, mode 0600) stays beside it so ``--tls-dir`` can reuse the CA
across restarts. The server certificate is issued afresh on every start, for
the loopback names and the bound host.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import shutil
import ssl
import tempfile
from pathlib import Path
from typing import Any

CA_FILE = "ca.pem"
CA_KEY_FILE = "ca-key.pem"
# What makes common clients trust a CA bundle: requests, OpenSSL-based tools
# (Python's ssl, curl, Go reads SSL_CERT_FILE too) and Node.
TRUST_ENV = ("REQUESTS_CA_BUNDLE", "SSL_CERT_FILE", "NODE_EXTRA_CA_CERTS")
_LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")


class TlsError(ValueError):
    """The TLS directory cannot be used (one line naming the problem)."""


def _trustme() -> Any:
    try:
        import trustme
    except ModuleNotFoundError as exc:
        if exc.name != "trustme":
            raise
        raise ImportError("TLS needs trustme: pip install 'authmock[tls]'") from None
    return trustme


def _cert_names(host: str) -> list[str]:
    names = list(_LOOPBACK_NAMES)
    try:
        unspecified = ipaddress.ip_address(host).is_unspecified
    except ValueError:
        unspecified = False
    if host and not unspecified and host not in names:
        names.append(host)
    return names


def _write_private(path: Path, data: bytes, mode: int = 0o600) -> None:
    """Write through a fresh file renamed over ``path``: a symlink planted
    there is replaced, never written through (O_TRUNC would follow it)."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, mode)  # certificates are public, keys 0600
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(name)
        raise


class LocalTls:
    """A CA (created, or loaded from ``directory``) and a server context signed by it."""

    def __init__(self, host: str = "127.0.0.1", directory: str | os.PathLike[str] | None = None):
        trustme = _trustme()
        self._temporary: str | None = None
        if directory is None:
            self._temporary = tempfile.mkdtemp(prefix="authmock-tls-")
            directory = self._temporary
        where = Path(directory)
        try:
            where.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise TlsError(f"TLS directory {str(where)!r}: {exc.strerror or exc}") from None
        ca_file, key_file = where / CA_FILE, where / CA_KEY_FILE
        if ca_file.exists() or key_file.exists():
            try:
                ca = trustme.CA.from_pem(ca_file.read_bytes(), key_file.read_bytes())
            except (OSError, ValueError) as exc:
                raise TlsError(
                    f"TLS directory {str(where)!r}: cannot load the CA from {CA_FILE} and"
                    f" {CA_KEY_FILE} ({exc}); remove both to make a new one"
                ) from None
            self.created = False
        else:
            ca = trustme.CA(organization_name="authmock local CA")
            try:
                _write_private(key_file, ca.private_key_pem.bytes())
                _write_private(ca_file, ca.cert_pem.bytes(), 0o644)
            except OSError as exc:
                raise TlsError(f"TLS directory {str(where)!r}: {exc.strerror or exc}") from None
            self.created = True
        self.ca_path = str(ca_file.resolve())
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.set_alpn_protocols(["http/1.1"])
        self._leaf = ca.issue_cert(*_cert_names(host))
        self._leaf.configure_cert(self.context)
        self._directory = where

    def server_files(self) -> tuple[str, str]:
        """The server certificate chain and its key as files (for servers that take
        paths, such as granian): ``server.pem`` and ``server-key.pem`` beside the CA."""
        cert, key = self._directory / "server.pem", self._directory / "server-key.pem"
        chain = b"".join(blob.bytes() for blob in self._leaf.cert_chain_pems)
        _write_private(cert, chain, 0o644)
        _write_private(key, self._leaf.private_key_pem.bytes())
        return str(cert), str(key)

    def trust_lines(self) -> list[str]:
        """What to tell a person starting the server."""
        exports = " ".join(f"{name}={self.ca_path}" for name in TRUST_ENV)
        return [f"TLS CA bundle: {self.ca_path}", f"  trust it with: export {exports}"]

    def close(self) -> None:
        """Remove a temporary CA (one in a given directory is kept)."""
        if self._temporary is not None:
            shutil.rmtree(self._temporary, ignore_errors=True)
            self._temporary = None
