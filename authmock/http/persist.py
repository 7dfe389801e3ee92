"""Admin routes that read or replace an emulator's whole state: snapshots, HAR."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from werkzeug.routing import Rule

from authmock.har import to_har
from authmock.http.exchange import Reply, json_reply
from authmock.snapshot import restore, snapshot

# A snapshot carries the journal (10,000 calls by default): more than 1 MiB.
SNAPSHOT_LIMIT = 64 * 1024 * 1024

if TYPE_CHECKING:
    from authmock.http.admin_kit import AdminHandler
    from authmock.http.app import App


def persist_admin_routes(app: App) -> list[tuple[Rule, AdminHandler]]:
    from authmock.http.admin_kit import takes_query

    def snapshot_get(body: Any) -> Reply:
        return json_reply(200, snapshot(app.emulator))

    def snapshot_post(body: Any) -> Reply:
        restore(app.emulator, body)  # SnapshotError is a ValueError: a 400 naming it
        return Reply(204)

    @takes_query
    def calls_har(body: Any, query: dict[str, str]) -> Reply:
        """The journal (filtered like ``GET /_authmock/calls``) as HAR 1.2."""
        return json_reply(200, to_har(app.emulator.journal.query(query)))

    snapshot_post.body_limit = SNAPSHOT_LIMIT  # type: ignore[attr-defined]
    return [
        (Rule("/_authmock/snapshot", methods=["GET"]), snapshot_get),
        (Rule("/_authmock/snapshot", methods=["POST"]), snapshot_post),
        (Rule("/_authmock/calls.har", methods=["GET"]), calls_har),
    ]
