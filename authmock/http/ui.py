"""The offline demo page: static files from ``authmock/ui/``, served by the engine.

``GET /`` on the live server (any host that is not an emulated API's) and
``/_authmock/ui/`` on every host give the page; its assets live under
``/_authmock/ui/<name>``. Part of the admin surface: never faulted, never
journaled. The files hold no secrets, so the admin token does not gate them
(the page sends it with its admin API calls instead). The page talks only to
authmock's own endpoints, hence a strict Content-Security-Policy.
"""

from __future__ import annotations

import functools
from importlib import resources
from typing import Any

from authmock.http.admin_kit import admin_error
from authmock.http.exchange import Reply

UI_PREFIX = "/_authmock/ui"
INDEX = "index.html"
CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
}
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
    "frame-ancestors 'none'"
)
_SECURITY_HEADERS = [
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "no-referrer"),
    # Never stored: the page changes with the installed package, and it is
    # part of the admin surface (the engine adds no-store to every answer too).
    ("Cache-Control", "no-store"),
]


@functools.cache  # read once per process: every mock and instance has a page
def _asset_types() -> dict[str, str]:
    """Name -> content type of every shippable file in ``authmock/ui/``.

    A fixed table, looked up by plain name: a request can never reach any
    other file (no path traversal, no directory listing).
    """
    folder = resources.files("authmock") / "ui"
    found: dict[str, str] = {}
    for entry in folder.iterdir():
        suffix = "." + entry.name.rpartition(".")[2]
        if entry.is_file() and suffix in CONTENT_TYPES:
            found[entry.name] = CONTENT_TYPES[suffix]
    return found


class UiPages:
    """Answers the page's routes on the admin surface; ``None`` for the rest of it.

    The engine asks only for requests that are not an emulated API's: ``/`` on
    an API host stays that API's 404 (``App._target`` decides).
    """

    def __init__(self) -> None:
        self._types = dict(_asset_types())

    def asset_name(self, environ: dict[str, Any]) -> str | None:
        """The file a request asks for, or None when it is not a page route."""
        path: str = environ.get("PATH_INFO") or "/"
        if path in ("/", UI_PREFIX, UI_PREFIX + "/"):
            return INDEX
        if path.startswith(UI_PREFIX + "/"):
            return path[len(UI_PREFIX) + 1 :]
        return None

    def reply(self, environ: dict[str, Any]) -> Reply | None:
        name = self.asset_name(environ)
        if name is None:
            return None
        method = environ["REQUEST_METHOD"].upper()
        if method not in ("GET", "HEAD"):
            reply = admin_error(405, f"method {method} not allowed on {environ['PATH_INFO']}")
            reply.headers.append(("Allow", "GET, HEAD"))
            return reply
        content_type = self._types.get(name)
        if content_type is None:
            return admin_error(404, f"no demo page file {name!r}")
        body = (resources.files("authmock") / "ui" / name).read_bytes()
        return Reply(200, body, [("Content-Type", content_type), *_SECURITY_HEADERS])
