"""Non-canonical spellings of a genuine JWT: each decodes (with Python's
lenient base64, or pyjwt's tolerance of padding) to the same header, payload
and signature, so anything keyed on the token string would be sidestepped by
them. authmock refuses every one as malformed."""

from __future__ import annotations

_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"


def non_canonical(genuine: str) -> dict[str, str]:
    head, payload, signature = genuine.split(".")
    # HS256 signatures are 32 bytes: 43 characters, the last with 2 unused bits.
    last = _ALPHABET[_ALPHABET.index(signature[-1]) ^ 1]
    return {
        "padded signature": f"{genuine}=",
        "doubly padded signature": f"{genuine}==",
        "padded header": f"{head}{'=' * (-len(head) % 4) or '='}.{payload}.{signature}",
        "padded payload": f"{head}.{payload}{'=' * (-len(payload) % 4) or '='}.{signature}",
        "space inside": f"{head} .{payload}.{signature}",
        "tab inside": f"{head}.{payload}.{signature[:8]}\t{signature[8:]}",
        "character outside the alphabet": f"{head}.{payload}.{signature[:5]}!{signature[5:]}",
        "standard base64 alphabet": f"{head}.{payload}.{signature[:4]}+/{signature[4:]}",
        "stray low bits": f"{head}.{payload}.{signature[:-1]}{last}",
        "trailing dot": f"{genuine}.",
        "trailing segment": f"{genuine}.{payload}",
        "NUL byte": f"{genuine}\x00",
    }
