"""One request as the endpoint code sees it, and the reply it produces.

Endpoint code works on :class:`Exchange` and returns :class:`Reply` instead of
werkzeug Request/Response objects: building a werkzeug Response costs ~50 µs,
a large share of an in-process call. A full werkzeug ``Request`` is still
available (lazily) for user-registered routes.
"""

from __future__ import annotations

import functools
import io
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request

from authmock.reasons import Refusal

if TYPE_CHECKING:
    from authmock.effects import Connection

MAX_BODY = 1024 * 1024  # 1 MiB
# Environ key set by the in-process ways (ways/wsgi_call.py): the request never
# crossed a network, so the server-mode guards before routing (the Host check
# against DNS rebinding, the Content-Length/Transfer-Encoding framing check) do
# not apply; its Host is the URL the client chose and its body is in memory.
IN_PROCESS = "authmock.inprocess"
# Environ key a live server may set: a context manager factory the engine enters
# around each wait (a fault's delay or stall), so that a server admitting only a
# few requests at once (ways/gate.py) lets others in meanwhile.
WAITING = "authmock.waiting"
JSON_TYPE = "application/json"
# One tuple for every JSON reply (the journal keeps a reply's headers).
JSON_HEADER = ("Content-Type", JSON_TYPE)
_MISSING = object()


class ConnectionFault(Exception):
    """The connection must fail instead of answering. ``connection`` (an
    :class:`authmock.effects.Connection`: a reset, a timeout, a refusal, or a
    fault kind's own) tells each way in what its client would see."""

    def __init__(
        self,
        connection: Connection,
        fault_id: str | None = None,
        deployment: str | None = None,
        *,
        api: str | None = None,
        path: str = "/",
        refusal: Refusal | None = None,
    ) -> None:
        super().__init__(connection.name)
        self.connection = connection
        self.fault_id = fault_id
        # For a refusal: the BigID deployment that does not exist ("" for none at all).
        self.deployment = deployment
        # For "refused": the API that refused, the API path and why (journaled).
        self.api = api
        self.path = path
        self.refusal = refusal

    @property
    def kind(self) -> str:
        """What happened, in a word (``reset``, ``timeout``, ``refused``), for messages."""
        return self.connection.name

    def source(self) -> str:
        """What caused it, for the client's error message."""
        if self.fault_id is not None:
            return f"authmock fault {self.fault_id}"
        if self.deployment is not None:
            return f"authmock: no BigID deployment {self.deployment!r}"
        return "authmock"


def default_port(host: str, scheme: str) -> str:
    """A Host without the scheme's default port (``x:443`` over https is ``x``)."""
    if scheme == "https" and host.endswith(":443"):
        return host[:-4]
    if scheme == "http" and host.endswith(":80"):
        return host[:-3]
    return host


class PayloadTooLarge(Exception):
    """The request body is over :data:`MAX_BODY`."""


class BadJson(Exception):
    """The request body is not valid JSON."""


class BadFraming(Exception):
    """The request body cannot be read as framed: ended early, bad chunks.
    The engine answers 400 in the API's own envelope; the message says why."""


class Reply:
    """An answer; ``refusal`` (why it refuses, for the journal) is never sent.

    ``chunks``, when set (by a fault's effect), is what is sent instead of
    ``body`` in one piece: the same bytes, produced as the server writes them
    (the live server sends each as it comes; in-process they are joined)."""

    __slots__ = ("body", "chunks", "headers", "refusal", "status")

    def __init__(
        self,
        status: int,
        body: bytes = b"",
        headers: Iterable[tuple[str, str]] = (),
        refusal: Refusal | None = None,
    ):
        self.status = status
        self.body = body
        self.headers = list(headers)
        self.refusal = refusal
        self.chunks: Iterable[bytes] | None = None


# JSON text has "<", ">" and "&" only inside strings, where \u escapes mean the
# same: a body that echoes request data can then never be read as markup, even
# where the contract serves it as text/html (BigID's production style).
# (Three replace() calls cost ~0.1 µs; str.translate costs as much as the encoding.)


# One encoder for every reply (json.dumps with options builds one per call).
_ENCODER = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)


def dumps(value: Any) -> bytes:
    text = _ENCODER.encode(value)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text.encode("utf-8")


def json_reply(status: int, value: Any, content_type: str = JSON_TYPE) -> Reply:
    header = JSON_HEADER if content_type == JSON_TYPE else ("Content-Type", content_type)
    return Reply(status, dumps(value), [header])


def read_body(environ: dict[str, Any], limit: int = MAX_BODY) -> bytes:
    """The request body, never more than ``limit`` bytes and never blocking on a
    body that is not coming: :class:`BadJson` for an unreadable Content-Length,
    :class:`PayloadTooLarge` past the limit, :class:`BadFraming` for a body that
    ends early or is badly chunked."""
    raw = environ.get("CONTENT_LENGTH")
    stream = environ.get("wsgi.input")
    try:
        if raw:
            # Digits only: int() would take "+45", " 45" and "4_5".
            if not (raw.isascii() and raw.isdigit()):
                raise BadJson()
            length = int(raw)
            if length > limit:
                raise PayloadTooLarge()
            data = _read(stream, length)
            if len(data) < length:
                raise BadFraming(f"the body ended after {len(data)} of its {length} bytes")
        elif stream is not None and environ.get("wsgi.input_terminated"):
            # Chunked: the server ends the stream; read at most one byte past the limit.
            data = _read(stream, limit + 1)
        else:
            # Neither a length nor chunked encoding: HTTP says there is no body.
            data = b""
    except OSError as exc:
        # A server's own decoder (werkzeug's raises bare OSErrors), a read timeout.
        raise BadFraming(f"the body could not be read: {exc}") from None
    if len(data) > limit:
        raise PayloadTooLarge()
    return data


def _read(stream: Any, size: int) -> bytes:
    """Up to ``size`` bytes: a raw stream may return less per call than it has."""
    if stream is None or size <= 0:
        return b""
    parts: list[bytes] = []
    left = size
    while left > 0:
        part = stream.read(left)
        if not part:
            break
        parts.append(bytes(part))
        left -= len(part)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


@functools.lru_cache(maxsize=2048)  # a few names asked on every request; bounded
def environ_key(name: str) -> str:
    """The WSGI environ key of a request header ("X-Sigma-ApiKey" ->
    "HTTP_X_SIGMA_APIKEY", "content-type" -> "CONTENT_TYPE"), for the
    in-process environ and for endpoint code asking by name."""
    lowered = name.lower()
    if lowered in ("content-type", "content-length"):
        return lowered.upper().replace("-", "_")
    return "HTTP_" + lowered.upper().replace("-", "_")


class Exchange:
    """The request being answered, and what it turned out to be about."""

    __slots__ = (
        "_json",
        "_request",
        "api",
        "deployment",
        "environ",
        "method",
        "path",
        "principal",
        "tenant",
    )

    def __init__(self, environ: dict[str, Any], api: str, path: str, deployment: str | None = None):
        self.environ = environ
        self.api = api
        method: str = environ["REQUEST_METHOD"]
        # upper() makes a new string even of "GET": the journal keeps this one.
        self.method = method if method.isupper() else method.upper()
        # The API path: no /bigid/{deployment} prefix, no query string.
        self.path = path
        self.deployment = deployment
        # Filled in by endpoint code, for the journal and faults.
        self.tenant: str | None = None
        self.principal: str | None = None
        self._json: Any = _MISSING
        self._request: Request | None = None

    def header(self, name: str) -> str | None:
        value = self.environ.get(environ_key(name))
        return value if isinstance(value, str) else None

    def declared_length(self) -> int | None:
        raw = self.environ.get("CONTENT_LENGTH")
        return int(raw) if raw and raw.isascii() and raw.isdigit() else None

    def body(self) -> bytes:
        cached = self.environ.get("authmock.body")
        if cached is None:
            cached = self.environ["authmock.body"] = read_body(self.environ, MAX_BODY)
        return bytes(cached)

    def json(self) -> Any:
        """The decoded JSON body; :class:`BadJson` for anything else."""
        if self._json is _MISSING:
            raw = self.body()
            try:
                self._json = json.loads(raw.decode("utf-8"), parse_constant=_reject_constant)
            except (ValueError, RecursionError, UnicodeDecodeError):
                # Deeply nested input raises RecursionError, not ValueError.
                self._json = _MISSING
                raise BadJson() from None
        return self._json

    def json_or_none(self) -> Any:
        """The JSON body, or None when there is none or it is not JSON."""
        try:
            return self.json()
        except (BadJson, PayloadTooLarge):
            return None

    @property
    def request(self) -> Request:
        if self._request is None:
            # Read here, not by werkzeug in the user's handler: a badly framed or
            # oversized body is the engine's 400/413, never the handler's error.
            body = self.body()
            self.environ["wsgi.input"] = io.BytesIO(body)
            self.environ["CONTENT_LENGTH"] = str(len(body))
            # Not put back in the environ (werkzeug's populate_request): a
            # bodiless in-process call's journal entry keeps its environ.
            self._request = Request(self.environ, populate_request=False)
        return self._request
