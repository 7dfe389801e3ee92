"""No request data comes back as markup, and every answer carries the headers
that keep a browser from sniffing, caching or framing it (docs/security.md).
Every way in (``env``): the headers are added once, in the engine."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import Env

NOSNIFF = ("X-Content-Type-Options", "nosniff")
NO_STORE = ("Cache-Control", "no-store")
INERT_CSP = ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
SCRIPT = "<img src=x onerror=alert(document.domain)>&amp;"
QUOTED = "%3Cimg%20src=x%20onerror=alert(document.domain)%3E&amp;"


def _bigid_user(env: Env) -> dict[str, Any]:
    deployment = env.mock.state()["bigid"]["deployments"][0]
    return {"deployment": deployment["name"], **deployment["users"][0]}


def _no_markup(response: Any) -> None:
    """The body holds the echoed text only as JSON escapes."""
    for char in "<>&":
        assert char.encode() not in response.content, response.content
    assert b"\\u003cimg" in response.content


@pytest.mark.parametrize("style", ["spec", "production"])
def test_a_bigid_404_echoes_the_path_as_escaped_json(env: Env, style: str) -> None:
    env.mock.bigid.errors = style
    response = env.bigid("GET", f"/{QUOTED}")
    assert response.status_code == 404
    _no_markup(response)
    expected_type = "text/html; charset=utf-8" if style == "production" else "application/json"
    assert response.headers["Content-Type"] == expected_type
    # The escapes decode to exactly the path that was asked for.
    assert response.json() == {
        "success": False,
        "message": f"Route GET /api/v1/{SCRIPT} not found",
    }
    for name, value in (NOSNIFF, NO_STORE, INERT_CSP):
        assert response.headers[name] == value


def test_a_sigma_404_and_an_admin_404_escape_the_path(env: Env) -> None:
    sigma = env.sigma("GET", f"/api/v1/{QUOTED}")
    assert sigma.status_code == 404
    _no_markup(sigma)
    assert sigma.json() == {
        "error": "NOT_FOUND",
        "message": f"Route GET /api/v1/{SCRIPT} not found",
    }
    admin = env.sigma("GET", f"/_authmock/{QUOTED}")
    assert admin.status_code == 404
    _no_markup(admin)
    assert admin.json() == {
        "error": "NOT_FOUND",
        "message": f"no admin route GET /_authmock/{SCRIPT}",
    }


def test_echoed_body_fields_are_escaped_too(env: Env) -> None:
    """A value from the request body that comes back (a created user's name)."""
    tenant = env.mock.sigma.tenants[0]["workspaceId"]
    env.mock.sigma.add_user(tenant, "xss@example.test", "pw", name=SCRIPT)
    response = env.sigma("GET", "/_authmock/state")
    assert response.status_code == 200
    assert b"<img" not in response.content and b"\\u003cimg" in response.content
    users = [u for t in response.json()["sigma"]["tenants"] for u in t["users"]]
    assert SCRIPT in [u["name"] for u in users]


def _answers(env: Env) -> dict[str, Any]:
    """One answer of each kind: API success carrying a token, API errors, a
    fault's error, the admin API, the demo page and one of its assets."""
    user = _bigid_user(env)
    sigma_login = env.sigma(
        "POST", "/api/v1/auth/login", json={"email": "admin@sigma.io", "password": "admin"}
    )
    token = sigma_login.json()["token"]
    env.mock.faults.add(path="/api/v1/roles", status=503, after=1, times=1)
    return {
        "sigma login": sigma_login,
        "sigma key creation": env.sigma(
            "POST",
            "/api/v1/api-keys",
            json={"name": "ci", "permissions": ["read"]},
            headers={"Authorization": f"Bearer {token}"},
        ),
        "sigma 401": env.sigma("GET", "/api/v1/roles"),
        "sigma fault": env.sigma("GET", "/api/v1/roles"),
        "healthz": env.sigma("GET", "/healthz"),
        "bigid session": env.bigid(
            "POST",
            "/sessions",
            deployment=user["deployment"],
            json={"username": user["username"], "password": user["password"]},
        ),
        "bigid 400": env.bigid("POST", "/sessions", deployment=user["deployment"], json={}),
        "admin state": env.sigma("GET", "/_authmock/state"),
        "admin secret": env.sigma("GET", "/_authmock/sigma/secret"),
        "admin 204": env.sigma("DELETE", "/_authmock/calls"),
        "demo page": env.sigma("GET", "/_authmock/ui/"),
        "demo asset": env.sigma("GET", "/_authmock/ui/api.js"),
    }


def test_every_answer_is_nosniff_and_no_store(env: Env) -> None:
    answers = _answers(env)
    assert answers["sigma fault"].status_code == 503
    assert answers["admin 204"].status_code == 204
    for what, response in answers.items():
        assert response.headers.get("X-Content-Type-Options") == "nosniff", what
        assert response.headers.get("Cache-Control") == "no-store", what
        # Each header once: the engine adds only what a reply did not set.
        assert response.headers["Cache-Control"].count("no-store") == 1, what


def test_the_demo_page_keeps_its_own_policy(env: Env) -> None:
    from authmock.http.ui import CSP

    page = env.sigma("GET", "/_authmock/ui/")
    assert page.status_code == 200
    assert page.headers["Content-Security-Policy"] == CSP
    api = env.sigma("GET", "/healthz")
    assert api.headers["Content-Security-Policy"] == INERT_CSP[1]


def test_a_user_routes_own_headers_win(mock: Any) -> None:
    import requests
    from werkzeug.wrappers import Response

    @mock.sigma.route("GET", "/api/v1/cached")
    def cached(request: Any, principal: Any) -> Response:
        return Response(
            json.dumps({"ok": True}),
            headers={"Cache-Control": "max-age=60"},
            content_type="application/json",
        )

    token = mock.sigma.issue_token("admin@sigma.io")
    response = requests.get(
        "https://api.sigma-pim.com/api/v1/cached", headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "max-age=60"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
