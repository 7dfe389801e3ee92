"""The demo page's files as HTTP serves them: routes, types, CSP, and their
place on the admin surface (never faulted, never journaled)."""

from __future__ import annotations

import http.client
import re
from collections.abc import Iterator
from importlib import resources
from typing import Any

import pytest
import requests

from authmock import AuthMock
from authmock.http.ui import CSP

UI_FILES = resources.files("authmock") / "ui"
INDEX = (UI_FILES / "index.html").read_bytes()


@pytest.fixture
def served() -> Iterator[tuple[AuthMock, str]]:
    mock = AuthMock(seed=7)
    with mock.serve() as server:
        yield mock, server.url


def raw_get(url: str, path: str, method: str = "GET") -> tuple[int, dict[str, str], bytes]:
    """A request with the path sent exactly as given (no client-side normalising)."""
    host, port = url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=10)
    try:
        conn.request(method, path)
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def test_root_and_alias_serve_the_page_with_a_strict_policy(served: tuple[AuthMock, str]) -> None:
    _, url = served
    for path in ("/", "/_authmock/ui/", "/_authmock/ui"):
        response = requests.get(url + path, timeout=10)
        assert response.status_code == 200, path
        assert response.content == INDEX
        assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        assert response.headers["Content-Security-Policy"] == CSP
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "default-src 'self'" in CSP
    assert "'unsafe-inline'" not in CSP


def test_the_page_uses_no_inline_script_or_style_and_nothing_remote() -> None:
    html = INDEX.decode()
    assert re.findall(r"<script\b[^>]*>", html) == [
        '<script type="module" src="/_authmock/ui/main.js">'
    ]
    assert "</script>" in html and "<script>" not in html
    assert "<style" not in html and " style=" not in html
    assert not re.search(r"\son[a-z]+=", html), "inline event handlers break the CSP"
    for name in _shipped():
        # An XML namespace is a name, not a fetch.
        text = (UI_FILES / name).read_text().replace('xmlns="http://www.w3.org/2000/svg"', "")
        assert not re.search(r"https?://", text), f"{name} refers to a remote URL"


def _shipped() -> list[str]:
    return sorted(entry.name for entry in UI_FILES.iterdir() if entry.is_file())


def _referenced_assets() -> set[str]:
    """Every file the page loads: from index.html and each module's imports."""
    html = INDEX.decode()
    found = set(re.findall(r'(?:href|src)="/_authmock/ui/([^"]+)"', html))
    for name in list(found):
        if name.endswith(".js"):
            found |= _imports(name, set())
    return found


def _imports(name: str, seen: set[str]) -> set[str]:
    if name in seen:
        return seen
    seen.add(name)
    for imported in re.findall(r'from "\./([^"]+)"', (UI_FILES / name).read_text()):
        _imports(imported, seen)
    return seen


@pytest.mark.parametrize(
    ("suffix", "content_type"),
    [
        (".js", "text/javascript; charset=utf-8"),
        (".css", "text/css; charset=utf-8"),
        (".svg", "image/svg+xml"),
    ],
)
def test_every_asset_the_page_loads_is_served_with_its_type(
    served: tuple[AuthMock, str], suffix: str, content_type: str
) -> None:
    _, url = served
    assets = sorted(a for a in _referenced_assets() if a.endswith(suffix))
    assert assets, f"the page loads no {suffix} file"
    for name in assets:
        response = requests.get(f"{url}/_authmock/ui/{name}", timeout=10)
        assert response.status_code == 200, name
        assert response.headers["Content-Type"] == content_type
        assert response.content == (UI_FILES / name).read_bytes()


def test_unknown_files_and_traversal_are_404(served: tuple[AuthMock, str]) -> None:
    _, url = served
    response = requests.get(url + "/_authmock/ui/nope.js", timeout=10)
    assert response.status_code == 404
    assert response.json() == {"error": "NOT_FOUND", "message": "no demo page file 'nope.js'"}
    for path in (
        "/_authmock/ui/../__init__.py",
        "/_authmock/ui/..%2f__init__.py",
        "/_authmock/ui/x/../cli.py",
    ):
        status, _, body = raw_get(url, path)
        assert status == 404, path
        assert b"import" not in body


def test_other_methods_are_405_with_allow(served: tuple[AuthMock, str]) -> None:
    _, url = served
    response = requests.post(url + "/", json={}, timeout=10)
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD"
    assert response.json() == {
        "error": "METHOD_NOT_ALLOWED",
        "message": "method POST not allowed on /",
    }
    status, headers, body = raw_get(url, "/_authmock/ui/app.css", method="HEAD")
    assert (status, body) == (200, b"")
    assert headers["Content-Type"] == "text/css; charset=utf-8"


def test_the_page_is_never_faulted_nor_journaled(served: tuple[AuthMock, str]) -> None:
    mock, url = served
    fault = mock.faults.add(status=503)
    for path in ("/", "/_authmock/ui/main.js", "/_authmock/ui/missing.css"):
        requests.get(url + path, timeout=10)
    assert len(mock.calls) == 0
    assert [f.to_json()["fired"] for f in mock.faults.list()] == [0]
    # An API call right after is faulted and journaled as ever.
    assert requests.get(url + "/api/v1/auth/quick-logins", timeout=10).status_code == 503
    assert [(c.path, c.status, c.fault) for c in mock.calls] == [
        ("/api/v1/auth/quick-logins", 503, fault)
    ]


def test_the_page_needs_no_admin_token_but_its_data_does() -> None:
    mock = AuthMock(seed=7, admin_token="s3cret-admin")
    with mock.serve() as server:
        assert requests.get(server.url + "/", timeout=10).status_code == 200
        assert requests.get(server.url + "/_authmock/state", timeout=10).status_code == 401
        allowed = requests.get(
            server.url + "/_authmock/state",
            headers={"X-Authmock-Admin": "s3cret-admin"},
            timeout=10,
        )
        assert allowed.status_code == 200


def test_root_of_an_intercepted_api_host_stays_that_apis_404() -> None:
    with AuthMock(seed=7) as mock:
        response = requests.get(mock.sigma_url + "/", timeout=10)
        assert response.status_code == 404
        assert response.json() == {"error": "NOT_FOUND", "message": "Route GET / not found"}
        # The admin surface, page included, is on every intercepted host.
        page = requests.get(mock.sigma_url + "/_authmock/ui/", timeout=10)
        assert page.status_code == 200
        assert page.content == INDEX
        bigid = requests.get("https://sandbox.bigid.tools/", timeout=10)
        assert bigid.status_code == 404
        assert bigid.json() == {"success": False, "message": "Route GET / not found"}
        assert [(c.api, c.path) for c in mock.calls] == [("sigma", "/"), ("bigid", "/")]
        # A *.bigid.com host that is no deployment refuses everything, the page too.
        with pytest.raises(requests.ConnectionError):
            requests.get("https://no-such-deployment.bigid.com/_authmock/ui/", timeout=10)


def _kinds(files: Any) -> set[str]:
    return {name.rpartition(".")[2] for name in files}


def test_every_shipped_file_has_a_served_type() -> None:
    # A file the server would refuse (say a .map or .woff) must not sit there unused.
    assert _kinds(_shipped()) <= {"html", "css", "js", "svg", "png"}
    assert _referenced_assets() | {"index.html"} == set(_shipped())
