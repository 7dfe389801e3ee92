"""Credential handling shared by both APIs: hashing, comparison, masking."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

# Header names whose values are credentials (lower-case).
CREDENTIAL_HEADERS = frozenset(
    {"authorization", "x-sigma-apikey", "x-authmock-admin", "cookie", "proxy-authorization"}
)
# JSON body keys whose values are masked to their last 4 characters (lower-case);
# passwords are masked whole, since 4 characters give away a short one.
SECRET_FIELDS = frozenset({"token", "key", "secret", "auth_token", "systemtoken", "usertoken"})
PASSWORD_FIELDS = frozenset({"password", "newpassword", "oldpassword"})
HIDDEN = "********"


def sha256_hex(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def same(a: str, b: str) -> bool:
    """Constant-time string comparison (timing must not leak secrets)."""
    return hmac.compare_digest(
        a.encode("utf-8", "surrogatepass"), b.encode("utf-8", "surrogatepass")
    )


def new_secret() -> str:
    return secrets.token_urlsafe(32)


def mask(value: str) -> str:
    """Keep only the last 4 characters, enough to tell credentials apart."""
    if len(value) <= 4:
        return "****"
    return "*" * min(len(value) - 4, 8) + value[-4:]


def mask_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: mask(v) if k.lower() in CREDENTIAL_HEADERS else v for k, v in headers.items()}


def mask_body(value: Any, depth: int = 0) -> Any:
    """Mask password/token/key values anywhere in a decoded JSON body."""
    if depth > 32:
        return "..."
    if isinstance(value, dict):
        return {k: _mask_field(k, v, depth) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_body(v, depth + 1) for v in value]
    return value


def _mask_field(name: Any, value: Any, depth: int) -> Any:
    lowered = name.lower() if isinstance(name, str) else ""
    if lowered in PASSWORD_FIELDS:
        return HIDDEN
    if lowered in SECRET_FIELDS:
        return mask(value) if isinstance(value, str) else HIDDEN
    return mask_body(value, depth + 1)
