"""The engine: one WSGI application behind every way in.

Dispatch by host (the in-process hosts of each API) or, on the live server,
by path; then faults, then the API's endpoints, then the journal. The admin
API (``/_authmock/*``) is never faulted and never journaled.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, Protocol
from urllib.parse import urlsplit

from werkzeug.http import HTTP_STATUS_CODES

from authmock.bigid.views import SERVER_PREFIX, BigidHttp, host_deployment
from authmock.effects import TIMED_OUT
from authmock.emulator import Emulator
from authmock.faults import Fault
from authmock.http.access_log import CALL_KEY
from authmock.http.exchange import (
    IN_PROCESS,
    MAX_BODY,
    BadFraming,
    ConnectionFault,
    Exchange,
    PayloadTooLarge,
    Reply,
)
from authmock.http.framing import framing_problem
from authmock.http.guard import HostPolicy, host_name, refused_host_message
from authmock.http.instances import Instances
from authmock.http.ui import UiPages
from authmock.journal import Call, PendingAnswer
from authmock.reasons import Refusal
from authmock.security import mask_body
from authmock.sigma.views import SigmaHttp

if TYPE_CHECKING:
    from authmock.http.admin import Admin

StartResponse = Callable[..., Any]
DEFAULT_SIGMA_URL = "https://api.sigma-pim.com"
_STATUS_LINES = {code: f"{code} {phrase}" for code, phrase in HTTP_STATUS_CODES.items()}
REASON_HEADER = "X-Authmock-Reason"
# On every response unless the reply set its own (the demo page sets its CSP; a
# user route's Response may set anything). no-store everywhere: most answers
# carry a token, a key or a password, none is worth caching, and one rule cannot
# miss an endpoint. The CSP makes even a text/html answer (BigID's production
# style) inert in a browser: no script, no frame, no subresource.
HARDENING = (
    ("X-Content-Type-Options", "nosniff"),
    ("Cache-Control", "no-store"),
    ("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'"),
)
_HARDENING_NAMES = frozenset(name.lower() for name, _ in HARDENING)


def request_url(environ: dict[str, Any]) -> str:
    """The URL a request was sent to, as its client saw it (an instance's prefix
    included). Plain concatenation: werkzeug's get_current_url costs ~20 µs."""
    url = (
        f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        f"{environ.get('SCRIPT_NAME', '')}{environ.get('PATH_INFO', '')}"
    )
    query = environ.get("QUERY_STRING")
    return f"{url}?{query}" if query else url


class ApiHttp(Protocol):
    """What the engine needs of each emulated API's HTTP layer."""

    name: str

    def handle(self, ex: Exchange) -> Reply: ...

    def error(self, status: int, error: str | None = None, message: str | None = None) -> Reply: ...

    def fault_tenant(self, ex: Exchange) -> str | None: ...


def host_of(url: str) -> str:
    parts = urlsplit(url if "://" in url else f"https://{url}")
    return parts.netloc.lower()


def _default_port(host: str, scheme: str) -> str:
    if scheme == "https" and host.endswith(":443"):
        return host[:-4]
    if scheme == "http" and host.endswith(":80"):
        return host[:-3]
    return host


class App:
    """The WSGI application of one emulator."""

    def __init__(self, emulator: Emulator, sigma_url: str = DEFAULT_SIGMA_URL) -> None:
        self.emulator = emulator
        self.sigma_url = sigma_url.rstrip("/")
        self.sigma_host = host_of(self.sigma_url)
        self.sigma_prefix = urlsplit(self.sigma_url).path.rstrip("/")
        self.sigma = SigmaHttp(emulator.sigma, emulator.handler_errors.append, emulator.routes)
        self.bigid = BigidHttp(emulator.bigid, emulator.handler_errors.append, emulator.routes)
        self.ui = UiPages()
        self.admin_token: str | None = None
        # Opt-in: send each refusal's reason as X-Authmock-Reason (off: byte-identical).
        self.reason_header = False
        # The Host names answered outside in-process calls. A live server puts
        # its own policy (bound address, --allow-host) in ``authmock.hosts``.
        self.host_policy = HostPolicy()
        self._sigma_hostname = (urlsplit(self.sigma_url).hostname or "").rstrip(".")
        # Where POST /_authmock/reset may read scenario files (bundled names aside).
        self.scenario_dir: str | os.PathLike[str] | None = None
        # Isolated instances (/_i/<id>/, X-Authmock-Instance); None inside an instance.
        self.instances: Instances | None = Instances(self)

    @functools.cached_property
    def admin(self) -> Admin:
        """Built on first use: its ~30 routes cost ~0.2 ms, a cheap instance's whole budget."""
        from authmock.http.admin import Admin

        return Admin(self)

    # -- which API a request is for ------------------------------------------------
    def intercepts(self, url: str) -> bool:
        """Whether a URL belongs to this emulator (in-process interception)."""
        parts = urlsplit(url)
        host = _default_port(parts.netloc.lower(), parts.scheme)
        if host_deployment(host) is not None:
            return True  # every *.bigid.com host: unknown ones are refused, never sent out
        return host == self.sigma_host and self._under_prefix(parts.path or "/")

    def _under_prefix(self, path: str) -> bool:
        """Whether a path lies under sigma_url's path, segment-wise (/pim, not /pimx)."""
        prefix = self.sigma_prefix
        return not prefix or path == prefix or path.startswith(prefix + "/")

    def _target(self, environ: dict[str, Any]) -> tuple[ApiHttp, str, str | None] | None:
        """(api, api path, deployment) for a request; None for the admin surface
        (the admin API, and the demo page at the server's root)."""
        path: str = environ.get("PATH_INFO") or "/"
        host = _default_port(
            str(environ.get("HTTP_HOST", "")).lower(), environ.get("wsgi.url_scheme", "http")
        )
        # Raises ConnectionFault("refused") for a *.bigid.com host that is no deployment.
        deployment = self.bigid.host_target(host)
        if host == self.sigma_host and self.sigma_prefix and self._under_prefix(path):
            # Everything under sigma_url's path, the admin API included, as if at the root.
            path = path[len(self.sigma_prefix) :] or "/"
            environ["PATH_INFO"] = path
        if path.startswith("/_authmock/") or path == "/_authmock":
            return None
        if deployment is not None:
            return self.bigid, path, deployment
        if host == self.sigma_host:
            return self.sigma, path, None
        if path == "/":
            return None  # the server's root: the demo page (admin surface)
        # Server mode: /bigid/{deployment}/... and BigID's /api/v1 routes, else Sigma.
        routed = self.bigid.path_target(path)
        if routed is not None:
            return self.bigid, routed[0], routed[1]
        return self.sigma, path, None

    # -- WSGI ------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        reply = self.respond(environ)
        headers = reply.headers
        present = {name.lower() for name, _ in headers}
        if present.isdisjoint(_HARDENING_NAMES):
            headers.extend(HARDENING)
        else:
            headers.extend(h for h in HARDENING if h[0].lower() not in present)
        headers.append(("Content-Length", str(len(reply.body))))
        status = _STATUS_LINES.get(reply.status) or f"{reply.status} Unknown"
        start_response(status, headers)
        if environ["REQUEST_METHOD"] == "HEAD" or reply.status in (204, 304):
            return [b""]
        return [reply.body] if reply.chunks is None else reply.chunks

    def emulated_host(self, name: str) -> bool:
        """Whether a host name is one of the emulated APIs' (Sigma's, any BigID one)."""
        return name == self._sigma_hostname or host_deployment(name) is not None

    def _refusal(self, environ: dict[str, Any]) -> Reply | None:
        """403 for a Host this server does not answer (DNS rebinding), 400 for a
        body whose length is ambiguous: before routing, so they change nothing."""
        if environ.get(IN_PROCESS):
            return None  # never crossed a network; the body is already in memory
        header = environ.get("HTTP_HOST")
        if header is not None:  # no browser omits Host
            policy: HostPolicy = environ.get("authmock.hosts") or self.host_policy
            name = host_name(header)
            if name is None or not policy.allows(name, self.emulated_host):
                return self._refuse(environ, 403, refused_host_message(header))
        problem = framing_problem(environ)
        if problem is not None:
            environ["authmock.body"] = b""  # never read: the framing is unknown
            return self._refuse(environ, 400, problem)
        return None

    def _refuse(self, environ: dict[str, Any], status: int, message: str) -> Reply:
        """An answer before routing, in the envelope of the API the path is for."""
        try:
            target = self._target(environ)
        except ConnectionFault:
            target = None
        if target is None:
            from authmock.http.admin import admin_error

            return admin_error(status, message)
        return target[0].error(status, "FORBIDDEN" if status == 403 else None, message)

    def respond(self, environ: dict[str, Any]) -> Reply:
        """Answer one request, or raise :class:`ConnectionFault`."""
        refused = self._refusal(environ)
        if refused is not None:
            return refused
        if self.instances is not None:
            routed = self.instances.route(environ)
            if routed is not None:
                return routed if isinstance(routed, Reply) else routed.respond(environ)
        started = time.perf_counter()
        try:
            target = self._target(environ)
        except ConnectionFault as exc:
            self._record_refused(environ, exc, started)
            raise
        if target is None:
            return self.ui.reply(environ) or self.admin.handle(environ)
        api, path, deployment = target
        ex = Exchange(environ, api.name, path, deployment)
        faults = self.emulator.faults
        fault = (
            faults.check(api.name, ex.method, path, lambda: api.fault_tenant(ex))
            if len(faults)
            else None
        )
        try:
            reply = self._answer(api, ex, fault)
        except ConnectionFault as exc:
            exc.fault_id = fault.id if fault else None
            refusal = Refusal("fault", f"{fault.describe()} {exc.kind}") if fault else None
            self._record(ex, 0, fault, api, None, started, refusal)
            raise
        except BadFraming as exc:
            environ["authmock.body"] = b""  # what could be read is no body
            reply = api.error(400, None, f"bad request body: {exc}")
            reply.refusal = Refusal("invalid_request", f"bad request body: {exc}")
        except PayloadTooLarge:  # a chunked body read for a user route
            environ["authmock.body"] = b""
            reply = api.error(413)
            reply.refusal = Refusal("invalid_request", "the request body is over 1 MiB")
        if fault is not None and fault.effect.answered():
            # The fault answered (a delay alone lets the real answer through).
            reply.refusal = Refusal("fault", f"{fault.describe()} answered {reply.status}")
        if self.reason_header and reply.refusal is not None:
            reply.headers.append((REASON_HEADER, reply.refusal.header()))
        self._record(ex, reply.status, fault, api, reply, started, reply.refusal)
        return reply

    def _answer(self, api: ApiHttp, ex: Exchange, fault: Fault | None) -> Reply:
        # The fault's effect (authmock.effects) decides: before, instead of, after
        # the handler; a connection fault is raised from ``instead``.
        effect = fault.effect if fault is not None else None
        if effect is not None:
            effect.before(ex, functools.partial(self._pause, ex.environ))
            answer = effect.instead(api, ex)
            if answer is not None:
                return answer
        length = ex.declared_length()
        if length is not None and length > MAX_BODY:
            reply = api.error(413)
            detail = f"Content-Length {length} is over the {MAX_BODY} bytes accepted"
            reply.refusal = Refusal("invalid_request", detail)
            return reply
        reply = api.handle(ex)
        return effect.on_reply(reply, ex) if effect is not None else reply

    def _pause(self, environ: dict[str, Any], seconds: float) -> None:
        """Answer late, as a slow server does; reset/stop release the wait.

        In-process the client's read timeout is known (``authmock.read_timeout``):
        when it is shorter, the client gives up then, as it would on the network."""
        limit = environ.get("authmock.read_timeout")
        if limit is not None and limit < seconds:
            if not self.emulator.wake.wait(limit):
                raise TIMED_OUT.fail()
            return  # released before the client gave up: answer now
        self.emulator.wake.wait(seconds)

    def _record_refused(
        self, environ: dict[str, Any], exc: ConnectionFault, started: float
    ) -> None:
        """A connection refused for a BigID deployment that does not exist."""
        if exc.deployment is None or not self.emulator.journal.limit:
            return
        path: str = environ.get("PATH_INFO") or "/"
        if path.startswith(SERVER_PREFIX):
            path = "/" + path[len(SERVER_PREFIX) :].partition("/")[2]
        ex = Exchange(environ, "bigid", path, exc.deployment or None)
        detail = (
            f"deployment '{exc.deployment}' does not exist (removed, or never added):"
            " the connection is refused"
            if exc.deployment
            else "no BigID deployment exists: the connection is refused"
        )
        refusal = Refusal("deployment_not_found", detail)
        self._record(ex, 0, None, self.bigid, None, started, refusal)

    def _record(
        self,
        ex: Exchange,
        status: int,
        fault: Fault | None,
        api: ApiHttp,
        reply: Reply | None = None,
        started: float | None = None,
        refusal: Refusal | None = None,
    ) -> None:
        """Journal one call (status 0: no answer) with why it was refused, if it was."""
        if not self.emulator.journal.limit:
            return
        duration = time.perf_counter() - started if started is not None else 0.0
        cached = ex.environ.get("authmock.body")
        has_body = bool(cached) if cached is not None else (ex.declared_length() or 0) > 0
        body = ex.json_or_none() if has_body else None
        tenant = ex.tenant or ex.deployment
        if tenant is None and fault is not None:
            # Answered by the fault before routing: the tenant as faults see it.
            tenant = api.fault_tenant(ex)
        self.emulator.journal.record(
            call := Call(
                api=ex.api,
                method=ex.method,
                path=ex.path,
                status=status,
                tenant=tenant,
                principal=ex.principal,
                timestamp=self.emulator.clock.now(),
                headers=ex.headers(),  # masked when the journal is read
                body=mask_body(body),
                fault=fault.id if fault else None,
                url=request_url(ex.environ),
                response_headers=dict(reply.headers) if reply else {},
                # Decoded and masked when the journal is read, not on every call.
                response_body=PendingAnswer(reply.body) if reply and reply.body else None,
                duration=duration,
                reason=refusal.reason if refusal else None,
                detail=refusal.detail if refusal else None,
            ),
            unmasked_headers=True,
        )
        ex.environ[CALL_KEY] = call  # for the server's access log
