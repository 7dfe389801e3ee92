"""Fault effects: what a fault of each ``kind`` does to the request it fires on.

A fault (:mod:`authmock.faults`) says *which* requests; its effect says *what
happens* to them. Each kind is one :class:`Effect` subclass, registered by its
``name``; the engine (``authmock/http/app.py``) and every way in ask the effect
what to do and never look at the kind's name. The hooks, in the order the
engine calls them:

- :meth:`Effect.parse` (a classmethod): the kind's own fields, validated when
  the fault is defined (:func:`authmock.faults.parse_fault`); :attr:`Effect.fields`
  lists which of the model's kind-specific fields the kind accepts.
- :meth:`Effect.before`: before the handler (the default waits the fault's ``delay``).
- :meth:`Effect.instead`: an answer in place of the handler, or ``None`` to let
  the handler answer; to fail the connection instead it raises
  :meth:`Connection.fail`.
- :meth:`Effect.on_reply`: the handler's reply, changed (or not) before it is
  sent; setting ``reply.chunks`` (the body's bytes as an iterable) makes a live
  server send each piece as it is produced (a body sent slowly).
- :meth:`Effect.answered`: whether the fault answered (the journal's reason
  ``fault ... answered 503``) or only delayed the real answer.
- :meth:`Effect.sleeps`: whether a hook may wait (``pause``), so that the async
  httpx transport keeps the event loop free.

A connection that fails instead of answering is a :class:`Connection`, carried
by :class:`~authmock.http.exchange.ConnectionFault` to the way in, which asks it:

- :meth:`Connection.on_socket`: what a live server does with the socket
  (:class:`Socket`: ``stall()`` until the client gives up, ``drop()`` the
  connection as that server can: an RST on werkzeug, an aborted response on granian);
- :meth:`Connection.on_client`: which of its library's errors an in-process
  client raises (:class:`Client`: ``timeout()``, ``reset()``, ``refused()``).

Adding a kind
-------------
One class plus its tests. Subclass :class:`Effect`, give it a ``name``, override
the hooks it needs, and :func:`register` it (built-in kinds are registered at
the end of this module; a test may register its own and :func:`unregister` it)::

    class Stamped(Effect):
        \"\"\"The real answer, with a header saying a fault saw it.\"\"\"

        name = "stamped"

        def on_reply(self, reply: Reply, ex: Exchange) -> Reply:
            reply.headers.append(("X-Stamped", self.fault.id))
            return reply

    register(Stamped)
    mock.faults.add(path="/healthz", kind="stamped")

A kind that fails the connection subclasses :class:`Connection` too, raises
``self.fail(self.fault.id)`` from ``instead`` and overrides ``on_socket`` /
``on_client`` where it differs from a reset (see :class:`Timeout`). A kind whose
hooks wait (``pause``, or a slow ``reply.chunks``) says so in ``sleeps()``, and waits
only that way: the live server runs one request at a time in the engine and lets
the next in during those waits (``authmock/ways/gate.py``). A kind may
use the model's fields (``delay``, ``body``, ...); a new field is added to
``authmock.faults.FIELDS`` and :class:`~authmock.faults.Fault`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, TypeVar

from authmock.http.exchange import ConnectionFault, Exchange, Reply

if TYPE_CHECKING:
    from authmock.faults import Fault, Spec

T = TypeVar("T")
E = TypeVar("E")
T_co = TypeVar("T_co", covariant=True)
E_co = TypeVar("E_co", covariant=True)
K = TypeVar("K", bound="type[Effect]")


class Socket(Protocol[T_co]):
    """What a live server can do with a connection instead of answering."""

    def stall(self) -> None:
        """Hold the connection, answering nothing, until the client gives up
        (a reset or stop of the emulator releases it)."""

    def drop(self) -> T_co:
        """End the connection the way this server can; returns (or raises) what
        the server's WSGI call returns instead of an answer."""
        ...


class Client(Protocol[E_co]):
    """The errors an in-process client library raises for a failed connection."""

    def timeout(self) -> E_co:
        """The read timeout: no answer came in time."""
        ...

    def reset(self) -> E_co:
        """The connection was reset after the request was sent."""
        ...

    def refused(self) -> E_co:
        """No connection at all (nothing listens): fails before the request is sent."""
        ...


class Connection:
    """A connection that fails instead of answering; by default a reset."""

    name: ClassVar[str] = "reset"

    def on_socket(self, sock: Socket[T]) -> T:
        return sock.drop()

    def on_client(self, client: Client[E]) -> E:
        return client.reset()

    def fail(self, fault_id: str | None = None, deployment: str | None = None) -> ConnectionFault:
        """The exception that carries this failure to the way in."""
        return ConnectionFault(self, fault_id, deployment)


class Stalled(Connection):
    """No answer: the client's read timeout."""

    name: ClassVar[str] = "timeout"

    def on_socket(self, sock: Socket[T]) -> T:
        # Stall in this request's own thread (other requests go on) until the
        # client gives up, then close.
        sock.stall()
        return sock.drop()

    def on_client(self, client: Client[E]) -> E:
        return client.timeout()


class Refused(Connection):
    """Nothing listens (a BigID deployment that does not exist)."""

    name: ClassVar[str] = "refused"

    def on_client(self, client: Client[E]) -> E:
        return client.refused()


RESET = Connection()
TIMED_OUT = Stalled()
REFUSED = Refused()


class Envelope(Protocol):
    """The emulated API a request is for, as an effect may answer in it."""

    def error(self, status: int, error: str | None = None, message: str | None = None) -> Reply: ...


class Effect:
    """What a fault of one kind does. One instance per fault (``self.fault``)."""

    name: ClassVar[str]
    # The model's kind-specific fields this kind accepts (faults.KIND_FIELDS).
    fields: ClassVar[tuple[str, ...]] = ()

    def __init__(self, fault: Fault) -> None:
        self.fault = fault

    @classmethod
    def parse(cls, spec: Spec, api: str | None, delay: float) -> dict[str, Any]:
        """The kind's own fields of a definition, validated (``raise
        spec.error(...)`` naming the field), as keyword arguments of
        :class:`~authmock.faults.Fault`. The common fields are checked already;
        fields of other kinds are refused before."""
        return {}

    def before(self, ex: Exchange, pause: Callable[[float], None]) -> None:
        """Before the handler; ``pause(seconds)`` waits as a slow server does."""
        if self.fault.delay:
            pause(self.fault.delay)

    def instead(self, api: Envelope, ex: Exchange) -> Reply | None:
        """An answer in place of the handler's; None lets the handler answer."""
        return None

    def on_reply(self, reply: Reply, ex: Exchange) -> Reply:
        """The handler's reply as it is sent."""
        return reply

    def answered(self) -> bool:
        """Whether the fault made the answer (False: it only delayed the real one)."""
        return True

    def sleeps(self) -> bool:
        """Whether a request may wait in a hook (the async httpx transport then
        runs the engine in a worker thread, not on the event loop)."""
        return bool(self.fault.delay)


_EFFECTS: dict[str, type[Effect]] = {}
# The kind of a fault defined without one.
DEFAULT_KIND = "http"


def register(effect: K) -> K:
    """Make ``effect`` the kind named ``effect.name`` (usable as a decorator)."""
    name = getattr(effect, "name", None)
    if not isinstance(name, str) or not name:
        raise ValueError(f"{effect.__name__} has no name")
    if name in _EFFECTS and _EFFECTS[name] is not effect:
        raise ValueError(f"fault kind '{name}' is already registered")
    _EFFECTS[name] = effect
    return effect


def unregister(name: str) -> None:
    """Remove a kind (faults already defined with it keep their effect)."""
    _EFFECTS.pop(name, None)


def lookup(name: str) -> type[Effect] | None:
    return _EFFECTS.get(name)


def kinds() -> Iterator[str]:
    """The registered kinds' names, built-in ones first."""
    return iter(tuple(_EFFECTS))


def accepting(field: str) -> list[str]:
    """The kinds that accept a kind-specific field."""
    return [name for name, effect in _EFFECTS.items() if field in effect.fields]


# -- the built-in kinds ------------------------------------------------------------


class Http(Effect):
    """An HTTP answer: ``status`` in the API's error envelope, or ``body``
    verbatim; with neither, ``delay`` alone lets the real answer through late."""

    name = DEFAULT_KIND
    fields = ("status", "error", "message", "body", "content_type", "headers")

    @classmethod
    def parse(cls, spec: Spec, api: str | None, delay: float) -> dict[str, Any]:
        body = spec.get("body")
        if body is not None and not isinstance(body, str):
            raise spec.error("fault field 'body' must be a string (sent verbatim)")
        if body is not None:
            # A verbatim answer: any final status, 200 unless given. A 1xx is not an
            # answer: over HTTP/1.1 the client waits on for one (in-process it would not).
            status = spec.number("status", True, 200, 599) or 200
            if status in (204, 304) and body:
                raise spec.error(f"fault field 'body': a {status} answer has no body (give '')")
            for name in ("error", "message"):
                if spec.get(name) is not None:
                    raise spec.error(
                        f"fault field '{name}' does not go with 'body' (put it in the body)"
                    )
        elif spec.get("status") == 200 and not isinstance(spec.get("status"), bool):
            # An API whose envelope fails at HTTP 200: BigID's production failure,
            # {"success": false, "message": ...}.
            if not spec.fails_at_200(api) or spec.get("message") is None:
                raise spec.error(
                    "fault field 'status' 200 needs a 'body', or api 'bigid' and a 'message' "
                    "(BigID's production failure)"
                )
            status = 200
        else:
            status = spec.number("status", True, 400, 599, " (any of 200-599 with a 'body')")
        if status is None:
            if not delay:
                raise spec.error(
                    "fault field 'status' is required for kind 'http'"
                    " (or give a 'body' or a 'delay')"
                )
            for name in ("error", "message", "content_type", "headers"):
                if spec.get(name) is not None:
                    raise spec.error(f"fault field '{name}' needs a 'status' or a 'body'")
        return {
            "status": status,
            "error": spec.text("error"),
            "message": spec.text("message"),
            "body": body,
            "content_type": spec.one_line("content_type"),
            "headers": spec.headers(),
        }

    def instead(self, api: Envelope, ex: Exchange) -> Reply | None:
        fault = self.fault
        if fault.body is not None:
            headers = self.dress([("Content-Type", self.body_type())])
            return Reply(fault.status or 200, fault.body.encode("utf-8"), headers)
        if fault.status is not None:
            reply = api.error(fault.status, fault.error, fault.message)
            reply.headers = self.dress(reply.headers)
            return reply
        return None

    def answered(self) -> bool:
        return self.fault.status is not None

    def dress(self, headers: list[tuple[str, str]]) -> list[tuple[str, str]]:
        """An answer's headers with ``content_type`` and ``headers`` put over them."""
        given = dict(self.fault.headers or {})
        if self.fault.content_type:
            given.setdefault("Content-Type", self.fault.content_type)
        lowered = {name.lower() for name in given}
        return [h for h in headers if h[0].lower() not in lowered] + list(given.items())

    def body_type(self) -> str:
        """The Content-Type of a ``body`` given without one: JSON if it parses."""
        if self.fault.content_type:
            return self.fault.content_type
        try:
            json.loads(self.fault.body or "")
        except ValueError:
            return "text/plain; charset=utf-8"
        return "application/json"


class Reset(Effect, Connection):
    """The connection is reset after the request was sent: no answer."""

    name = "reset"

    def instead(self, api: Envelope, ex: Exchange) -> Reply | None:
        raise self.fail(self.fault.id)


class Timeout(Effect, Stalled):
    """No answer at all, until the client's read timeout."""

    name = "timeout"

    def instead(self, api: Envelope, ex: Exchange) -> Reply | None:
        raise self.fail(self.fault.id)


class Malformed(Effect):
    """A 200 whose JSON is cut off halfway, whatever the real answer was."""

    name = "malformed"

    def on_reply(self, reply: Reply, ex: Exchange) -> Reply:
        body = reply.body or b'{"error":"'
        headers = [h for h in reply.headers if h[0] not in ("Allow", "Retry-After")]
        return Reply(200, body[: max(1, len(body) // 2)], headers)


for _builtin in (Http, Reset, Timeout, Malformed):
    register(_builtin)
