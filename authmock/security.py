"""Credential handling shared by both APIs: hashing, comparison, masking."""

from __future__ import annotations

import functools
import hashlib
import hmac
import re
import secrets
from typing import Any

# Header names whose values are credentials (lower-case), plus any header whose
# name contains one of the hints (X-Api-Key, X-Auth-Token, ...).
CREDENTIAL_HEADERS = frozenset(
    {"authorization", "x-sigma-apikey", "x-authmock-admin", "cookie", "proxy-authorization"}
)
_HEADER_HINTS = ("auth", "token", "key", "secret", "cookie", "password", "session")
# JSON body keys (compared lower-case, without "_" and "-") whose values are
# masked to their last 4 characters: any key ending in one of these (token,
# auth_token, systemToken, apiKey, client_secret, ...). Passwords are masked
# whole, since 4 characters give away a short one.
SECRET_SUFFIXES = ("token", "key", "secret")
PASSWORD_HINTS = ("password", "passwd", "passphrase")
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


@functools.lru_cache(maxsize=1024)  # asked for every header of every journaled request
def is_credential_header(name: str) -> bool:
    lowered = name.lower()
    if lowered in CREDENTIAL_HEADERS:
        return True
    # authmock's own headers (X-Authmock-Reason, -Instance) are no credential for
    # having "auth" in the prefix; X-Authmock-Admin is one, listed above.
    hinted = lowered.removeprefix("x-authmock-")
    return any(hint in hinted for hint in _HEADER_HINTS)


def mask_headers(headers: dict[str, str]) -> dict[str, str]:
    return {k: mask(v) if is_credential_header(k) else v for k, v in headers.items()}


# A run of token characters long enough to be a credential (a JWT, an API key,
# a refresh token). No nested quantifier: matching is linear in the text.
_CREDENTIAL_RUN = re.compile(r"[A-Za-z0-9_\-]{24,}(?:\.[A-Za-z0-9_\-]*){0,2}")


# A value right after a secret's name and ":" or "=" (a dict's repr, a form, a
# truncated JSON body): masked as mask_body masks that key, however short.
_NAMED_SECRET = re.compile(
    r"(?i)(pass(?:word|wd|phrase)|secret|token|key)([\"']?\s*[:=]\s*[\"']?)([^\s\"',;&}\]]+)"
)


def _mask_named(match: re.Match[str]) -> str:
    name, between, value = match.groups()
    hidden = HIDDEN if name.lower().startswith("pass") else mask(value)
    return f"{name}{between}{hidden}"


def mask_text(text: str) -> str:
    """Mask credential-like runs in a body that is not JSON (a truncated answer,
    an HTML page, an exception's message), and any value a secret's name introduces."""
    return _CREDENTIAL_RUN.sub(lambda m: mask(m.group()), _NAMED_SECRET.sub(_mask_named, text))


def mask_body(value: Any, depth: int = 0) -> Any:
    """Mask password/token/key values anywhere in a decoded JSON body."""
    if depth > 32:
        return "..."
    if isinstance(value, dict):
        return {k: _mask_field(k, v, depth) for k, v in value.items()}
    if isinstance(value, list):
        return [mask_body(v, depth + 1) for v in value]
    return value


@functools.lru_cache(maxsize=512)
def _field_kind(name: str) -> str:
    """What a JSON key holds: "password", "secret" or "" (nothing to mask)."""
    normal = name.lower().replace("_", "").replace("-", "")
    if any(hint in normal for hint in PASSWORD_HINTS):
        return "password"
    if normal.endswith(SECRET_SUFFIXES):
        return "secret"
    return ""


def _mask_field(name: Any, value: Any, depth: int) -> Any:
    kind = _field_kind(name) if isinstance(name, str) else ""
    if kind == "password":
        return HIDDEN
    if kind == "secret":
        return mask(value) if isinstance(value, str) else HIDDEN
    return mask_body(value, depth + 1)
