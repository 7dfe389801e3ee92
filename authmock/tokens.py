"""HS256 JWTs issued and verified against the emulator's clock.

pyjwt checks the signature, algorithm and claim presence; it cannot take an
injected clock, so ``iat``/``exp`` are checked here against :class:`Clock`.
Verified payloads are cached by token string: signature checking dominates
the cost of an authenticated call, and a token's payload never changes.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import math
import re
import threading
import warnings
from collections.abc import Iterator, Mapping
from typing import Any

import jwt
from jwt.utils import base64url_encode

from authmock.clock import Clock, describe, seconds
from authmock.reasons import Refusal, json_kind

ALGORITHM = "HS256"
_HEADER = {"alg": ALGORITHM, "typ": "JWT"}
# Tokens longer than this are refused before any decoding work.
MAX_TOKEN_LENGTH = 8192
_CACHE_SIZE = 4096


class _PreparedHmac(jwt.algorithms.HMACAlgorithm):
    """HS256 whose key checks run once per secret: pyjwt re-checks the key on
    every call (is it PEM, SSH, DER, a JWK?), which cost about a third of a
    login and made its cost swing with allocator state."""

    def __init__(self) -> None:
        super().__init__(jwt.algorithms.HMACAlgorithm.SHA256)
        self._prepared: dict[str, bytes] = {}

    def prepare_key(self, key: str | bytes) -> bytes:
        if not isinstance(key, str):
            return super().prepare_key(key)
        prepared = self._prepared.get(key)
        if prepared is None:
            prepared = super().prepare_key(key)
            if len(self._prepared) < 1024:  # secrets are few: one per tenant
                self._prepared[key] = prepared
        return prepared


# authmock's own pyjwt instance (the global one is the user's to configure).
_JWT = jwt.PyJWT()
_JWT._jws.unregister_algorithm(ALGORITHM)
_HS256 = _PreparedHmac()
_JWT._jws.register_algorithm(ALGORITHM, _HS256)
# The first segment of every token, as pyjwt writes it; and its claims encoding.
_HEAD = _JWT.encode({}, "k" * 32, algorithm=ALGORITHM, headers=_HEADER).partition(".")[0].encode()
_CLAIMS_JSON = json.JSONEncoder(separators=(",", ":"))


class TokenError(Exception):
    """The token is malformed, forged, of the wrong shape, or expired; ``refusal``
    says which (``malformed_token``, ``bad_signature``, ``expired``, ``not_yet_valid``)."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.refusal = Refusal(reason, detail)


# A JWT segment in canonical base64url: its alphabet only, no padding.
_SEGMENT = re.compile(r"[A-Za-z0-9_-]+")


def canonical_segments(token: str) -> tuple[bytes, bytes, bytes]:
    """The decoded header, payload and signature of a token in canonical
    compact form, or :class:`TokenError`.

    pyjwt tolerates ``=`` padding, and Python's base64 skips characters
    outside the alphabet and ignores the unused low bits of the last one:
    many strings decode to one token. Anything keyed on the string (a
    revocation list, a cache) would be sidestepped by re-encoding, so only
    the one canonical spelling is accepted."""
    parts = token.split(".")
    if len(parts) != 3:
        raise TokenError("malformed_token", f"not a JWT ({len(parts)} segments, not 3)")
    decoded = []
    for name, part in zip(("header", "payload", "signature"), parts, strict=True):
        if not part and name == "signature":
            raise TokenError("malformed_token", "the signature is empty (an unsigned token)")
        if len(part) % 4 == 1 or not _SEGMENT.fullmatch(part):
            raise TokenError("malformed_token", f"the {name} is not unpadded base64url")
        raw = base64.urlsafe_b64decode(part + "=" * (-len(part) % 4))
        if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != part:
            # Stray low bits in the last character.
            raise TokenError("malformed_token", f"the {name} is not canonical base64url")
        decoded.append(raw)
    return decoded[0], decoded[1], decoded[2]


def signature_id(token: str) -> str:
    """What identifies a token for revocation: SHA-256 of its signature bytes
    (the HMAC over header and payload; the raw token is never kept)."""
    return hashlib.sha256(canonical_segments(token)[2]).hexdigest()


class TokenCodec:
    """Signs and verifies the tokens of one tenant secret."""

    def __init__(self, secret: str, clock: Clock, claims: Mapping[str, type | tuple[type, ...]]):
        self.secret = secret
        self.clock = clock
        # Exactly these claims, of these JSON types (bool never passes for int).
        self.claims = dict(claims)
        self._required = list(self.claims)
        self._cache: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()
        self._short = len(secret.encode("utf-8")) < 32
        self._key: bytes | None = None  # the secret as HS256 signs with it (on first use)

    def encode(self, payload: Mapping[str, Any]) -> str:
        """The token pyjwt's ``encode`` makes, byte for byte (its header
        segment, its HS256), without rebuilding and re-checking the constant
        header and key on every call: that was a quarter of a login."""
        key = self._key
        if key is None:
            with self._quiet():
                key = self._key = _HS256.prepare_key(self.secret)
        signing_input = _HEAD + b"." + base64url_encode(_CLAIMS_JSON.encode(dict(payload)).encode())
        return (signing_input + b"." + base64url_encode(_HS256.sign(signing_input, key))).decode()

    @contextlib.contextmanager
    def _quiet(self) -> Iterator[None]:
        # A configured secret under 32 bytes is the user's choice (it must match
        # their service): pyjwt's key-length warning would break `-W error` suites.
        if not self._short:
            yield
            return
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
            yield

    def decode(self, token: str) -> dict[str, Any]:
        """Verified claims, or :class:`TokenError`. Expiry is checked every time."""
        claims = self.signed_claims(token)
        now = self.clock.now()
        # Zero leeway: valid while now < exp; a token from the future is forged.
        if not claims["iat"] <= now < claims["exp"]:
            raise self._timing_error(claims, now)
        return claims

    def _timing_error(self, claims: Mapping[str, Any], now: float) -> TokenError:
        where = f"on the emulator's clock{describe(self.clock)}"
        if now < claims["iat"]:
            ahead = seconds(math.ceil(claims["iat"] - now))
            return TokenError("not_yet_valid", f"issued {ahead} s in the future {where}")
        return TokenError("expired", f"expired {seconds(int(now - claims['exp']))} s ago {where}")

    def signed_claims(self, token: str) -> dict[str, Any]:
        """Claims of a token signed with this secret, expired or not (what a
        token says about its owner), or :class:`TokenError`."""
        claims = self._cache.get(token)
        if claims is None:
            claims = self._verify(token)
            with self._lock:
                if len(self._cache) >= _CACHE_SIZE:
                    self._cache.clear()
                self._cache[token] = claims
        return claims

    def _verify(self, token: str) -> dict[str, Any]:
        if not isinstance(token, str) or not token:
            raise TokenError("malformed_token", "the token is empty")
        if len(token) > MAX_TOKEN_LENGTH:
            raise TokenError(
                "malformed_token",
                f"the token has {len(token)} characters, over the {MAX_TOKEN_LENGTH} accepted",
            )
        canonical_segments(token)
        try:
            header = jwt.get_unverified_header(token)
        except (jwt.PyJWTError, ValueError, TypeError, UnicodeError) as exc:
            raise TokenError("malformed_token", f"not a JWT ({exc})") from None
        if header.get("alg") != ALGORITHM:
            raise TokenError(
                "malformed_token", f"header alg is {header.get('alg')!r}, not {ALGORITHM!r}"
            )
        extra = sorted(set(header) - {"alg", "typ"}, key=str)
        if extra:
            # kid/jku/jwk/x5u headers would ask a verifier to fetch keys.
            raise TokenError("malformed_token", f"unexpected header field {extra[0]!r}")
        try:
            with self._quiet():
                claims: dict[str, Any] = _JWT.decode(
                    token,
                    self.secret,
                    algorithms=[ALGORITHM],
                    options={
                        "require": self._required,
                        "verify_exp": False,
                        "verify_iat": False,
                        "verify_nbf": False,
                        "verify_aud": False,
                        "verify_iss": False,
                    },
                )
        except jwt.InvalidSignatureError:
            raise TokenError("bad_signature", "not signed with this secret") from None
        except jwt.MissingRequiredClaimError as exc:
            raise TokenError("malformed_token", f"claim {exc.claim!r} is missing") from None
        except (jwt.PyJWTError, ValueError, TypeError, UnicodeError) as exc:
            raise TokenError("malformed_token", f"not a JWT ({exc})") from None
        extra = sorted(set(claims) - set(self.claims), key=str)
        if extra:
            raise TokenError("malformed_token", f"unexpected claim {extra[0]!r}")
        for name, kind in self.claims.items():
            value = claims[name]
            if (isinstance(value, bool) and kind is not bool) or not isinstance(value, kind):
                raise TokenError(
                    "malformed_token",
                    f"claim {name!r} is {json_kind(value)} ({value!r:.40}), not {_json_type(kind)}",
                )
        return claims


def _json_type(kind: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", bool: "a boolean", list: "an array"}
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, k.__name__) for k in kinds)
