"""``authmock`` / ``python -m authmock``: serve the emulator, or print its tenants.

Bad flags and bad scenario files give one line and exit code 2, never a
traceback. Ctrl-C and SIGTERM stop the server with exit code 0.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from authmock.apis import registered_apis
from authmock.faults import FaultError, parse_fault
from authmock.http.instances import DEFAULT_MAX as DEFAULT_MAX_INSTANCES
from authmock.http.instances import DEFAULT_TTL as DEFAULT_INSTANCE_TTL
from authmock.journal import DEFAULT_BODY_BUDGET, DEFAULT_BODY_LIMIT
from authmock.scenario import ScenarioError, bundled_names
from authmock.version import __version__

LOOPBACK = ("127.0.0.1", "localhost", "::1")


class UsageError(Exception):
    pass


class _Help(argparse.HelpFormatter):
    """Every option's help ends with its default (and argparse shows choices)."""

    def _get_help_string(self, action: argparse.Action) -> str | None:
        text = action.help or ""
        if "default" in text or action.default in (None, False, [], argparse.SUPPRESS):
            return text
        return f"{text} (default: %(default)s)" if text else "(default: %(default)s)"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        # One line naming the problem, exit 2 (argparse's own usage dump is noise).
        raise UsageError(message)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="authmock", description="Sigma PIM and BigID auth API emulator", formatter_class=_Help
    )
    parser.add_argument("--version", action="version", version=f"authmock {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(name: str, help: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help, description=help, formatter_class=_Help)

    def common(sub: argparse.ArgumentParser) -> None:
        sub.add_argument(
            "--seed", type=int, default=None, help="data seed (default: scenario's, else 0)"
        )
        sub.add_argument(
            "--scenario",
            default=None,
            metavar="FILE",
            help="scenario file (.toml/.json) or bundled name: "
            f"{', '.join(bundled_names())} (default: generated data only)",
        )

    serve = command("serve", "run the emulator as an HTTP server")
    serve.add_argument(
        "--host", default="127.0.0.1", help="bind address (default: 127.0.0.1, loopback only)"
    )
    serve.add_argument("--port", type=int, default=8080, help="port; 0 picks a free one")
    common(serve)
    for api in registered_apis():
        api.add_cli_options(serve)
    serve.add_argument(
        "--fault",
        action="append",
        default=[],
        metavar="JSON",
        help='a fault as a JSON object, e.g. \'{"path": "/healthz", "status": 503}\''
        " (repeatable; default: none)",
    )
    serve.add_argument(
        "--admin-token",
        default=None,
        metavar="TOKEN",
        help="require X-Authmock-Admin: TOKEN on /_authmock/* (default: not required)",
    )
    serve.add_argument(
        "--reason-header",
        action="store_true",
        help="send X-Authmock-Reason on every refusal (debugging; default: off)",
    )
    serve.add_argument(
        "--allow-host",
        action="append",
        default=[],
        metavar="NAME",
        help="also answer requests for this Host name (repeatable; *.domain; * = any);"
        " loopback names and the bound address are always answered (default: no others)",
    )
    serve.add_argument(
        "--journal-body-limit",
        type=int,
        default=DEFAULT_BODY_LIMIT,
        metavar="BYTES",
        help=f"a journaled body is truncated past this (default {DEFAULT_BODY_LIMIT})",
    )
    serve.add_argument(
        "--journal-body-budget",
        type=int,
        default=DEFAULT_BODY_BUDGET,
        metavar="BYTES",
        help=f"all journaled bodies together, oldest dropped first (default {DEFAULT_BODY_BUDGET})",
    )
    serve.add_argument(
        "--header-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="time a client has to send its request headers; also the keep-alive"
        " idle timeout (default: 10)",
    )
    serve.add_argument(
        "--quiet",
        action="store_true",
        help="no per-request log lines on stderr (default: one line per request)",
    )
    serve.add_argument(
        "--server",
        choices=("werkzeug", "granian"),
        default="werkzeug",
        help="HTTP server: werkzeug (default) or granian for load tests (extra 'granian')",
    )
    serve.add_argument(
        "--threads",
        type=int,
        default=None,
        metavar="N",
        help="granian's Python threads (default 4)",
    )
    serve.add_argument(
        "--tls",
        action="store_true",
        help="serve HTTPS with a local CA (extra 'tls'; default: plain HTTP)",
    )
    serve.add_argument(
        "--tls-dir",
        default=None,
        metavar="DIR",
        help="keep the --tls CA here, reused if present (default: a new temporary directory)",
    )
    serve.add_argument(
        "--scenario-dir",
        default=None,
        metavar="DIR",
        help="where POST /_authmock/reset may read scenarios (default: --scenario's directory)",
    )

    serve.add_argument(
        "--max-instances",
        type=int,
        default=DEFAULT_MAX_INSTANCES,
        metavar="N",
        help=f"live instances at most (POST /_authmock/instances; default {DEFAULT_MAX_INSTANCES})",
    )
    serve.add_argument(
        "--instance-ttl",
        type=float,
        default=DEFAULT_INSTANCE_TTL,
        metavar="SECONDS",
        help="an instance unused this long is deleted (default 4 hours)",
    )
    serve.add_argument(
        "--state-file",
        default=None,
        metavar="PATH",
        help="load the state from PATH if it exists and save it there after every change"
        " (default: the state lives in memory only)",
    )

    tenants = command("tenants", "print the seeded tenants, users and keys")
    common(tenants)
    tenants.add_argument(
        "--json",
        action="store_true",
        help="machine-readable output, itself a valid scenario (default: a table)",
    )
    return parser


def credentials(mock: Any) -> dict[str, Any]:
    """Everything a person needs to sign in: deterministic for a seed and scenario."""
    return dict(mock.wsgi_app.credentials())


def _table(creds: dict[str, Any], base: str | None) -> str:
    lines: list[str] = []
    for api in registered_apis():
        if api.name in creds:
            lines += api.credentials_table(creds, base)
    return "\n".join(lines)


def _serve_lines(mock: Any) -> str:
    lines: list[str] = []
    for api in registered_apis():
        lines += api.serve_lines(mock.api(api.name))
    return "\n".join(lines)


def _make_mock(args: argparse.Namespace, **extra: Any) -> Any:
    from authmock.mock import AuthMock

    return AuthMock(seed=args.seed, scenario=args.scenario, **extra)


def _serve(args: argparse.Namespace) -> int:
    if not 0 <= args.port <= 65535:
        raise UsageError(f"--port must be 0 to 65535, not {args.port}")
    api_options: dict[str, Any] = {}
    for api in registered_apis():
        try:
            api_options.update(api.cli_options(args))
        except ValueError as exc:
            raise UsageError(str(exc)) from None
    if args.header_timeout is not None and not 0 < args.header_timeout < 86400:
        raise UsageError("--header-timeout must be a positive number of seconds")
    if args.threads is not None and args.server != "granian":
        raise UsageError("--threads needs --server granian")
    if args.threads is not None and not 1 <= args.threads <= 1024:
        raise UsageError(f"--threads must be 1 to 1024, not {args.threads}")
    if args.tls_dir is not None and not args.tls:
        raise UsageError("--tls-dir needs --tls")
    from authmock.http.guard import check_allowed_host

    for name in args.allow_host:
        try:
            check_allowed_host(name)
        except ValueError as exc:
            raise UsageError(f"--allow-host: {exc}") from None
    for flag in ("journal_body_limit", "journal_body_budget"):
        if getattr(args, flag) < 0:
            name = "--" + flag.replace("_", "-")
            raise UsageError(f"{name} must not be negative, not {getattr(args, flag)}")
    if args.scenario_dir is not None and not os.path.isdir(args.scenario_dir):
        raise UsageError(f"--scenario-dir {args.scenario_dir!r} is not a directory")
    if args.max_instances < 0:
        raise UsageError(f"--max-instances must not be negative, not {args.max_instances}")
    if not 0 < args.instance_ttl < float("inf"):
        raise UsageError(
            f"--instance-ttl must be a positive number of seconds, not {args.instance_ttl}"
        )
    faults = []
    for raw in args.fault:
        try:
            spec = json.loads(raw)
        except ValueError as exc:
            raise UsageError(f"--fault {raw!r}: invalid JSON ({exc})") from None
        try:
            parse_fault(spec, "check")
        except ValueError as exc:
            raise UsageError(f"--fault {raw!r}: {exc}") from None
        faults.append(spec)
    mock = _make_mock(
        args,
        **api_options,
        admin_token=args.admin_token,
        reason_header=args.reason_header,
        scenario_dir=args.scenario_dir,
        journal_body_limit=args.journal_body_limit,
        journal_body_budget=args.journal_body_budget,
    )
    state_file = None
    if args.state_file is not None:
        from authmock.statefile import StateFile, StateFileError

        state_file = StateFile(args.state_file, mock.snapshot, mock.restore)
        try:
            # A loaded state wins: its faults are there already, --fault would repeat them.
            if state_file.load():
                faults = []
        except StateFileError as exc:
            raise UsageError(f"--state-file {exc}") from None
    for spec in faults:
        mock.faults.add(spec)
    instances = mock.wsgi_app.instances
    if instances is not None:
        instances.configure(args.max_instances, args.instance_ttl)
    from authmock.ways.server import HEADER_TIMEOUT, LiveServer, settle_heap

    options: dict[str, Any] = {
        "header_timeout": args.header_timeout or HEADER_TIMEOUT,
        "tls": args.tls,
        "tls_dir": args.tls_dir,
        "after_request": state_file.after_request if state_file is not None else None,
        "log": None if args.quiet else sys.stderr,
        "allow_hosts": args.allow_host,
    }
    server: Any
    try:
        if args.server == "granian":
            from authmock.ways.granian_server import DEFAULT_THREADS, GranianServer

            options["threads"] = args.threads or DEFAULT_THREADS
            server = GranianServer(mock.wsgi_app, args.host, args.port, **options)
        else:
            server = LiveServer(mock.wsgi_app, args.host, args.port, **options)
    except ImportError as exc:  # the tls or granian extra is missing
        raise UsageError(str(exc)) from None
    except ValueError as exc:  # TlsError: an unusable --tls-dir
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(
            f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}"
        ) from None
    if state_file is not None:
        try:
            state_file.start()
        except StateFileError as exc:
            server.stop()
            raise UsageError(f"--state-file {exc}") from None

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    # Installed before the first line is printed: a caller that stops the
    # server as soon as it sees output still gets a clean exit 0.
    signal.signal(signal.SIGTERM, stop)
    try:
        if args.host not in LOOPBACK:
            print(
                f"warning: listening on {args.host}: anyone who can reach it can use the admin API"
                + ("" if args.admin_token else " (set --admin-token to require X-Authmock-Admin)")
                # Host names other machines use must be allowed, or they get a 403.
                + ("" if args.allow_host else "; name the host clients use with --allow-host"),
                file=sys.stderr,
                flush=True,
            )
        print(_table(credentials(mock), server.url), flush=True)
        extra = _serve_lines(mock)
        if extra:
            print(extra, flush=True)
        print(f"demo page: {server.url}/", flush=True)
        if server.tls is not None:
            print("\n".join(server.tls.trust_lines()), flush=True)
        settle_heap()  # a full GC pause would stop every request at once
        # Once the port is listening (granian binds it only when it starts).
        server.serve_forever(ready=lambda: print(f"authmock listening on {server.url}", flush=True))
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
        if state_file is not None:
            state_file.close()
    return 0


def _tenants(args: argparse.Namespace) -> int:
    creds = credentials(_make_mock(args))
    if args.json:
        print(json.dumps(creds, indent=2, sort_keys=True))
    else:
        print(_table(creds, None))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = _parser().parse_args(argv)
        if args.command == "serve":
            return _serve(args)
        return _tenants(args)
    except (UsageError, ScenarioError, FaultError) as exc:
        print(f"authmock: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
