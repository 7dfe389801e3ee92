"""``serve --state-file PATH``: the server's state kept in a file across restarts.

The file is a snapshot (:mod:`authmock.snapshot`). It is written atomically
(a temporary file in the same directory, fsync, rename, fsync of the
directory), so ``kill -9`` at any moment leaves the previous or the new
state, never a torn file. A request that may change state (any method but
GET/HEAD/OPTIONS) is saved before its answer leaves, so whatever a client
was told was created survives; what reads change (the journal, an API key's
``lastUsedAt``) is saved within a fraction of a second. Instances are not
kept: they belong to the tests that made them.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import threading
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from authmock.errors import Invalid
from authmock.snapshot import SnapshotError

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FLUSH_SECONDS = 0.25


class StateFileError(Invalid):
    """The state file cannot be used; ``str()`` is the one line to show."""


class StateFile:
    def __init__(
        self,
        path: str | os.PathLike[str],
        snapshot: Callable[[], Mapping[str, Any]],
        restore: Callable[[Mapping[str, Any]], None],
    ) -> None:
        self.path = Path(path)
        self._snapshot = snapshot
        self._restore = restore
        self._lock = threading.Lock()
        self._dirty = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def load(self) -> bool:
        """Restore from the file if it exists (True); :class:`StateFileError` if it
        cannot be read or is no valid snapshot (then it is never written)."""
        try:
            raw = self.path.read_bytes()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise StateFileError(f"{self.path}: cannot read state file ({exc.strerror})") from None
        try:
            document = json.loads(raw)
        except (ValueError, RecursionError) as exc:
            raise StateFileError(f"{self.path}: state file is not JSON ({exc})") from None
        try:
            self._restore(document)
        except SnapshotError as exc:
            raise StateFileError(f"{self.path}: {exc}") from None
        return True

    def save(self) -> None:
        with self._lock:
            self._dirty.clear()
            data = json.dumps(self._snapshot(), separators=(",", ":")).encode("utf-8")
            # mkstemp: a random name, O_EXCL (never a file or symlink planted in the
            # directory) and mode 0600 (the file holds passwords and the signing key).
            fd, name = tempfile.mkstemp(
                prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent
            )
            temporary = Path(name)
            try:
                with open(fd, "wb") as out:
                    out.write(data)
                    out.flush()
                    os.fsync(out.fileno())
                os.replace(temporary, self.path)
            except BaseException:
                with contextlib.suppress(OSError):
                    temporary.unlink()
                raise
            self._sync_directory()

    def _sync_directory(self) -> None:
        # The rename itself survives a power cut only once the directory is synced.
        with contextlib.suppress(OSError):
            fd = os.open(self.path.parent, os.O_RDONLY)
            try:
                os.fsync(fd)
            finally:
                os.close(fd)

    def start(self) -> None:
        """Write the current state now (a bad path fails at start), then keep it saved."""
        try:
            self.save()
        except OSError as exc:
            raise StateFileError(
                f"{self.path}: cannot write state file ({exc.strerror or exc})"
            ) from None
        self._thread = threading.Thread(target=self._flush, name="authmock-state-file", daemon=True)
        self._thread.start()

    def after_request(self, environ: dict[str, Any]) -> None:
        """Called by the server after each request, before its answer is sent."""
        if environ.get("authmock.emulator") is not None:
            return  # an instance's request: instances are not kept
        if str(environ.get("PATH_INFO", "")).startswith("/_authmock/instances"):
            return  # creating or deleting one changes nothing of the root
        if environ.get("REQUEST_METHOD", "GET").upper() in SAFE_METHODS:
            self._dirty.set()
        else:
            self.save()

    def _flush(self) -> None:
        while not self._stop.wait(FLUSH_SECONDS):
            if self._dirty.is_set():
                with contextlib.suppress(OSError):  # retried on the next change
                    self.save()

    def close(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        with contextlib.suppress(OSError):
            self.save()
