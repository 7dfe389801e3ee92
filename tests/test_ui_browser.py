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
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import jwt
import pytest
import requests

from authmock import AuthMock, RemoteAuthMock

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
# What Chromium logs for a fetch answered with an error status, or not answered
# (a closed connection: net::ERR_EMPTY_RESPONSE): a failure the test provoked on
# purpose, not a JavaScript error.
RESOURCE_ERROR = re.compile(
    r"Failed to load resource: (?:the server responded with a status of (\d+) .*|net::(ERR_\w+))"
)

pytestmark = pytest.mark.browser


@contextmanager
def launch_chromium(extra_args: Sequence[str] = ()) -> Iterator[Any]:
    """Debian's headless Chromium through Playwright; skipped when absent,
    unless AUTHMOCK_REQUIRE_BROWSER makes that a failure (CI)."""
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} not found: install it with `apt-get install chromium`"
        if os.environ.get("AUTHMOCK_REQUIRE_BROWSER"):
            pytest.fail(message)
        pytest.skip(message)
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="playwright missing: pip install -e '.[test]'"
    )
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=[*CHROMIUM_ARGS, *extra_args]
        )
        try:
            yield launched
        finally:
            launched.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with launch_chromium() as launched:
        yield launched


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
        self.http_errors: list[int | str] = []
        self.foreign: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda exc: self.js_errors.append(f"page error: {exc}"))
        self.page.on("request", self._request)

    def _console(self, message: Any) -> None:
        if message.type != "error":
            return
        failed = RESOURCE_ERROR.fullmatch(message.text)
        if failed:
            self.http_errors.append(int(failed.group(1)) if failed.group(1) else failed.group(2))
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

    def assert_clean(self, http_errors: Sequence[int | str] = ()) -> None:
        assert self.js_errors == []
        assert self.foreign == [], "the page must talk only to authmock"
        assert self.http_errors == list(http_errors)


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


def test_recorded_production_failures_from_the_fault_form(browser: Any) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server, demo_page(browser, server.url) as demo:
        page = demo.open()
        kind, target = page.get_by_label("Failure"), page.get_by_label("On", exact=True)
        # BigID's failure shape is BigID's: on a Sigma call the API says why, clearly.
        kind.select_option(label="BigID failure at 200")
        target.select_option(label="Sigma login")
        page.get_by_role("button", name="Add fault").click()
        expect(demo.message).to_contain_text("api 'bigid' and a 'message'")
        target.select_option(label="BigID token exchange")
        page.get_by_role("button", name="Add fault").click()
        expect(demo.message).to_contain_text("added")
        kind.select_option(label="Proxy 502 page at 200")
        target.select_option(label="Any Sigma call")
        page.get_by_role("button", name="Add fault").click()
        page.get_by_label("Answer body (optional, sent verbatim)").fill("upstream down")
        kind.select_option(label="503 Service Unavailable")
        page.get_by_role("button", name="Add fault").click()
        faults = page.get_by_role("list", name="Active faults")
        expect(faults).to_contain_text("HTTP 200 with a given body on any method any path (sigma)")
        expect(faults).to_contain_text("HTTP 503 with a given body on any method any path (sigma)")
        specs = [f.spec() for f in mock.faults.list()]
        assert specs[0]["status"] == 200 and specs[0]["message"] == "Refresh token not valid"
        assert specs[1]["body"] == "<html><body><h1>502 Bad Gateway</h1></body></html>"
        assert (specs[2]["status"], specs[2]["body"]) == (503, "upstream down")
        demo.assert_clean(http_errors=[400])


def test_a_one_shot_401_fault_fails_the_login_once(browser: Any) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server, demo_page(browser, server.url) as demo:
        page = demo.open()
        page.get_by_label("Failure").select_option(label="401 Unauthorized")
        page.get_by_label("On", exact=True).select_option(label="Sigma login")
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
        page.get_by_label("On", exact=True).select_option(label="Sigma refresh")
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


# -- Demo-page bugs a newcomer met (issue 16), one test each --------------------------


def settle(page: Any) -> None:
    """Two animation frames: scrolling and layout have happened."""
    page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


def assert_in_view_below_the_bar(page: Any, locator: Any) -> None:
    """Fully inside the viewport and not under the sticky message bar."""
    box = locator.bounding_box()
    bar = page.locator("#messages").bounding_box()
    assert box is not None and bar is not None
    height = page.viewport_size["height"]
    assert bar["y"] + bar["height"] <= box["y"], f"under the message bar: {box} vs {bar}"
    assert box["y"] + box["height"] <= height, f"below the fold ({height} px): {box}"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
def test_signing_in_shows_the_session_in_view(browser: Any, viewport: dict[str, int]) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server, demo_page(browser, server.url, viewport) as demo:
        page = demo.open()
        demo.sign_in("admin@sigma.io")
        heading = page.locator("#sigma-session-title")
        # Focus moves there, and the message shown meanwhile does not push it out of view.
        expect(heading).to_be_focused()
        settle(page)
        assert_in_view_below_the_bar(page, heading)
        assert_in_view_below_the_bar(page, demo.sigma_session.locator("dl.facts dd").first)

        page.get_by_role("button", name=re.compile(r"^bigid ")).click()
        expect(demo.message).to_have_text("Signed in to BigID sandbox as bigid.")
        heading = page.locator("#bigid-session-title")
        expect(heading).to_be_focused()
        settle(page)
        assert_in_view_below_the_bar(page, heading)
        # The keyboard carries on from there: Tab reaches the session's own controls.
        page.keyboard.press("Tab")
        expect(page.locator("#bigid-session :focus")).to_have_count(1)
        demo.assert_clean()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
def test_jumping_to_a_section_keeps_its_heading_below_the_message_bar(
    browser: Any, viewport: dict[str, int]
) -> None:
    mock = AuthMock(seed=7)
    viewer = next(
        u for u in mock.state()["sigma"]["tenants"][0]["users"] if u["roleId"] == "role-viewer"
    )
    with mock.serve() as server, demo_page(browser, server.url, viewport) as demo:
        page = demo.open()
        demo.sign_in(viewer["email"])
        # An error stays in the bar (two lines or more on a phone) while the user moves on.
        page.get_by_role("button", name="List API keys").click()
        expect(demo.message).to_contain_text("Error: Listing API keys failed: 403")
        for name, target in (("BigID", "#bigid-title"), ("Journal", "#journal-title")):
            page.evaluate("window.scrollTo(0, 0)")
            page.get_by_role("navigation", name="Sections").get_by_role("link", name=name).click()
            page.wait_for_function(f"() => location.hash === {target!r} && window.scrollY > 0")
            settle(page)
            assert_in_view_below_the_bar(page, page.locator(target))
        demo.assert_clean(http_errors=[403])


def remove_in_the_control_panel(page: Any, value: str) -> None:
    page.get_by_label("Workspace or deployment").select_option(value)
    page.get_by_role("button", name="Remove", exact=True).click()


def sign_in_to_bigid_and_remove_its_deployment(demo: Demo) -> Any:
    """The BigID session, signed in to `sandbox`, which is then removed."""
    page = demo.page
    page.get_by_role("button", name=re.compile(r"^bigid ")).click()
    expect(demo.message).to_have_text("Signed in to BigID sandbox as bigid.")
    remove_in_the_control_panel(page, "bigid:sandbox")
    gone = (
        "BigID deployment sandbox no longer exists: its API now closes every connection, "
        "tokens or not."
    )
    expect(demo.message).to_have_text(gone)
    session = page.get_by_role("region", name="Signed in to BigID")
    # Kept on the session itself, since the bar moves on.
    expect(session.locator("p.message")).to_have_text(gone)
    return session


def test_a_removed_deployment_is_said_once_not_over_later_feedback(browser: Any) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server, demo_page(browser, server.url) as demo:
        page = demo.open()
        sign_in_to_bigid_and_remove_its_deployment(demo)
        # Unrelated actions that change the state; the page redraws the deployments each time.
        remove_in_the_control_panel(page, "sigma:ws-waters-owens")
        expect(page.locator("#remove-target option[value='sigma:ws-waters-owens']")).to_have_count(
            0
        )
        settle(page)
        expect(demo.message).to_have_text(
            "Workspace ws-waters-owens removed: its tokens and keys now fail with 401."
        )
        page.get_by_label("production (HTTP 200, text/html)").check()
        production = "BigID error style: production (auth failures answer HTTP 200 with text/html)."
        expect(demo.message).to_have_text(production)
        # The live updates pick the new style up (the state's shape changed) and say
        # nothing: a call from elsewhere shows in the journal, and then another one, so
        # at least one whole poll of the state ran after the switch.
        count = page.locator("#journal-count")
        for _ in range(2):
            shown = len(mock.calls) + 1
            requests.get(server.url + "/healthz", timeout=10)
            expect(count).to_have_text(f"{shown} calls, newest first")
        expect(demo.message).to_have_text(production)
        demo.assert_clean()


def test_exchange_after_removing_the_deployment_shows_the_api_answer(browser: Any) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server, demo_page(browser, server.url) as demo:
        demo.open()
        session = sign_in_to_bigid_and_remove_its_deployment(demo)
        session.get_by_role("button", name="Exchange a user token for a system token").click()
        # The admin API cannot mint a user token any more; the API is asked all the same.
        expect(demo.message).to_have_text(
            "Error: Exchanging the user token failed: no HTTP answer: the connection was closed "
            "(as for a BigID deployment that does not exist or a reset fault), or authmock "
            "stopped. No new user token could be made (404 NOT_FOUND: no deployment 'sandbox'), "
            "so the session token was sent."
        )
        # A deployment that does not exist resets the connection; the journal says why.
        # (Chromium retries a GET whose kept-alive connection was reset: each try counts.)
        tries = [(c.path, c.status, c.reason) for c in mock.calls.filter(api="bigid")][1:]
        assert tries and set(tries) == {("/api/v1/refresh-access-token", 0, "deployment_not_found")}
        expect(demo.journal_entries().nth(0)).to_contain_text(
            "GET /api/v1/refresh-access-token no answer"
        )

        # After an exchange that worked, the user token it made is the one sent again.
        page = demo.page
        exchanges: list[str] = []
        page.on(
            "request",
            lambda r: (
                "refresh-access-token" in r.url and exchanges.append(r.headers["authorization"])
            ),
        )
        page.get_by_role("button", name=re.compile(r"^linda\.cardenas ")).click()
        expect(demo.message).to_have_text("Signed in to BigID austin-and-sons as linda.cardenas.")
        exchange = session.get_by_role("button", name="Exchange a user token for a system token")
        exchange.click()
        expect(demo.message).to_have_text(
            "BigID austin-and-sons: user token exchanged for a system token."
        )
        remove_in_the_control_panel(page, "bigid:austin-and-sons")
        expect(session.locator("p.message")).to_contain_text("austin-and-sons no longer exists")
        exchange.click()
        expect(demo.message).to_contain_text(
            "No new user token could be made (404 NOT_FOUND: no deployment 'austin-and-sons'), "
            "so the previous user token was sent."
        )
        assert len(exchanges) == 2 and exchanges[0] == exchanges[1]
        demo.assert_clean(http_errors=[404, "ERR_CONNECTION_RESET"] * 2)


def test_a_refused_token_no_longer_shows_as_valid(browser: Any) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server, demo_page(browser, server.url) as demo:
        page = demo.open()
        demo.sign_in("admin@sigma.io")
        expiry = demo.sigma_session.locator(".expiry")
        expect(expiry).to_contain_text("Valid: expires in")
        remove_in_the_control_panel(page, "sigma:ws-sigma")
        expect(demo.message).to_contain_text("Workspace ws-sigma removed")
        page.get_by_role("button", name="Refresh token").click()
        expect(demo.message).to_have_text(
            "Error: Refreshing the token failed: 401 UNAUTHORIZED: Workspace not found"
        )
        # Its exp is still a day away, but the mock refused it: the token box says so.
        expect(expiry).to_have_text(
            re.compile(
                r"^Refused when last used: 401 UNAUTHORIZED: Workspace not found "
                r"\(expires in (23 h 59 min( \d+ s)?|1 d) on the mock clock\)$"
            )
        )
        expect(expiry).to_have_class("expiry expired")
        # And it stays so as the countdown ticks.
        expect(expiry).not_to_have_text(expiry.inner_text())
        expect(expiry).to_contain_text("Refused when last used")
        demo.assert_clean(http_errors=[401])


def test_the_fault_remove_button_looks_like_the_other_removes(browser: Any) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server, demo_page(browser, server.url) as demo:
        page = demo.open()
        page.get_by_role("button", name="Add fault").click()
        remove_fault = page.get_by_role("button", name="Remove fault-1")
        expect(remove_fault).to_be_visible()
        look = "b => ['color', 'backgroundColor', 'borderColor'].map(p => getComputedStyle(b)[p])"
        workspace = page.locator("#remove-button").evaluate(look)
        assert remove_fault.evaluate(look) == workspace
        assert workspace[0] != workspace[1]  # red on white, not the accent's filled blue
        remove_fault.click()
        expect(page.get_by_role("list", name="Active faults")).to_have_text(
            "No faults: every call is answered normally."
        )
        assert mock.faults.list() == []
        demo.assert_clean()


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
def test_no_select_is_truncated(browser: Any, viewport: dict[str, int]) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server, demo_page(browser, server.url, viewport) as demo:
        page = demo.open()
        expect(page.locator("#remove-target option")).to_have_count(5)
        # A select at its natural width (no max-width) is as wide as its longest option.
        widths = page.evaluate(
            """() => [...document.querySelectorAll("select")].map((select) => {
                const free = select.cloneNode(true);
                free.removeAttribute("id");
                free.style.cssText =
                    "position:absolute;top:0;left:0;width:auto;max-width:none;visibility:hidden";
                document.body.append(free);
                const natural = free.getBoundingClientRect().width;
                free.remove();
                return [select.id, select.getBoundingClientRect().width, natural];
            })"""
        )
        assert {w[0] for w in widths} >= {"fault-kind", "fault-target", "remove-target"}
        for name, width, natural in widths:
            assert width >= natural, f"#{name} is {width} px wide, its options need {natural}"
        # What each target matches is spelled out beside it.
        target = page.get_by_label("On", exact=True)
        target.select_option(label="BigID token exchange")
        expect(page.locator("#fault-target-hint")).to_have_text(
            "Matches any method /api/v1/refresh-access-token (bigid)."
        )
        target.select_option(label="Sigma login")
        expect(page.locator("#fault-target-hint")).to_have_text(
            "Matches POST /api/v1/auth/login (sigma)."
        )
        demo.assert_clean()


def iso_utc(iso: str) -> str:
    return utc(int(datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()))


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1280x800", "390x844"])
def test_key_dates_are_readable_on_one_line(browser: Any, viewport: dict[str, int]) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server, demo_page(browser, server.url, viewport) as demo:
        page = demo.open()
        demo.sign_in("admin@sigma.io")
        page.get_by_role("button", name="Create API key").click()
        key = page.locator("#sigma-new-key output").inner_text()
        used = requests.get(
            server.url + "/api/v1/roles", headers={"X-Sigma-ApiKey": key}, timeout=10
        )
        assert used.status_code == 200
        page.get_by_role("button", name="List API keys").click()
        rows = page.get_by_role("table", name="API keys of ws-sigma").locator("tbody tr")
        expect(rows).to_have_count(2)
        expect(rows.nth(1).locator("td[data-label='Last used']")).not_to_have_text("never")

        keys = {k["name"]: k for k in mock.state()["sigma"]["tenants"][0]["apiKeys"]}
        for row in rows.all():
            name = row.locator("td[data-label='Name']").inner_text()
            for label, field in (("Created", "createdAt"), ("Last used", "lastUsedAt")):
                cell = row.locator(f"td[data-label='{label}'] time")
                if keys[name][field] is None:
                    expect(row.locator(f"td[data-label='{label}']")).to_contain_text("never")
                    continue
                expect(cell).to_have_text(iso_utc(keys[name][field]))
                expect(cell).to_have_attribute("datetime", keys[name][field])
                # One line: every piece of its text sits at the same height.
                lines = cell.evaluate(
                    """(node) => {
                        const range = document.createRange();
                        range.selectNodeContents(node);
                        const tops = [...range.getClientRects()].map((r) => Math.round(r.top));
                        return new Set(tops).size;
                    }"""
                )
                assert lines == 1, f"{label} of {name} wraps onto {lines} lines"
            # Names may wrap between words, never inside one ("Demo integr-ation").
            broken = row.locator("td[data-label='Name']").evaluate(
                """(cell) => {
                    const text = cell.firstChild;
                    const broken = [];
                    for (const m of text.data.matchAll(/\\S+/g)) {
                        const range = document.createRange();
                        range.setStart(text, m.index);
                        range.setEnd(text, m.index + m[0].length);
                        const tops = [...range.getClientRects()].map((r) => Math.round(r.top));
                        if (new Set(tops).size > 1) broken.push(m[0]);
                    }
                    return broken;
                }"""
            )
            assert broken == [], f"{name!r} breaks inside {broken}"
        assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
        demo.assert_clean()


def test_opened_at_an_instance_the_page_drives_that_instance(browser: Any) -> None:
    mock = AuthMock(seed=7)
    with (
        mock.serve() as server,
        RemoteAuthMock(server.url) as remote,
        remote.new_instance(seed=7) as instance,
        demo_page(browser, instance.url) as demo,
    ):
        demo.open()
        demo.sign_in("admin@sigma.io")
        # The page's calls reached the instance, none the root.
        instance.assert_called("POST", "/api/v1/auth/login", times=1)
        assert len(mock.calls) == 0
        expect(demo.journal_entries().nth(0)).to_contain_text("POST /api/v1/auth/login 200")
        assert demo.js_errors == [] and demo.http_errors == []
        # Its assets come from the server root (the same files for every instance).
        assert all(url.startswith(f"{server.url}/_authmock/ui/") for url in demo.foreign)


def test_the_journal_shows_why_a_call_was_refused(browser: Any) -> None:
    mock = AuthMock(seed=7)
    with mock.serve() as server, demo_page(browser, server.url) as demo:
        demo.open()
        # A frozen clock: a second ticking between issue and use must not make it "2 s".
        mock.clock.set(1_800_000_000)
        stale = mock.sigma.issue_token("admin@sigma.io", expires_in=-1)
        refused = requests.get(
            server.url + "/api/v1/roles", headers={"Authorization": f"Bearer {stale}"}, timeout=10
        )
        assert refused.status_code == 401
        entry = demo.journal_entries().nth(0)
        expect(entry).to_contain_text("GET /api/v1/roles 401 expired")
        entry.locator("summary").click()
        expect(entry.locator("pre")).to_contain_text(
            '"detail": "expired 1 s ago on the emulator\'s clock (set to 2027-01-15T08:00:00.000Z)"'
        )
        demo.assert_clean()
