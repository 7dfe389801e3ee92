"""Badly framed requests are 400s in the API's own envelope, never werkzeug's
HTML 500 or a traceback: malformed chunked bodies, ambiguous or bad lengths.
Raw sockets, since no HTTP client sends these; the server keeps serving."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from authmock import AuthMock

LOGIN = b'{"email": "admin@sigma.io", "password": "admin"}'
HELLO = b'{"username": "x", "password": "y"}'  # 34 bytes = 0x22


@pytest.fixture(scope="module")
def served() -> Iterator[tuple[AuthMock, Any]]:
    mock = AuthMock(seed=7)
    with mock.serve() as server:
        yield mock, server


def exchange(server: Any, head: bytes, body: bytes = b"", close_write: bool = False) -> bytes:
    """Send a request (the body as given, unframed by us); the whole answer."""
    with socket.create_connection((server.host, server.port), timeout=15) as sock:
        sock.sendall(head + b"\r\n" + body)
        if close_write:
            sock.shutdown(socket.SHUT_WR)  # the client's body ends here
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    return data


def parse(answer: bytes) -> tuple[int, dict[str, str], Any]:
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.lower(): v for k, v in (line.split(": ", 1) for line in lines[1:])}
    return int(lines[0].split()[1]), headers, json.loads(body)


def chunked_head(path: str = "/api/v1/auth/login", extra: str = "") -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        f"Transfer-Encoding: chunked\r\n{extra}"
    ).encode()


# The 12 sorts of malformed chunked bodies: (name, bytes after the head, whether
# the client then closes its side, what the 400 says).
LOGIN_CHUNK = f"{len(LOGIN):x}".encode()
MALFORMED_CHUNKED = [
    ("not hex", b"zz\r\n" + LOGIN + b"\r\n0\r\n\r\n", False, "bad chunk size line"),
    ("negative", b"-5\r\nhello\r\n0\r\n\r\n", False, "bad chunk size line"),
    ("plus sign", b"+" + LOGIN_CHUNK + b"\r\n" + LOGIN + b"\r\n0\r\n\r\n", False, "bad chunk"),
    ("0x prefix", b"0x" + LOGIN_CHUNK + b"\r\n" + LOGIN + b"\r\n0\r\n\r\n", False, "bad chunk"),
    ("underscore", b"3_0\r\n" + LOGIN + b"\r\n0\r\n\r\n", False, "bad chunk size line"),
    ("empty size", b"\r\n" + LOGIN + b"\r\n0\r\n\r\n", False, "bad chunk size line"),
    ("bare LF", LOGIN_CHUNK + b"\n" + LOGIN + b"\n0\n\n", False, "bad chunk size line"),
    ("bad extension", LOGIN_CHUNK + b";\r\n" + LOGIN + b"\r\n0\r\n\r\n", False, "bad chunk"),
    ("too many digits", b"1" + b"0" * 20 + b"\r\n" + LOGIN, False, "bad chunk size line"),
    ("size line too long", b"5" + b" " * 5000 + b"\r\n", False, "longer than 4096 bytes"),
    ("data longer than size", b"5\r\n" + LOGIN + b"\r\n0\r\n\r\n", False, "not followed by CRLF"),
    ("ends inside a chunk", LOGIN_CHUNK + b"\r\n" + LOGIN[:10], True, "ended inside a chunk"),
    ("no last chunk", LOGIN_CHUNK + b"\r\n" + LOGIN + b"\r\n", True, "ended before the next"),
    ("no final CRLF", LOGIN_CHUNK + b"\r\n" + LOGIN + b"\r\n0\r\n", True, "ended before the end"),
    ("bad trailer", LOGIN_CHUNK + b"\r\n" + LOGIN + b"\r\n0\r\nnocolon\r\n\r\n", False, "trailer"),
]


@pytest.mark.parametrize(
    ("body", "close_write", "says"),
    [case[1:] for case in MALFORMED_CHUNKED],
    ids=[case[0] for case in MALFORMED_CHUNKED],
)
def test_a_malformed_chunked_body_is_a_400_in_sigmas_envelope(
    served: tuple[AuthMock, Any], body: bytes, close_write: bool, says: str
) -> None:
    mock, server = served
    mock.reset()
    status, headers, reply = parse(exchange(server, chunked_head(), body, close_write))
    assert status == 400
    assert headers["content-type"] == "application/json"
    assert headers["connection"] == "close"  # what follows cannot be framed
    assert set(reply) == {"error", "message"} and reply["error"] == "VALIDATION_ERROR"
    assert reply["message"].startswith("bad request body: ") and says in reply["message"]
    # Journaled as the 400 it was, without a body; the server goes on serving.
    assert [(c.path, c.status, c.body) for c in mock.calls] == [("/api/v1/auth/login", 400, None)]
    assert parse(exchange(server, b"GET /healthz HTTP/1.1\r\nHost: localhost\r\n"
                          b"Connection: close\r\n"))[0] == 200  # fmt: skip


@pytest.mark.parametrize("style", ["spec", "production"])
def test_bigid_and_the_admin_api_answer_bad_chunks_in_their_own_envelopes(
    served: tuple[AuthMock, Any], style: str
) -> None:
    mock, server = served
    mock.reset()
    mock.bigid.errors = style
    bad = b"zz\r\n" + HELLO + b"\r\n0\r\n\r\n"
    status, headers, reply = parse(
        exchange(server, chunked_head("/bigid/sandbox/api/v1/sessions"), bad)
    )
    # A framing error is no auth failure: 400 in both styles.
    assert (status, reply["success"]) == (400, False)
    assert reply["message"].startswith("bad request body: bad chunk size line")
    html = "text/html; charset=utf-8" if style == "production" else "application/json"
    assert headers["content-type"] == html
    status, _, reply = parse(exchange(server, chunked_head("/_authmock/clock"), bad))
    assert (status, reply["error"]) == (400, "BAD_REQUEST")
    assert reply["message"].startswith("bad request body: bad chunk size line")
    mock.bigid.errors = "spec"


VALID_CHUNKED = [
    ("one chunk", LOGIN_CHUNK + b"\r\n" + LOGIN + b"\r\n0\r\n\r\n"),
    ("byte by byte", b"".join(b"1\r\n" + bytes([c]) + b"\r\n" for c in LOGIN) + b"0\r\n\r\n"),
    ("upper hex, zeros", b"00" + LOGIN_CHUNK.upper() + b"\r\n" + LOGIN + b"\r\n000\r\n\r\n"),
    ("extensions", LOGIN_CHUNK + b' ; a=1;b ="x y" ;c\r\n' + LOGIN + b"\r\n0;last\r\n\r\n"),
    ("trailers", LOGIN_CHUNK + b"\r\n" + LOGIN + b"\r\n0\r\nX-Sum: 1\r\nX-B:\r\n\r\n"),
]


@pytest.mark.parametrize("body", [c[1] for c in VALID_CHUNKED], ids=[c[0] for c in VALID_CHUNKED])
def test_well_formed_chunked_bodies_are_read_and_the_connection_kept(
    served: tuple[AuthMock, Any], body: bytes
) -> None:
    _, server = served
    with socket.create_connection((server.host, server.port), timeout=15) as sock:
        sock.sendall(chunked_head() + b"\r\n" + body)
        sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    first, second = data.split(b"HTTP/1.1 ")[1:]
    assert first.startswith(b"200 ") and b'"token":' in first
    assert second.startswith(b"200 ")


BAD_LENGTHS = [
    ("Content-Length: +45", "bad Content-Length '+45': it must be a number of bytes"),
    ("Content-Length: -1", "bad Content-Length '-1': it must be a number of bytes"),
    ("Content-Length: 4 5", "bad Content-Length '4 5': it must be a number of bytes"),
    ("Content-Length: 0x10", "bad Content-Length '0x10': it must be a number of bytes"),
    ("Content-Length: 4_5", "bad Content-Length '4_5': it must be a number of bytes"),
    ("Content-Length: 12abc", "bad Content-Length '12abc': it must be a number of bytes"),
    (
        "Transfer-Encoding: chunked\r\nContent-Length: 5",
        "both Transfer-Encoding and Content-Length: the body's length is ambiguous",
    ),
    (
        "Transfer-Encoding: gzip, chunked",
        "Transfer-Encoding 'gzip, chunked' is not supported: send the body chunked or with a"
        " Content-Length",
    ),
    (
        "Transfer-Encoding: identity",
        "Transfer-Encoding 'identity' is not supported: send the body chunked or with a"
        " Content-Length",
    ),
]


@pytest.mark.parametrize(("header", "message"), BAD_LENGTHS, ids=[h for h, _ in BAD_LENGTHS])
@pytest.mark.parametrize("path", ["/api/v1/auth/login", "/_authmock/reset"])
def test_bad_or_ambiguous_lengths_are_400s_and_change_nothing(
    served: tuple[AuthMock, Any], header: str, message: str, path: str
) -> None:
    mock, server = served
    mock.reset()
    seed = mock.seed
    head = (
        f"POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n{header}\r\n"
    ).encode()
    status, headers, reply = parse(exchange(server, head, b'{"seed": 99}' + b" " * 33))
    assert status == 400
    assert headers["content-type"] == "application/json" and headers["connection"] == "close"
    code = "BAD_REQUEST" if path.startswith("/_authmock") else "VALIDATION_ERROR"
    assert reply == {"error": code, "message": message}
    assert mock.seed == seed


def test_a_body_shorter_than_its_length_is_a_400(served: tuple[AuthMock, Any]) -> None:
    mock, server = served
    mock.reset()
    head = (
        b"POST /_authmock/clock HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
    )
    head += b"Content-Length: 40\r\n"
    status, _, reply = parse(exchange(server, head, b'{"advance": 1}', close_write=True))
    assert (status, reply) == (
        400,
        {
            "error": "BAD_REQUEST",
            "message": "bad request body: the body ended after 14 of its 40 bytes",
        },
    )


def test_a_user_route_never_sees_a_badly_chunked_body(served: tuple[AuthMock, Any]) -> None:
    """werkzeug would read it inside the handler; the engine reads it first."""
    mock, server = served
    mock.reset()
    seen: list[Any] = []

    @mock.sigma.route("POST", "/api/v1/echo")
    def echo(request: Any, principal: Any) -> Any:
        seen.append(request.get_data())
        return {"ok": True}

    token = mock.sigma.issue_token("admin@sigma.io")
    head = chunked_head("/api/v1/echo", f"Authorization: Bearer {token}\r\n")
    status, _, reply = parse(exchange(server, head, b"3\r\nabcd\r\n0\r\n\r\n"))
    assert status == 400 and "not followed by CRLF" in reply["message"]
    assert seen == [] and mock.handler_errors == []
    status, _, reply = parse(exchange(server, head, b"3\r\nabc\r\n0\r\n\r\n"))
    assert (status, reply, seen) == (200, {"ok": True}, [b"abc"])
