"""Request framing, strictly: how long a body is, and a chunked body's decoding.

A body whose length is ambiguous (``Content-Length: +45``, both a length and
chunking, a transfer coding other than ``chunked``) or whose chunks do not
follow RFC 9112 section 7.1 is a 400 in the API's own envelope, never a 500.
werkzeug's own decoder accepts ``+5``, ``0x5`` and bare LFs and raises a bare
``OSError`` on the rest; :class:`ChunkedBody` replaces it on the live server.
"""

from __future__ import annotations

import io
import re
from typing import Any

from authmock.http.exchange import BadFraming

# chunk-size [ chunk-ext ] CRLF; chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS value ] ).
# Every repetition starts with ";", and tokens exclude the separators: no backtracking.
_TOKEN = rb"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_QUOTED = rb'"(?:[^"\\\r\n]|\\[^\r\n])*"'
_SIZE_LINE = re.compile(
    rb"([0-9A-Fa-f]{1,16})(?:[ \t]*;[ \t]*"
    + _TOKEN
    + rb"(?:[ \t]*=[ \t]*(?:"
    + _TOKEN
    + rb"|"
    + _QUOTED
    + rb"))?)*\r\n"
)
_TRAILER_LINE = re.compile(_TOKEN + rb":[^\r\n]*\r\n")
MAX_LINE = 4096  # a chunk-size line or a trailer line
MAX_TRAILERS = 64
_CONTENT_LENGTH = re.compile(r"[0-9]{1,18}")


def framing_problem(environ: dict[str, Any]) -> str | None:
    """What is wrong with a request's declared framing (server mode), or None."""
    coding = environ.get("HTTP_TRANSFER_ENCODING")
    length = environ.get("CONTENT_LENGTH")
    if coding is not None:
        if length not in (None, ""):
            return "both Transfer-Encoding and Content-Length: the body's length is ambiguous"
        if coding.strip().lower() != "chunked":
            return (
                f"Transfer-Encoding {coding[:100]!r} is not supported:"
                " send the body chunked or with a Content-Length"
            )
    elif length not in (None, "") and not _CONTENT_LENGTH.fullmatch(length):
        return f"bad Content-Length {length[:100]!r}: it must be a number of bytes"
    return None


class ChunkedBody(io.RawIOBase):
    """``wsgi.input`` for ``Transfer-Encoding: chunked``: reads the chunks and
    the trailer section, never a byte past them (the connection stays usable),
    and raises :class:`BadFraming` naming the first thing that is wrong."""

    def __init__(self, rfile: Any) -> None:
        self._rfile = rfile
        self._left = 0  # bytes left in the current chunk
        self.done = False  # the last chunk and the trailers were read

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        view = memoryview(buffer).cast("B")
        filled = 0
        while filled < len(view) and not self.done:
            if self._left == 0:
                self._left = self._size()
                if self._left == 0:
                    self._trailers()
                    self.done = True
                    break
            data = self._rfile.read(min(self._left, len(view) - filled))
            if not data:
                raise BadFraming("the body ended inside a chunk")
            view[filled : filled + len(data)] = data
            filled += len(data)
            self._left -= len(data)
            if self._left == 0 and self._rfile.read(2) != b"\r\n":
                raise BadFraming("a chunk's data is not followed by CRLF (wrong chunk size?)")
        return filled

    def _line(self, what: str) -> bytes:
        line: bytes = self._rfile.readline(MAX_LINE + 1)
        if not line:
            raise BadFraming(f"the body ended before {what}")
        if len(line) > MAX_LINE:
            raise BadFraming(f"{what} is longer than {MAX_LINE} bytes")
        return line

    def _size(self) -> int:
        match = _SIZE_LINE.fullmatch(self._line("the next chunk size"))
        if match is None:
            raise BadFraming(
                "bad chunk size line: it must be hex digits, optional ;extensions, then CRLF"
            )
        return int(match.group(1), 16)

    def _trailers(self) -> None:
        for _ in range(MAX_TRAILERS + 1):
            line = self._line("the end of the chunked body")
            if line == b"\r\n":
                return
            if not _TRAILER_LINE.fullmatch(line):
                raise BadFraming("bad trailer field after the last chunk")
        raise BadFraming(f"more than {MAX_TRAILERS} trailer fields")
