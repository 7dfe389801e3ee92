"""What the in-process ways share: patching a client library while any mock is
active, and one mock's claim on its hosts.

A way in for a client library (requests, httpx; aiohttp or urllib3 would be
the same) is three things:

1. replacement functions for the library's methods where it picks a
   connection or transport for a URL; each asks its :class:`ClientPatch` for
   the :meth:`~ClientPatch.claimant` of the URL (an active mock) and, when
   there is none, calls the :meth:`~ClientPatch.original`;
2. one module-level ``ClientPatch((owner, name, replacement), ...)``;
3. an :class:`Interceptor` subclass carrying what the replacements need to
   answer from the engine (``wsgi_call.build_environ`` and ``call``), and
   turning a :class:`~authmock.http.exchange.ConnectionFault` into the
   library's own exception.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from authmock.ways.wsgi_call import WsgiApp

InterceptorT = TypeVar("InterceptorT", bound="Interceptor")


class ClientPatch(Generic[InterceptorT]):
    """Methods patched onto a client library's classes while any interceptor is
    active, and the active interceptors, newest first.

    The first :meth:`add` patches every ``(owner, name, replacement)`` in and
    keeps the originals; the last :meth:`remove` puts them back. A method the
    installed library version lacks is skipped (that step of interception is
    lost; explicit transports still work). Safe across threads: a request in
    flight while another thread stops the last mock still finds the original.
    """

    def __init__(self, *patches: tuple[type, str, Callable[..., Any]]) -> None:
        self._patches = patches
        self._lock = threading.Lock()
        self.active: list[InterceptorT] = []
        self._originals: dict[tuple[type, str], Any] = {}

    def add(self, interceptor: InterceptorT) -> None:
        with self._lock:
            if interceptor in self.active:
                return
            self.active.insert(0, interceptor)
            if len(self.active) == 1:
                for owner, name, replacement in self._patches:
                    original = owner.__dict__.get(name)
                    if original is not None:
                        self._originals[(owner, name)] = original
                        setattr(owner, name, replacement)

    def remove(self, interceptor: InterceptorT) -> None:
        with self._lock:
            if interceptor in self.active:
                self.active.remove(interceptor)
            if not self.active:
                for (owner, name), original in self._originals.items():
                    setattr(owner, name, original)
                self._originals = {}

    def original(self, owner: type, name: str) -> Any:
        """The unpatched ``owner.name`` (after a concurrent last stop, the one
        already back on the class)."""
        return self._originals.get((owner, name)) or owner.__dict__[name]

    def claimant(self, url: str) -> InterceptorT | None:
        """The newest active interceptor claiming ``url``, or None."""
        for interceptor in self.active:
            if interceptor.claims(url):
                return interceptor
        return None

    def forbids_network(self) -> bool:
        """Whether an active mock was started with ``allow_network=False``."""
        return any(not interceptor.allow_network for interceptor in self.active)


class Interceptor:
    """One mock's claim on its hosts for one client library: a URL is claimed
    when the mock owns it and no passthrough prefix matches."""

    def __init__(
        self,
        app: WsgiApp,
        owns: Callable[[str], bool],
        passthrough: tuple[str, ...],
        allow_network: bool,
        patch: ClientPatch[Any],
    ) -> None:
        self.app = app
        self.allow_network = allow_network
        self._owns = owns
        self._passthrough = passthrough
        self._patch = patch

    def claims(self, url: str) -> bool:
        return self._owns(url) and not url.startswith(self._passthrough)

    def start(self) -> None:
        self._patch.add(self)

    def stop(self) -> None:
        self._patch.remove(self)
