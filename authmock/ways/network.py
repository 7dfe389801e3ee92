"""``allow_network=False``: no silent real network while a mock is active.

A request that is not for authmock's hosts, not for a loopback address and not
answered by the user's own ``responses``/respx mocks fails fast with the
client's connection error, naming authmock and the URL. The check sits where
the real network would begin (requests: the adapter's connection pool; httpx:
httpcore's TCP connect), so the user's mocks, which answer earlier, still do.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from authmock.loopback import is_loopback


def url_is_loopback(url: str) -> bool:
    return is_loopback(urlsplit(url).hostname or "")


def refusal(url: str) -> str:
    return (
        f"authmock: real network refused for {url} (AuthMock(allow_network=False)): "
        "not an authmock host, not loopback, and no mock of yours answered it"
    )
