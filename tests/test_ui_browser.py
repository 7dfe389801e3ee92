"""The demo page in a real headless Chromium (Debian's ``chromium``, driven by
Playwright; no browser download). Each test serves a fresh ``AuthMock(seed=7)``,
clicks through the page as a person would, checks what the page shows against
the emulator's own state, and fails on any JavaScript error or any request
that leaves the server."""

from __future__ import annotations

import json
import os
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests

from authmock import AuthMock

CHROMIUM = Path("/usr/bin/chromium")
# The machine has no network: without the background-networking flags
# Chromium's own connections fail and it logs errors.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ROOT = Path(__file__).resolve().parents[1]
# Tests never modify tracked files: the pictures go to a temporary directory
# unless asked for, e.g. AUTHMOCK_SCREENSHOTS=docs/screenshots (relative to the
# repository) to refresh the ones the README shows.
SCREENSHOTS_ENV = "AUTHMOCK_SCREENSHOTS"
DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
# What Chromium logs for a fetch answered with an error status: an HTTP failure
# the test provoked on purpose, not a JavaScript error.
RESOURCE_ERROR = re.compile(
    r"Failed to load resource: the server responded with a status of (\d+) .*"
)

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found: install it with `apt-get install chromium`"
        if os.environ.get("AUTHMOCK_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright missing: pip install -e '.[test]'"
    )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield launched
        finally:
            launched.close()


def expect(locator: Any) -> Any:
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(locator)


class Demo:
    """One open demo page, and everything it did that it should not have."""

    def __init__(self, browser: Any, url: str, viewport: dict[str, int]) -> None:
        self.url = url
        self.context = browser.new_context(viewport=viewport)
        self.page = self.context.new_page()
        self.js_errors: list[str] = []
        self.http_errors: list[int] = []
        self.foreign: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.js_errors.append(f"page error: {exc}"))
        self.page.on("request", self._request)

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        failed = RESOURCE_ERROR.fullmatch(message.text)
        if failed:
            self.http_errors.append(int(failed.group(1)))
        else:
            self.js_errors.append(message.text)

    def _request(self, request: Any) -> None:
        if not request.url.startswith(self.url + "/"):
            self.foreign.append(request.url)

    def open(self) -> Any:
        self.page.goto(self.url + "/")
        # The first quick-login button means the page has loaded its data.
        expect(self.user_button("admin@sigma.io")).to_be_visible()
        return self.page

    def user_button(self, email: str) -> Any:
        return self.page.get_by_role("button", name=re.compile(rf"^{re.escape(email)} "))

    @property
    def message(self) -> Any:
        return self.page.locator("#messages")

    @property
    def sigma_session(self) -> Any:
        return self.page.get_by_role("region", name="Signed in to Sigma PIM")

    def sign_in(self, email: str) -> None:
        self.user_button(email).click()
        expect(self.message).to_contain_text(f"Signed in to Sigma PIM as {email}")

    def journal_entries(self) -> Any:
        return self.page.locator("#journal-list > li")

    def assert_clean(self, http_errors: list[int] | None = None) -> None:
        assert self.js_errors == []
        assert self.foreign == [], "the page must talk only to authmock"
        assert self.http_errors == (http_errors or [])


@contextmanager
def demo_page(browser: Any, url: str, viewport: dict[str, int] = DESKTOP) -> Iterator[Demo]:
    demo = Demo(browser, url, viewport)
    try:
        yield demo
    finally:
        # Before the server stops: a polling page must not see it go away.
        demo.context.close()


def facts(locator: Any) -> dict[str, str]:
    """A <dl>'s terms and values."""
    terms = locator.locator("dt").all_inner_texts()
    values = locator.locator("dd").all_inner_texts()
    return dict(zip(terms, values, strict=True))


def claim_rows(figure: Any) -> dict[str, str]:
    rows = figure.locator("table.claims tbody tr")
    return {row.locator("th").inner_text(): row.locator("td").inner_text() for row in rows.all()}


def utc(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def test_keyboard_quick_login_shows_the_user_and_decoded_claims(browser: Any) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server, demo_page(browser, server.url) as demo:
        page = demo.open()
        # Keyboard only: the skip link comes first, then the first quick-login user.
        page.keyboard.press("Tab")
        expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
        page.keyboard.press("Enter")
        page.keyboard.press("Tab")
        first = demo.user_button("admin@sigma.io")
        expect(first).to_be_focused()
        assert first.evaluate("b => getComputedStyle(b).outlineStyle") == "solid"
        page.keyboard.press("Enter")

        expect(demo.message).to_have_text(
            "Signed in to Sigma PIM as admin@sigma.io (Admin, ws-sigma)."
        )
        session = demo.sigma_session
        expect(session).to_be_visible()
        assert facts(session.locator("dl.facts")) == {
            "Name": "Admin User",
            "Email": "admin@sigma.io",
            "User ID": "user-admin",
            "Role": "Admin (role-admin)",
            "Workspace": "ws-sigma",
        }
        # The claims shown are those of the token the real login endpoint issued.
        figure = session.locator("figure.token")
        token = figure.locator("code.raw").text_content()
        assert token is not None
        claims = jwt.decode(
            token, mock.sigma.secret, algorithms=["HS256"], options={"verify_exp": False}
        )
        assert claims["exp"] - claims["iat"] == 86400
        assert claim_rows(figure) == {
            "userId": '"user-admin"',
            "workspaceId": '"ws-sigma"',
            "roleId": '"role-admin"',
            "iat": f"{claims['iat']} {utc(claims['iat'])}",
            "exp": f"{claims['exp']} {utc(claims['exp'])}",
        }
        expect(figure.locator(".expiry")).to_have_text(
            re.compile(r"Valid: expires in (23 h 59 min \d+ s|1 d) on the mock clock")
        )
        assert [(c.method, c.path, c.status) for c in mock.calls] == [
            ("GET", "/api/v1/auth/quick-logins", 200),
            ("POST", "/api/v1/auth/login", 200),
        ]
        demo.assert_clean()


def test_advancing_the_clock_past_expiry_shows_the_token_expired(browser: Any) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server, demo_page(browser, server.url) as demo:
        page = demo.open()
        demo.sign_in("admin@sigma.io")
        expiry = demo.sigma_session.locator(".expiry")
        expect(expiry).to_contain_text("Valid")

        page.get_by_role("button", name="Advance 24 hours").click()
        expect(expiry).to_have_text(re.compile(r"Expired \d+ s ago on the mock clock"))
        expect(page.locator("#clock-offset")).to_have_text("1 d ahead of real time")
        token = demo.sigma_session.locator("code.raw").text_content()
        assert token is not None
        assert mock.clock.now() >= jwt.decode(token, options={"verify_signature": False})["exp"]

        # The mock agrees: the expired token can no longer be refreshed.
        page.get_by_role("button", name="Refresh token").click()
        expect(demo.message).to_have_text(
            "Error: Refreshing the token failed: 401 UNAUTHORIZED: Invalid or expired token"
        )
        page.get_by_role("button", name="Resume real time").click()
        expect(expiry).to_contain_text("Valid: expires in")
        expect(page.locator("#clock-offset")).to_have_text("in step with real time")
        page.get_by_role("button", name="Refresh token").click()
        expect(demo.message).to_contain_text("Token refreshed: the new one expires")
        assert [c.status for c in mock.calls.filter(path="/api/v1/auth/refresh")] == [401, 200]
        demo.assert_clean(http_errors=[401])


def test_a_one_shot_401_fault_fails_the_login_once(browser: Any) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server, demo_page(browser, server.url) as demo:
        page = demo.open()
        page.get_by_label("Failure").select_option(label="401 Unauthorized")
        page.get_by_label("On", exact=True).select_option(
            label="Sigma login (POST /api/v1/auth/login)"
        )
        page.get_by_label("Times").fill("1")
        page.get_by_role("button", name="Add fault").click()
        expect(demo.message).to_contain_text("fault-1 added")
        faults = page.get_by_role("list", name="Active faults")
        expect(faults).to_contain_text(
            "fault-1 HTTP 401 on POST /api/v1/auth/login (sigma), 1 of 1 left"
        )
        assert [f.to_json() for f in mock.faults.list()] == [
            {
                "id": "fault-1",
                "api": "sigma",
                "method": "POST",
                "path": "/api/v1/auth/login",
                "status": 401,
                "times": 1,
                "seen": 0,
                "fired": 0,
            }
        ]

        demo.user_button("admin@sigma.io").click()
        expect(demo.message).to_have_text(
            "Error: Signing in as admin@sigma.io failed: 401 UNAUTHORIZED: Invalid or expired token"
        )
        expect(demo.sigma_session).to_be_hidden()
        # Spent after one use: the list follows without a reload.
        expect(faults).to_have_text("No faults: every call is answered normally.")

        demo.sign_in("admin@sigma.io")
        expect(demo.sigma_session).to_be_visible()
        entries = demo.journal_entries()
        expect(entries.nth(0)).to_contain_text("POST /api/v1/auth/login 200")
        expect(entries.nth(1)).to_contain_text("POST /api/v1/auth/login 401")
        expect(entries.nth(1)).to_contain_text("fault-1")
        assert [(c.status, c.fault) for c in mock.calls.filter(path="/api/v1/auth/login")] == [
            (401, "fault-1"),
            (200, None),
        ]
        demo.assert_clean(http_errors=[401])


def test_the_journal_follows_calls_made_elsewhere(browser: Any) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server, demo_page(browser, server.url) as demo:
        demo.open()
        entries = demo.journal_entries()
        expect(entries.nth(0)).to_contain_text("GET /api/v1/auth/quick-logins 200")
        # A client other than the page: the open page picks the call up by polling.
        outside = requests.post(
            server.url + "/api/v1/auth/login",
            json={"email": "admin@sigma.io", "password": "admin"},
            timeout=10,
        )
        assert outside.status_code == 200
        expect(entries.nth(0)).to_contain_text("POST /api/v1/auth/login 200 ws-sigma · user-admin")
        entries.nth(0).locator("summary").click()
        detail = entries.nth(0).locator("pre")
        expect(detail).to_contain_text('"password": "********"')
        # An open entry stays open when newer calls arrive.
        requests.get(server.url + "/healthz", timeout=10)
        expect(entries.nth(0)).to_contain_text("GET /healthz 200")
        expect(entries.nth(1).locator("details")).to_have_attribute("open", "")
        expect(demo.page.locator("#journal-count")).to_have_text("3 calls, newest first")
        demo.assert_clean()


def test_api_keys_are_listed_and_created_with_the_raw_key_shown_once(browser: Any) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server, demo_page(browser, server.url) as demo:
        page = demo.open()
        demo.sign_in("admin@sigma.io")
        page.get_by_role("button", name="List API keys").click()
        table = page.get_by_role("table", name="API keys of ws-sigma")
        expect(table.locator("tbody tr")).to_have_count(1)

        page.get_by_label("Key name").fill("ci key")
        page.get_by_label("update-data").check()
        page.get_by_role("button", name="Create API key").click()
        raw_key = page.locator("#sigma-new-key output")
        expect(raw_key).to_have_text(re.compile(r"sigma_sk_live_[A-Za-z0-9_-]{32,}"))
        expect(table.locator("tbody tr")).to_have_count(2)
        expect(table).to_contain_text("ci key")
        # The key shown works, with the permissions ticked.
        key = raw_key.inner_text()
        roles = requests.get(
            server.url + "/api/v1/roles", headers={"X-Sigma-ApiKey": key}, timeout=10
        )
        assert roles.status_code == 200
        created = [
            k for k in mock.state()["sigma"]["tenants"][0]["apiKeys"] if k["name"] == "ci key"
        ]
        assert [k["permissions"] for k in created] == [["read", "update-data"]]
        demo.assert_clean()


def test_failures_are_shown_as_messages(browser: Any) -> None:
    mock = AuthMock(seed=7)
    viewer = next(
        u for u in mock.state()["sigma"]["tenants"][0]["users"] if u["roleId"] == "role-viewer"
    )
    with mock.serve() as server, demo_page(browser, server.url) as demo:
        page = demo.open()
        demo.sign_in(viewer["email"])
        page.get_by_role("button", name="List API keys").click()
        expect(demo.message).to_have_text(
            re.compile(r"Error: Listing API keys failed: 403 PERMISSION_DENIED: .+")
        )
        expect(demo.message).to_have_class("message error")
        # An error stays until dismissed.
        demo.page.get_by_role("button", name="Dismiss the message").click()
        expect(demo.message).to_have_text("")
        demo.assert_clean(http_errors=[403])


def test_removing_a_workspace_and_resetting(browser: Any) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server, demo_page(browser, server.url) as demo:
        page = demo.open()
        demo.sign_in("admin@sigma.io")
        page.get_by_label("Workspace or deployment").select_option("sigma:ws-sigma")
        page.get_by_role("button", name="Remove", exact=True).click()
        expect(demo.message).to_contain_text("Workspace ws-sigma removed")
        expect(demo.user_button("admin@sigma.io")).to_have_count(0)
        assert "ws-sigma" not in [t["workspaceId"] for t in mock.state()["sigma"]["tenants"]]

        # The missing-workspace failure, as a client would meet it.
        page.get_by_role("button", name="Refresh token").click()
        expect(demo.message).to_have_text(
            "Error: Refreshing the token failed: 401 UNAUTHORIZED: Workspace not found"
        )

        page.get_by_role("button", name="Reset to the seeded state").click()
        expect(demo.message).to_contain_text("Reset: data, faults, journal and clock are back")
        expect(demo.user_button("admin@sigma.io")).to_be_visible()
        expect(demo.sigma_session).to_be_hidden()
        assert mock.state()["sigma"]["tenants"][0]["workspaceId"] == "ws-sigma"
        demo.assert_clean(http_errors=[401])


def test_without_bigid_in_the_state_the_panel_says_it_is_unavailable(browser: Any) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server, demo_page(browser, server.url) as demo:

        def without_bigid(route: Any) -> None:
            response = route.fetch()
            state = response.json()
            state.pop("bigid", None)
            route.fulfill(response=response, json=state)

        demo.page.route("**/_authmock/state", without_bigid)
        page = demo.open()
        panel = page.get_by_role("region", name="BigID", exact=True)
        expect(panel).to_contain_text("BigID is unavailable on this authmock")
        styles = page.get_by_role("group", name="BigID error style").get_by_role("radio")
        expect(styles).to_have_count(2)
        for style in styles.all():
            expect(style).to_be_disabled()
        demo.assert_clean()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
def test_readable_at_both_sizes_with_screenshots(
    browser: Any, viewport: dict[str, int], screenshots: Path
) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server, demo_page(browser, server.url, viewport) as demo:
        page = demo.open()
        demo.sign_in("admin@sigma.io")
        page.get_by_role("button", name="List API keys").click()
        expect(page.get_by_role("table", name="API keys of ws-sigma")).to_be_visible()
        page.get_by_label("On", exact=True).select_option(
            label="Sigma refresh (POST /api/v1/auth/refresh)"
        )
        page.get_by_role("button", name="Add fault").click()
        expect(demo.journal_entries().nth(0)).to_contain_text("GET /api/v1/api-keys 200")

        for landmark in ("banner", "main", "contentinfo"):
            expect(page.get_by_role(landmark)).to_have_count(1)
        assert page.get_by_role("heading", level=1).inner_text() == "authmock offline demo"
        # Nothing sticks out sideways: the page never scrolls horizontally.
        width = viewport["width"]
        assert page.evaluate("document.documentElement.scrollWidth") <= width
        for button in page.get_by_role("button").all():
            box = button.bounding_box()
            if box is not None:
                assert box["x"] >= 0 and box["x"] + box["width"] <= width, button.inner_text()

        page.evaluate("window.scrollTo(0, 0)")
        page.mouse.move(0, 0)  # no hover highlight in the picture
        size = f"{viewport['width']}x{viewport['height']}"
        save_screenshot(page, screenshots / f"demo-{size}.png")
        save_screenshot(page, screenshots / f"demo-{size}-full.png", full_page=True)
        demo.assert_clean()


@pytest.fixture
def screenshots(tmp_path: Path) -> Path:
    """Where the layout test saves its pictures: $AUTHMOCK_SCREENSHOTS, or a temporary one."""
    asked = os.environ.get(SCREENSHOTS_ENV)
    return ROOT / asked if asked else tmp_path


def save_screenshot(page: Any, path: Path, full_page: bool = False) -> None:
    """Replaced whole: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    page.screenshot(path=str(partial), full_page=full_page, type="png")
    os.replace(partial, path)
    assert path.stat().st_size > 0


def bigid_permissions() -> list[str]:
    """What /sessions answers for `bigid` with seed 7 (the same data in any mock)."""
    with AuthMock(seed=7) as other:
        body = requests.post(
            other.bigid_url("sandbox") + "/sessions",
            json={"username": "bigid", "password": "bigid"},
            timeout=10,
        ).json()
    assert body["permissions"]
    return list(body["permissions"])


def test_bigid_sign_in_and_token_exchange(browser: Any) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server, demo_page(browser, server.url) as demo:
        exchanges: list[dict[str, str]] = []
        demo.page.on(
            "request",
            lambda r: "refresh-access-token" in r.url and exchanges.append(r.headers),
        )
        page = demo.open()
        panel = page.get_by_role("region", name="BigID", exact=True)
        expect(panel.get_by_role("group", name="Deployment austin-and-sons")).to_be_visible()
        panel.get_by_role("button", name=re.compile(r"^bigid ")).click()
        expect(demo.message).to_have_text("Signed in to BigID sandbox as bigid.")
        session = page.get_by_role("region", name="Signed in to BigID")
        assert facts(session.locator("dl.facts")) == {
            "Deployment": "sandbox",
            "Username": "bigid",
            "First name": "BigID Admin",
            "Permissions": ", ".join(bigid_permissions()),
        }
        secret = mock.bigid.secret("sandbox")

        def shown(index: int) -> tuple[dict[str, Any], dict[str, str]]:
            """The claims of the index-th token on screen, verified, and as shown."""
            figure = session.locator("figure.token").nth(index)
            token = figure.locator("code.raw").text_content() or ""
            claims = jwt.decode(token, secret, algorithms=["HS256"], options={"verify_exp": False})
            return claims, claim_rows(figure)

        claims, rows = shown(0)
        assert (claims["user_name"], claims["type"], claims["deployment"]) == (
            "bigid",
            "access-token",
            "sandbox",
        )
        assert rows["iat"] == f"{claims['iat']} {utc(claims['iat'])}"
        assert rows["exp"] == f"{claims['exp']} {utc(claims['exp'])}"

        session.get_by_role("button", name="Exchange a user token for a system token").click()
        expect(demo.message).to_have_text("BigID sandbox: user token exchanged for a system token.")
        expect(session.locator("figure.token figcaption")).to_have_text(
            [
                re.compile(r"^Session token \(auth_token\)"),
                re.compile(r"^User token \(refresh-token\)"),
                re.compile(r"^System token"),
            ]
        )
        user, _ = shown(1)
        system, _ = shown(2)
        assert (user["type"], user["exp"] - user["iat"]) == ("refresh-token", 30 * 86400)
        assert (system["type"], system["user_name"]) == ("access-token", "bigid")
        # Raw in Authorization, as real clients send it, not "Bearer ...".
        user_token = session.locator("figure.token").nth(1).locator("code.raw").text_content()
        assert [h["authorization"] for h in exchanges] == [user_token]
        assert [(c.method, c.path, c.status, c.tenant) for c in mock.calls.filter(api="bigid")] == [
            ("POST", "/api/v1/sessions", 200, "sandbox"),
            ("GET", "/api/v1/refresh-access-token", 200, "sandbox"),
        ]
        demo.assert_clean()


def test_bigid_failures_show_in_both_error_styles(browser: Any) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server, demo_page(browser, server.url) as demo:

        def wrong_password(route: Any) -> None:
            body = {"username": "bigid", "password": "wrong"}
            route.continue_(post_data=json.dumps(body))

        demo.page.route("**/bigid/sandbox/api/v1/sessions", wrong_password)
        page = demo.open()
        sign_in = page.get_by_role("button", name=re.compile(r"^bigid "))
        failed = (
            "Error: BigID sign-in as bigid failed: {}: Authentication failed. "
            "Username / Password incorrect or insufficient roles in AD."
        )
        sign_in.click()
        expect(demo.message).to_have_text(failed.format("401"))

        page.get_by_label("production (HTTP 200, text/html)").check()
        expect(demo.message).to_have_text(
            "BigID error style: production (auth failures answer HTTP 200 with text/html)."
        )
        assert mock.bigid.errors == "production"
        # HTTP 200, yet the page reports the failure the body states.
        sign_in.click()
        expect(demo.message).to_have_text(failed.format("HTTP 200 with success false"))
        assert [c.status for c in mock.calls.filter(path="/api/v1/sessions")] == [401, 200]
        expect(page.get_by_role("region", name="Signed in to BigID")).to_be_hidden()
        demo.assert_clean(http_errors=[401])


def test_with_an_admin_token_the_page_asks_for_it(browser: Any) -> None:
    mock = AuthMock(seed=7, admin_token="t0ken-for-admins")
    with mock.serve() as server, demo_page(browser, server.url) as demo:
        page = demo.open()
        expect(demo.message).to_have_text(
            "Error: This authmock requires an admin token (it was started with --admin-token): "
            "enter it in the control panel."
        )
        page.get_by_label("Admin token").fill("t0ken-for-admins")
        page.get_by_role("button", name="Use token").click()
        expect(demo.message).to_have_text("Live updates resumed.")
        expect(page.locator("#journal-count")).to_have_text(re.compile(r"\d+ calls?, newest first"))
        # Admin calls were refused before the token was given; none after.
        refused = len(demo.http_errors)
        assert refused > 0 and set(demo.http_errors) == {401}
        page.get_by_role("button", name="Advance 1 hour").click()
        expect(page.locator("#clock-offset")).to_have_text("1 h ahead of real time")
        assert mock.clock.now() - time.time() > 3000
        demo.assert_clean(http_errors=[401] * refused)


def test_the_journal_shows_why_a_call_was_refused(browser: Any) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server, demo_page(browser, server.url) as demo:
        demo.open()
        stale = mock.sigma.issue_token("admin@sigma.io", expires_in=-1)
        refused = requests.get(
            server.url + "/api/v1/roles", headers={"Authorization": f"Bearer {stale}"}, timeout=10
        )
        assert refused.status_code == 401
        entry = demo.journal_entries().nth(0)
        expect(entry).to_contain_text("GET /api/v1/roles 401 expired")
        entry.locator("summary").click()
        expect(entry.locator("pre")).to_contain_text(
            '"detail": "expired 1 s ago on the emulator\'s clock"'
        )
        demo.assert_clean()
