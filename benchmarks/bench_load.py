"""Load: 100 keep-alive connections for a few seconds (issue 15).

Authenticated ``GET /api/v1/roles`` against ``authmock serve`` (werkzeug, with
authmock's keep-alive handler) and ``authmock serve --server granian``, and
against floors answering a constant:

- the **werkzeug floor**: werkzeug's stock threaded server (``make_server(...,
  threaded=True)``; it closes every connection, so each request pays a
  handshake and a thread) answering a constant: the targets' reference;
- informative: the same constant on authmock's keep-alive werkzeug handler
  (what the handler costs without the engine).

Every server is a process of its own; all are started, then measured in
alternating rounds (``LOAD_ROUNDS``, default 3: a burst of load on a shared
machine then hits one round, not one server), each round printed with the
machine's load average; the ratios take each server's best round (highest
req/s; lowest p99), non-2xx and timeouts summed over all. The load generator
is ``wrk`` (installed with apt-get when absent and possible, else a bundled
Python load generator; the output says which). Targets: default >= 1.0x the
werkzeug floor with no non-2xx; granian >= 4x, p99 <= 50 ms.

Run alone: ``python -m benchmarks bench_load``; ``LOAD_SECONDS`` sets the
duration of a round (default 5).
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any

from benchmarks.common import Ratio, constant_app

CONNECTIONS = 100
SECONDS = int(os.environ.get("LOAD_SECONDS", "5"))
ROUNDS = max(1, int(os.environ.get("LOAD_ROUNDS", "3")))
PATH = "/api/v1/roles"


# -- the floor servers (run as `python -m benchmarks.bench_load floor stock|keepalive PORT`)


def _serve_floor(kind: str, port: int) -> None:
    if kind == "stock":
        from werkzeug.serving import WSGIRequestHandler, make_server

        class Quiet(WSGIRequestHandler):
            def log(self, *args: Any) -> None:
                pass

        server: Any = make_server(
            "127.0.0.1", port, constant_app, threaded=True, request_handler=Quiet
        )
        server.daemon_threads = True
    else:
        from authmock.ways.server import wsgi_server

        server = wsgi_server(constant_app, "127.0.0.1", port)
    print("ready", flush=True)
    server.serve_forever(poll_interval=0.05)


# -- processes --------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait_listening(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.communicate()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("server did not start")


@contextmanager
def _process(args: list[str], port: int) -> Iterator[str]:
    process = subprocess.Popen(
        [sys.executable, *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,  # read on exit: why a server failed to start
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    try:
        _wait_listening(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def _token(url: str) -> str:
    from authmock import RemoteAuthMock

    with RemoteAuthMock(url) as remote:
        return remote.sigma.issue_token("admin@sigma.io")


# -- load generators --------------------------------------------------------------------


@dataclass
class Load:
    rps: float
    p50_ms: float
    p99_ms: float
    non_2xx: int
    errors: int  # socket errors: connect, read, write
    timeouts: int = 0  # requests wrk gave up on after its 2 s timeout
    load: float = 0.0  # the machine's 1-minute load average when the run began


def _wrk() -> str | None:
    found = shutil.which("wrk")
    if found is None and shutil.which("apt-get") is not None and os.geteuid() == 0:
        subprocess.run(
            ["apt-get", "install", "-y", "-q", "wrk"],
            capture_output=True,
            timeout=300,
            check=False,
        )
        found = shutil.which("wrk")
    return found


def _ms(value: str, unit: str) -> float:
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def _run_wrk(wrk: str, url: str, token: str) -> Load:
    done = subprocess.run(
        [
            wrk,
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{SECONDS}s",
            "--latency",
            "-H",
            f"Authorization: Bearer {token}",
            url + PATH,
        ],
        capture_output=True,
        text=True,
        timeout=SECONDS + 60,
        check=True,
    )
    out = done.stdout

    def percentile(p: str) -> float:
        found = re.search(rf"^\s+{p}%\s+([\d.]+)(us|ms|s|m)\s*$", out, re.M)
        assert found, out
        return _ms(found.group(1), found.group(2))

    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert rps, out
    non_2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
    counts = [int(g) for g in errors.groups()] if errors else [0, 0, 0, 0]
    return Load(
        float(rps.group(1)),
        percentile("50"),
        percentile("99"),
        int(non_2xx.group(1)) if non_2xx else 0,
        sum(counts[:3]),
        counts[3],
    )


async def _python_load(url: str, token: str) -> Load:
    """The fallback: CONNECTIONS asyncio connections, each sending the request again
    as soon as the last answer is in (keep-alive; reconnects when the server closes)."""
    port = int(url.rsplit(":", 1)[1])
    request = (
        f"GET {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n\r\n"
    ).encode()
    latencies: list[float] = []
    counts = {"non_2xx": 0, "errors": 0}
    end = time.monotonic() + SECONDS

    async def one() -> None:
        reader = writer = None
        while time.monotonic() < end:
            try:
                if writer is None:
                    reader, writer = await asyncio.open_connection("127.0.0.1", port)
                assert reader is not None
                start = time.perf_counter()
                writer.write(request)
                head = await reader.readuntil(b"\r\n\r\n")
                length = int(re.search(rb"(?i)content-length:\s*(\d+)", head).group(1))  # type: ignore[union-attr]
                await reader.readexactly(length)
                latencies.append(time.perf_counter() - start)
                if not head.startswith(b"HTTP/1.1 2"):
                    counts["non_2xx"] += 1
                if re.search(rb"(?i)connection:\s*close", head):
                    writer.close()
                    writer = None
            except (OSError, asyncio.IncompleteReadError):
                counts["errors"] += 1
                writer = None

    started = time.monotonic()
    await asyncio.gather(*(one() for _ in range(CONNECTIONS)))
    elapsed = time.monotonic() - started
    ordered = sorted(latencies)
    return Load(
        len(ordered) / elapsed,
        statistics.median(ordered) * 1000,
        ordered[int(len(ordered) * 0.99)] * 1000,
        counts["non_2xx"],
        counts["errors"],
    )


def _measure(url: str, token: str, wrk: str | None) -> Load:
    load = os.getloadavg()[0]
    measured = (
        _run_wrk(wrk, url, token) if wrk is not None else asyncio.run(_python_load(url, token))
    )
    measured.load = load
    return measured


def _best(loads: list[Load]) -> Load:
    """A server's best round (its req/s, p50 and load average; the lowest p99 of
    any round), with the non-2xx, errors and timeouts of every round."""
    best = max(loads, key=lambda load: load.rps)
    return Load(
        best.rps,
        best.p50_ms,
        min(load.p99_ms for load in loads),
        sum(load.non_2xx for load in loads),
        sum(load.errors for load in loads),
        sum(load.timeouts for load in loads),
        best.load,
    )


def run() -> list[Ratio]:
    wrk = _wrk()
    tool = f"wrk ({wrk})" if wrk else "the bundled Python load generator (no wrk)"
    print(
        f"# load: {CONNECTIONS} keep-alive connections, {ROUNDS} rounds of {SECONDS} s"
        f" per server, with {tool}"
    )
    print(f"# machine: {os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f} at start")
    runs: dict[str, list[Load]] = {}
    plan = [
        ("werkzeug floor", ["-m", "benchmarks.bench_load", "floor", "stock"], False),
        ("keep-alive floor", ["-m", "benchmarks.bench_load", "floor", "keepalive"], False),
        # --quiet: a log line per request is not what is measured (and a pipe
        # nobody reads would stall the server once full).
        ("authmock serve", ["-m", "authmock", "serve", "--seed", "7", "--quiet"], True),
        (
            "authmock serve --server granian",
            ["-m", "authmock", "serve", "--seed", "7", "--quiet", "--server", "granian"],
            True,
        ),
    ]
    with ExitStack() as servers:
        targets: list[tuple[str, str, str]] = []
        for name, args, is_mock in plan:
            port = _free_port()
            full = [*args, str(port)] if not is_mock else [*args, "--port", str(port)]
            url = servers.enter_context(_process(full, port))
            token = _token(url) if is_mock else "constant"
            if SECONDS > 2:
                _measure(url, token, wrk)  # warm up (imports, caches)
            targets.append((name, url, token))
        for round_ in range(1, ROUNDS + 1):
            for name, url, token in targets:
                load = _measure(url, token, wrk)
                runs.setdefault(name, []).append(load)
                print(
                    f"#   {round_} {name:<32} {load.rps:7.0f} req/s  p50 {load.p50_ms:7.2f} ms"
                    f"  p99 {load.p99_ms:7.2f} ms  non-2xx {load.non_2xx}  errors {load.errors}"
                    f"  timeouts {load.timeouts}  (load average {load.load:.2f})",
                    flush=True,
                )
    results = {name: _best(loads) for name, loads in runs.items()}
    floor = results["werkzeug floor"]
    default, granian = results["authmock serve"], results["authmock serve --server granian"]
    keepalive = results["keep-alive floor"]

    def detail(load: Load) -> str:
        return (
            f"{load.rps:.0f} vs {floor.rps:.0f} req/s; p50 {load.p50_ms:.1f} ms,"
            f" p99 {load.p99_ms:.1f} ms; {load.non_2xx} non-2xx, {load.errors} socket errors,"
            f" {load.timeouts} timeouts; load average {load.load:.2f}"
        )

    return [
        Ratio(
            "load: authmock serve / werkzeug floor (req/s)",
            default.rps / floor.rps if default.non_2xx == 0 else 0.0,
            1.0,
            ">=",
            detail(default),
        ),
        Ratio(
            "load: --server granian / werkzeug floor (req/s)",
            granian.rps / floor.rps if granian.non_2xx == 0 else 0.0,
            4.0,
            ">=",
            detail(granian),
        ),
        Ratio(
            "load: --server granian p99 (ms)",
            granian.p99_ms,
            50.0,
            "<=",
            f"{CONNECTIONS} connections; the lowest of {ROUNDS} round(s)",
        ),
        Ratio(
            "load: authmock serve / constant on its keep-alive handler (informative)",
            default.rps / keepalive.rps,
            0.5,
            ">=",
            f"{default.rps:.0f} vs {keepalive.rps:.0f} req/s",
        ),
    ]


if __name__ == "__main__":
    if sys.argv[1:2] == ["floor"]:
        _serve_floor(sys.argv[2], int(sys.argv[3]))
    else:
        for ratio in run():
            print(ratio.line())
