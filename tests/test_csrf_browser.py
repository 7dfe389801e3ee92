"""The attacks of a hostile web page, run by a real headless Chromium against a
live authmock server, fail: the state is unchanged afterwards.

- CSRF: a page on another origin (a second local server, another port and
  host name) sends ``no-cors`` text/plain and Blob POSTs to the admin API, a
  CORS JSON POST (needs a preflight authmock never grants), and submits an
  ``enctype=text/plain`` form to ``/_authmock/reset``.
- DNS rebinding: Chromium resolves ``evil.test`` to 127.0.0.1 (as a rebinding
  DNS server would), and opens the demo page and the state dump under that name.
"""

from __future__ import annotations

import http.server
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests

from authmock import AuthMock
from tests.test_ui_browser import launch_chromium

pytestmark = pytest.mark.browser

ATTEMPTS = [
    ("/_authmock/clock", {"advance": 86401}),
    ("/_authmock/faults", {"path": "/healthz", "status": 503}),
    (
        "/_authmock/sigma/users",
        {
            "workspaceId": "ws-sigma",
            "email": "evil@x.test",
            "password": "pw",
            "roleId": "role-admin",
        },
    ),
    ("/_authmock/bigid/errors", {"errors": "production"}),
    ("/_authmock/reset", {"seed": 99}),
]

ATTACK_PAGE = """<!doctype html>
<html><head><title>cat pictures</title></head><body>
<form id="form" method="POST" action="{target}/_authmock/reset" enctype="text/plain"
      target="sink"><input name='{{"seed": 99, "x": "' value='"}}'></form>
<iframe name="sink"></iframe>
<script>
const target = {target_json};
const attempts = {attempts_json};
(async () => {{
  for (const [path, body] of attempts) {{
    const text = JSON.stringify(body);
    // Simple requests: no preflight; the answer is opaque, the side effect is the point.
    await fetch(target + path, {{method: "POST", mode: "no-cors", body: text}}).catch(() => {{}});
    await fetch(target + path, {{method: "POST", mode: "no-cors", body: new Blob([text])}})
      .catch(() => {{}});
  }}
  // The right content type makes it a CORS request with a preflight.
  await fetch(target + "/_authmock/clock", {{
    method: "POST", headers: {{"Content-Type": "application/json"}}, body: '{{"advance": 86401}}'
  }}).catch(() => {{}});
  let read = "unreadable";
  try {{ read = await (await fetch(target + "/_authmock/state")).text(); }} catch {{}}
  document.body.dataset.read = read;
  document.getElementById("form").submit();
  document.title = "sent";
}})();
</script></body></html>
"""


def _attack_page(target: str) -> bytes:
    return ATTACK_PAGE.format(
        target=target,
        target_json=json.dumps(target),
        attempts_json=json.dumps([[path, body] for path, body in ATTEMPTS]),
    ).encode()


class _AttackerSite:
    """A second local server: the hostile page, on another origin."""

    def __init__(self, page: bytes) -> None:
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(page)))
                self.end_headers()
                self.wfile.write(page)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        # "localhost", not 127.0.0.1: another host name, so another site too.
        self.url = f"http://localhost:{self.server.server_address[1]}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # What a rebinding DNS server does: evil.test now resolves to this machine.
    # Chromium's own Private Network Access checks would stop the rebound page's
    # calls before authmock sees them; other browsers have none: switched off, so
    # what is tested is authmock's own defence.
    with launch_chromium(
        [
            "--host-resolver-rules=MAP evil.test 127.0.0.1",
            "--disable-features=BlockInsecurePrivateNetworkRequests,"
            "PrivateNetworkAccessSendPreflights,PrivateNetworkAccessRespectPreflightResults,"
            "LocalNetworkAccessChecks",
        ]
    ) as launched:
        yield launched


def _observed(url: str) -> tuple[Any, ...]:
    """What the attacks try to change, read by a non-browser client."""
    state = requests.get(f"{url}/_authmock/state", timeout=10).json()
    now = requests.get(f"{url}/_authmock/clock", timeout=10).json()["now"]
    faults = requests.get(f"{url}/_authmock/faults", timeout=10).json()
    return state, now // 3600, faults


def test_a_cross_origin_page_cannot_drive_the_admin_api(browser: Any) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server:
        before = _observed(server.url)
        assert mock.seed == 7 and mock.bigid.errors == "spec"
        site = _AttackerSite(_attack_page(server.url))
        context = browser.new_context()
        try:
            page = context.new_page()
            answered: list[tuple[str, str, int]] = []
            page.on(
                "response",
                lambda r: (
                    answered.append((r.request.method, r.url, r.status))
                    if r.url.startswith(server.url)
                    else None
                ),
            )
            page.goto(site.url)
            page.wait_for_function("document.title === 'sent'", timeout=30_000)
            # 10 no-cors POSTs, the form's POST and the state read: all reached the server.
            deadline = time.monotonic() + 30
            while len([a for a in answered if a[0] == "POST"]) < 11:
                assert time.monotonic() < deadline, answered
                page.wait_for_timeout(50)
            posts = [a for a in answered if a[0] == "POST"]
            # Refused for coming from another site (Origin, Sec-Fetch-Site), not by luck.
            assert {status for _, _, status in posts} == {403}, posts
            assert sorted({url.removeprefix(server.url) for _, url, _ in posts}) == sorted(
                {path for path, _ in ATTEMPTS}
            )
            # The CORS JSON POST never got past its preflight; the state was not readable.
            assert ("POST", f"{server.url}/_authmock/clock", 200) not in answered
            assert page.evaluate("document.body.dataset.read") == "unreadable"
        finally:
            context.close()
            site.close()
        assert _observed(server.url) == before
        assert mock.seed == 7 and mock.bigid.errors == "spec"
        assert [f.to_json() for f in mock.faults.list()] == []


def test_a_rebinding_name_gets_nothing_from_the_server(browser: Any) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server:
        before = _observed(server.url)
        context = browser.new_context()
        try:
            page = context.new_page()
            rebound = f"http://evil.test:{server.port}"
            for path in ("/", "/_authmock/state", "/_authmock/sigma/secret"):
                response = page.goto(rebound + path)
                assert response is not None and response.status == 403, path
                text = page.evaluate("document.body.innerText")
                assert "--allow-host evil.test" in text
                assert "admin@sigma.io" not in text and mock.sigma.secret not in text
            # The attacker's page, served under the name before it was re-pointed
            # (Playwright answers for the attacker's server); its calls then go to
            # authmock as same-origin requests: no CORS and no Origin check in the
            # way, only the Host check.
            page.route(
                f"{rebound}/attack",
                lambda route: route.fulfill(
                    status=200, content_type="text/html", body="<html><body>hi</body></html>"
                ),
            )
            page.goto(f"{rebound}/attack")
            answers = page.evaluate(
                """async () => {
                  const reset = await fetch("/_authmock/reset", {method: "POST",
                    headers: {"Content-Type": "application/json"}, body: '{"seed": 99}'});
                  const state = await fetch("/_authmock/state");
                  const login = await fetch("/api/v1/auth/login", {method: "POST",
                    headers: {"Content-Type": "application/json"},
                    body: '{"email": "admin@sigma.io", "password": "admin"}'});
                  return [[reset.status, await reset.text()], [state.status, await state.text()],
                          [login.status, await login.text()]];
                }"""
            )
            for status, text in answers:
                assert status == 403 and "--allow-host evil.test" in text
                assert "password" not in text and "token" not in text
        finally:
            context.close()
        assert _observed(server.url) == before
        assert mock.seed == 7
