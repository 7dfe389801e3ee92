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
from contextlib import nullcontext
from typing import Any
from urllib.parse import urlsplit

from werkzeug.http import HTTP_STATUS_CODES

from authmock.apis import ApiHttp, HttpContext
from authmock.effects import TIMED_OUT
from authmock.emulator import Emulator
from authmock.faults import Fault
from authmock.http.access_log import CALL_KEY
from authmock.http.admin import Admin
from authmock.http.admin_kit import admin_error
from authmock.http.exchange import (
    IN_PROCESS,
    JSON_HEADER,
    MAX_BODY,
    WAITING,
    BadFraming,
    ConnectionFault,
    Exchange,
    PayloadTooLarge,
    Reply,
    default_port,
)
from authmock.http.framing import framing_problem
from authmock.http.guard import HostPolicy, host_name, refused_host_message
from authmock.http.instances import Instances
from authmock.http.ui import UiPages
from authmock.journal import RawCall, kept_request
from authmock.reasons import Refusal
from authmock.security import mask_body

StartResponse = Callable[..., Any]
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
_JSON_HEADERS = (JSON_HEADER,)


# A test asks for the same few URLs over and over, and interception asks for
# each whether it is the emulator's: urlsplit once per URL. Bounded (URLs carry ids).
@functools.lru_cache(maxsize=2048)
def _host_and_path(url: str) -> tuple[str, str]:
    """A URL's host (lowercase, default port dropped) and path."""
    parts = urlsplit(url)
    return default_port(parts.netloc.lower(), parts.scheme), parts.path or "/"


def _is_admin(path: str) -> bool:
    return path.startswith("/_authmock/") or path == "/_authmock"


class App:
    """The WSGI application of one emulator."""

    def __init__(self, emulator: Emulator) -> None:
        self.emulator = emulator
        self.apis = emulator.apis
        # Each API's HTTP layer, by name, in registration order.
        self.http: dict[str, ApiHttp] = {
            api.name: api.http(
                emulator.backends[api.name],
                HttpContext(
                    emulator.handler_error,
                    emulator.routes,
                    emulator.options.get(api.name, {}),
                ),
            )
            for api in self.apis
        }
        layers = list(self.http.values())
        unclaimed = [a.name for a in self.apis if a.serves_unclaimed_paths]
        # On a server: the APIs that claim their paths, then the one at the root.
        self._by_path = [h for h in layers if h.name not in unclaimed]
        self._root: ApiHttp | None = self.http[unclaimed[0]] if unclaimed else None
        self._by_host = layers
        self.ui = UiPages()
        self.admin_token: str | None = None
        # Opt-in: send each refusal's reason as X-Authmock-Reason (off: byte-identical).
        self.reason_header = False
        # The Host names answered outside in-process calls. A live server puts
        # its own policy (bound address, --allow-host) in ``authmock.hosts``.
        self.host_policy = HostPolicy()
        # Where POST /_authmock/reset may read scenario files (bundled names aside).
        self.scenario_dir: str | os.PathLike[str] | None = None
        # Isolated instances (/_i/<id>/, X-Authmock-Instance); None inside an instance.
        self.instances: Instances | None = Instances(self)

    @functools.cached_property
    def admin(self) -> Admin:
        """Built on first use: its ~30 routes cost ~0.2 ms, a cheap instance's whole budget."""
        return Admin(self)

    def credentials(self) -> dict[str, Any]:
        """Every API's seeded sign-in data, as ``authmock tenants --json`` prints it."""
        data = self.emulator.data
        document: dict[str, Any] = {"seed": self.emulator.seed}
        for api in self.apis:
            section = api.credentials(data.section(api.name), self.http[api.name])
            if section is not None:
                document[api.name] = section
        return document

    # -- which API a request is for ------------------------------------------------
    def intercepts(self, url: str) -> bool:
        """Whether a URL belongs to this emulator (in-process interception)."""
        host, path = _host_and_path(url)
        for layer in self._by_host:
            try:
                if layer.route_host(host, path) is not None:
                    return True
            except ConnectionFault:
                return True  # a host of an API that is gone: refused, never sent out
        return False

    def _target(self, environ: dict[str, Any]) -> tuple[ApiHttp, str, str | None] | None:
        """(api, api path, tenant named by host or path) for a request; None for
        the admin surface (the admin API, and the demo page at the server's root)."""
        path: str = environ.get("PATH_INFO") or "/"
        host = default_port(
            str(environ.get("HTTP_HOST", "")).lower(), environ.get("wsgi.url_scheme", "http")
        )
        for layer in self._by_host:
            # May raise ConnectionFault("refused") for a host of an API that is gone.
            routed = layer.route_host(host, path)
            if routed is not None:
                api_path, tenant = routed
                if _is_admin(api_path):
                    # The admin API on an API's host (under sigma_url's path, as if at the root).
                    environ["PATH_INFO"] = api_path
                    return None
                return layer, api_path, tenant
        if _is_admin(path) or path == "/":
            return None  # the admin API, or the server's root: the demo page
        for layer in self._by_path:
            routed = layer.route_path(path)
            if routed is not None:
                return layer, routed[0], routed[1]
        if self._root is None:
            return None
        routed = self._root.route_path(path)
        return None if routed is None else (self._root, routed[0], routed[1])

    # -- WSGI ------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: StartResponse) -> Iterable[bytes]:
        status, headers, body = self.answer(environ)
        start_response(_STATUS_LINES.get(status) or f"{status} Unknown", headers)
        return body

    def answer(self, environ: dict[str, Any]) -> tuple[int, list[tuple[str, str]], Iterable[bytes]]:
        """What ``__call__`` answers: status, headers (hardening and length
        included) and body. The in-process ways call it directly, skipping
        the status line's round trip through text."""
        reply = self.respond(environ)
        headers = reply.headers
        for name, _ in headers:
            if name.lower() in _HARDENING_NAMES:  # a reply that set its own (rare)
                present = {name.lower() for name, _ in headers}
                headers.extend(h for h in HARDENING if h[0].lower() not in present)
                break
        else:
            headers.extend(HARDENING)
        headers.append(("Content-Length", str(len(reply.body))))
        if environ["REQUEST_METHOD"] == "HEAD" or reply.status in (204, 304):
            return reply.status, headers, [b""]
        return reply.status, headers, [reply.body] if reply.chunks is None else reply.chunks

    def emulated_host(self, name: str) -> bool:
        """Whether a host name is one of an emulated API's public hosts."""
        return any(layer.emulated_host(name) for layer in self._by_host)

    def _refusal(self, environ: dict[str, Any]) -> Reply | None:
        """403 for a Host this server does not answer (DNS rebinding), 400 for a
        body whose length is ambiguous: before routing, so they change nothing.
        Not for an in-process call: its Host is the URL the client chose and its
        body is already in memory."""
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
            return admin_error(status, message)
        return target[0].error(status, "FORBIDDEN" if status == 403 else None, message)

    def respond(self, environ: dict[str, Any]) -> Reply:
        """Answer one request, or raise :class:`ConnectionFault`."""
        if not environ.get(IN_PROCESS):  # in-process: never crossed a network
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
        with environ.get(WAITING, nullcontext)():  # the live server's gate is free meanwhile
            if limit is not None and limit < seconds:
                if not self.emulator.wake.wait(limit):
                    raise TIMED_OUT.fail()
                return  # released before the client gave up: answer now
            self.emulator.wake.wait(seconds)

    def _record_refused(
        self, environ: dict[str, Any], exc: ConnectionFault, started: float
    ) -> None:
        """A connection an API refused (a BigID deployment that does not exist)."""
        layer = self.http.get(exc.api or "")
        if layer is None or not self.emulator.journal.limit:
            return
        ex = Exchange(environ, layer.name, exc.path, exc.deployment or None)
        self._record(ex, 0, None, layer, None, started, exc.refusal)

    def _record(
        self,
        ex: Exchange,
        status: int,
        fault: Fault | None,
        api: ApiHttp,
        reply: Reply | None,
        started: float,
        refusal: Refusal | None,
    ) -> None:
        """Journal one call (status 0: no answer) with why it was refused, if it was."""
        if not self.emulator.journal.limit:
            return
        duration = time.perf_counter() - started
        cached = ex.environ.get("authmock.body")
        has_body = bool(cached) if cached is not None else (ex.declared_length() or 0) > 0
        body = ex.json_or_none() if has_body else None
        tenant = ex.tenant or ex.deployment
        if tenant is None and fault is not None:
            # Answered by the fault before routing: the tenant as faults see it.
            tenant = api.fault_tenant(ex)
        if reply is None:
            answer_headers: tuple[tuple[str, str], ...] = ()
        elif len(reply.headers) == 1 and reply.headers[0] is JSON_HEADER:
            answer_headers = _JSON_HEADERS  # most answers: no new tuple to keep
        else:
            answer_headers = tuple(reply.headers)  # before the hardening headers
        environ = ex.environ
        in_process = environ.get(IN_PROCESS)
        # A bodiless in-process environ is this call's own and small: kept as it
        # is until read. Otherwise only its headers and URL (no socket, no body
        # beyond the journal's capped copy).
        request = environ if in_process and not has_body else kept_request(environ)
        call = RawCall(
            ex.api,
            ex.method,
            ex.path,
            status,
            tenant,
            ex.principal,
            self.emulator.clock.now(),
            request,
            mask_body(body) if body is not None else None,
            fault.id if fault else None,
            answer_headers,
            reply.body if reply else None,
            duration,
            refusal.reason if refusal else None,
            refusal.detail if refusal else None,
        )
        self.emulator.journal.record_raw(call)
        if not in_process:
            environ[CALL_KEY] = call  # for the server's access log
