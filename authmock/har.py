"""The journal as HAR 1.2, for browser devtools, Charles or any HAR viewer.

Built from what the journal keeps, so it carries the journal's masking:
credential headers and password/token/key fields are never in it. Times are
the emulator's clock (a test that moved the clock sees its own timeline).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from werkzeug.http import HTTP_STATUS_CODES

from authmock.clock import iso8601
from authmock.version import __version__

if TYPE_CHECKING:
    from authmock.journal import Call

HAR_VERSION = "1.2"


def _pairs(items: Iterable[tuple[str, str]]) -> list[dict[str, str]]:
    return [{"name": name, "value": value} for name, value in items]


def _header(headers: dict[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), None)


def _text(body: Any) -> str:
    return body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)


def _url(call: Call) -> str:
    if call.url:
        return call.url
    # A call recorded without its URL (e.g. an older snapshot): the path on its API.
    return f"http://{call.api}.authmock{call.path}"


def entry(call: Call) -> dict[str, Any]:
    """One HAR entry for one journaled call."""
    millis = round(call.duration * 1000, 3)
    url = _url(call)
    request: dict[str, Any] = {
        "method": call.method,
        "url": url,
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": _pairs(call.headers.items()),
        "queryString": _pairs(parse_qsl(urlsplit(url).query, keep_blank_values=True)),
        "headersSize": -1,
        "bodySize": 0,
    }
    if call.body is not None:
        text = _text(call.body)
        request["postData"] = {
            "mimeType": _header(call.headers, "Content-Type") or "application/json",
            "text": text,
        }
        request["bodySize"] = len(text.encode("utf-8"))
    answer = "" if call.response_body is None else _text(call.response_body)
    size = len(answer.encode("utf-8"))
    response = {
        "status": call.status,
        "statusText": HTTP_STATUS_CODES.get(call.status, "") if call.status else "",
        "httpVersion": "HTTP/1.1" if call.status else "",
        "cookies": [],
        "headers": _pairs(call.response_headers.items()),
        "content": {
            "size": size,
            "mimeType": _header(call.response_headers, "Content-Type") or "",
            "text": answer,
        },
        "redirectURL": _header(call.response_headers, "Location") or "",
        "headersSize": -1,
        "bodySize": size if call.status else -1,
    }
    har: dict[str, Any] = {
        "startedDateTime": iso8601(call.timestamp),
        "time": millis,
        "request": request,
        "response": response,
        "cache": {},
        "timings": {"send": 0, "wait": millis, "receive": 0},
    }
    if call.fault is not None:
        dropped = " (connection dropped)" if not call.status else ""
        har["comment"] = f"authmock fault {call.fault}{dropped}"
    return har


def to_har(calls: Iterable[Call]) -> dict[str, Any]:
    """A HAR 1.2 document of these calls, oldest first."""
    return {
        "log": {
            "version": HAR_VERSION,
            "creator": {"name": "authmock", "version": __version__},
            "pages": [],
            "entries": [entry(call) for call in calls],
        }
    }
