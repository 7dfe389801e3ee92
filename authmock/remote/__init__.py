"""``RemoteAuthMock``: the control API of :class:`~authmock.AuthMock`, for a running server.

A test written against one works against the other: the same ``clock``,
``faults``, ``calls``, ``reset``, ``state``, ``sigma`` and ``bigid`` names,
driven over the server's admin API (``/_authmock/``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from authmock import scenario as scenarios
from authmock.apis import registered_apis
from authmock.bigid.models import SANDBOX
from authmock.control import ApiControls, JournalAssertions
from authmock.remote.client import (
    AdminApiError,
    AdminBadRequest,
    AdminClient,
    AdminNotFound,
    AdminUnavailable,
)
from authmock.remote.control import RemoteApi, RemoteClock, RemoteFaults, RemoteJournal

if TYPE_CHECKING:
    from authmock.bigid.remote import RemoteBigid
    from authmock.sigma.remote import RemoteSigma

__all__ = [
    "AdminApiError",
    "AdminBadRequest",
    "AdminNotFound",
    "AdminUnavailable",
    "RemoteApi",
    "RemoteAuthMock",
]


INSTANCE_PREFIX = "/_i/"


class RemoteAuthMock(ApiControls, JournalAssertions):
    """Drives an authmock server (``authmock serve``, ``mock.serve()``) at ``url``.

    ``admin_token`` is sent as ``X-Authmock-Admin`` (for ``serve --admin-token``).
    Admin errors raise :class:`AdminApiError` (404 as a ``KeyError``, 400 as
    a ``ValueError``, as the in-process API does).
    """

    def __init__(
        self,
        url: str,
        admin_token: str | None = None,
        *,
        timeout: float = 30.0,
        verify: bool | str = True,
    ) -> None:
        # verify: as in requests, e.g. the .ca_path of a server started with tls=True.
        self._admin = AdminClient(url, admin_token, timeout, verify)
        self._admin_token = admin_token
        self._timeout = timeout
        self._verify = verify
        # The CA bundle the server is verified with (a tls=True server's), else None.
        self.ca_path: str | None = verify if isinstance(verify, str) else None
        self.url = self._admin.url
        # An instance's URL is {server}/_i/{id}: everything here then drives that instance.
        server, marker, instance_id = self.url.rpartition(INSTANCE_PREFIX)
        self.instance_id: str | None = instance_id if marker and "/" not in instance_id else None
        self.server_url = server if self.instance_id is not None else self.url
        self._server: AdminClient | None = None
        # On the server, Sigma answers at the root: {url}/api/v1/...
        self.sigma_url = self.url
        self.clock = RemoteClock(self._admin)
        self.faults = RemoteFaults(self._admin)
        self._calls = RemoteJournal(self._admin)
        # Each registered API's remote control object (``remote.api(name)``).
        self._controls = {api.name: api.remote(self._admin) for api in registered_apis()}
        self._served: list[str] | None = None  # the server's APIs, asked once

    @property
    def sigma(self) -> RemoteSigma:
        control: RemoteSigma = self._controls["sigma"]
        return control

    @property
    def bigid(self) -> RemoteBigid:
        control: RemoteBigid = self._controls["bigid"]
        return control

    def api(self, name: str) -> Any:
        """The control object of an API the server emulates, by name
        (``remote.api("sigma")`` is ``remote.sigma``). The server is the authority
        on its APIs: one this process has no code for is a :class:`RemoteApi`
        (its state, faults, journal and admin routes); a name the server does
        not emulate is a ``KeyError`` naming the APIs it does."""
        served = self._served_apis()
        if name not in served:
            lacks = ": this process has its code, the server does not emulate it"
            raise KeyError(
                f"no emulated API {name!r} on {self.url} (one of {', '.join(served)})"
                + (lacks if name in self._controls else "")
            )
        control = self._controls.get(name)
        if control is None:
            control = RemoteApi(name, self._admin, self.faults, self._calls)
            self._controls[name] = control
        return control

    def _served_apis(self) -> list[str]:
        """The APIs the server emulates (``GET /_authmock``'s ``apis``; a server
        older than that list, or than the index, is taken to have this process's)."""
        if self._served is None:
            try:
                index = self._admin.call("GET", "")
            except AdminNotFound:
                index = None
            served = index.get("apis") if isinstance(index, dict) else None
            self._served = [str(name) for name in served or self._controls]
        return self._served

    @property
    def calls(self) -> RemoteJournal:
        return self._calls

    @property
    def seed(self) -> int:
        """The seed the server's data was made from (changed by ``reset(seed=...)``)."""
        return int(self._admin.call("GET", "/state")["seed"])

    _owned = False

    def bigid_url(self, deployment: str | None = SANDBOX) -> str:
        """A deployment's API base on the server; None means the default deployment's,
        served at ``{url}/api/v1``."""
        if deployment is None:
            return f"{self.url}/api/v1"
        return f"{self.url}/bigid/{deployment}/api/v1"

    def reset(
        self,
        seed: int | None = None,
        scenario: str | os.PathLike[str] | Mapping[str, Any] | None = None,
    ) -> None:
        """Back to the seeded state; with ``seed``/``scenario``, reseed with those.

        A scenario path is read here (relative to this process), not by the server.
        """
        body: dict[str, Any] = {}
        if seed is not None:
            body["seed"] = seed
        if scenario is not None:
            body["scenario"] = scenarios.load(scenario)
        self._admin.call("POST", "/reset", body)

    def state(self) -> dict[str, Any]:
        """``GET /_authmock/state``: never a hash or a raw key."""
        return dict(self._admin.call("GET", "/state"))

    def snapshot(self) -> dict[str, Any]:
        """``GET /_authmock/snapshot``: the whole state as one versioned document."""
        return dict(self._admin.call("GET", "/snapshot"))

    def restore(self, document: Mapping[str, Any]) -> None:
        """``POST /_authmock/snapshot``: replace the whole state with a snapshot's."""
        self._admin.call("POST", "/snapshot", dict(document))

    # -- instances --------------------------------------------------------------------
    def new_instance(
        self,
        seed: int | None = None,
        scenario: str | os.PathLike[str] | Mapping[str, Any] | None = None,
        bigid_errors: str | None = None,
        **api_options: str | None,
    ) -> RemoteAuthMock:
        """A fresh isolated instance on this server (``POST /_authmock/instances``),
        driven by the returned ``RemoteAuthMock``; ``with`` deletes it at the end.
        ``api_options``: those of another registered API (its ``instance_options``).

        A scenario path or bundled name is read here, not by the server."""
        body: dict[str, Any] = {}
        if seed is not None:
            body["seed"] = seed
        if scenario is not None:
            body["scenario"] = scenarios.load(scenario)
        if bigid_errors is not None:
            body["bigid_errors"] = bigid_errors
        body.update({k: v for k, v in api_options.items() if v is not None})
        created = self._server_admin().call("POST", "/instances", body)
        instance = RemoteAuthMock(
            created["url"], self._admin_token, timeout=self._timeout, verify=self._verify
        )
        instance._owned = True
        return instance

    def instances(self) -> list[dict[str, Any]]:
        """The server's live instances (``GET /_authmock/instances``)."""
        return list(self._server_admin().call("GET", "/instances")["instances"])

    def delete(self) -> None:
        """Delete this instance on its server; its URLs answer 404 afterwards."""
        if self.instance_id is None:
            raise ValueError(f"{self.url} is a server, not an instance: there is nothing to delete")
        self._server_admin().call("DELETE", f"/instances/{self.instance_id}")

    def _server_admin(self) -> AdminClient:
        if self.instance_id is None:
            return self._admin
        if self._server is None:
            self._server = AdminClient(
                self.server_url, self._admin_token, self._timeout, self._verify
            )
        return self._server

    def close(self) -> None:
        self._admin.close()
        if self._server is not None:
            self._server.close()

    def __enter__(self) -> RemoteAuthMock:
        return self

    def __exit__(self, *exc: object) -> None:
        # An instance made by new_instance() lives as long as its `with` block.
        if self._owned:
            with contextlib.suppress(AdminNotFound):  # expired or deleted already
                self.delete()
        self.close()

    def __repr__(self) -> str:
        return f"RemoteAuthMock({self.url!r})"
