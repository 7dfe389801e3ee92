"""What the in-process ways share: one mock's claim on its hosts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol


class Registry(Protocol):
    """A client library's active interceptors (patched in while any is active)."""

    def add(self, interceptor: Any) -> None: ...

    def remove(self, interceptor: Any) -> None: ...


class Interceptor:
    """A URL is claimed when the mock owns it and no passthrough prefix matches."""

    def __init__(
        self, owns: Callable[[str], bool], passthrough: tuple[str, ...], registry: Registry
    ) -> None:
        self._owns = owns
        self._passthrough = passthrough
        self._registry = registry

    def claims(self, url: str) -> bool:
        return self._owns(url) and not url.startswith(self._passthrough)

    def start(self) -> None:
        self._registry.add(self)

    def stop(self) -> None:
        self._registry.remove(self)
