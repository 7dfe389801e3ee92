"""Each registered API's built-in route table: what the OpenAPI and
schemathesis tests hold every served document to."""

from __future__ import annotations

from authmock import AuthMock
from authmock.http.routes import Endpoints, Route


def route_tables() -> dict[str, tuple[Route, ...]]:
    """Name -> ``ROUTES`` of every registered API whose HTTP layer is routed
    by the one dispatcher (``authmock.http.routes.Endpoints``)."""
    layers = AuthMock(seed=1).wsgi_app.http
    tables = {name: type(h).ROUTES for name, h in layers.items() if isinstance(h, Endpoints)}
    assert {"sigma", "bigid"} <= set(tables), tables  # never silently empty
    return tables
