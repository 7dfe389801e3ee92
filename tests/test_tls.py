"""HTTPS: ``AuthMock.serve(tls=True)``, ``authmock serve --tls``, the fixture's ini option.

The certificate comes from a local CA (trustme); clients trust it through
``.ca_path``. Socket faults behave as over plain HTTP.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import ssl
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from authmock import AuthMock, RemoteAuthMock
from authmock.cli import main
from authmock.ways.tls import TRUST_ENV
from tests.test_cli import serve

pytest.importorskip("trustme")
pytest_plugins = ["pytester"]


def _client_context(ca_path: str) -> ssl.SSLContext:
    return ssl.create_default_context(cafile=ca_path)


def test_serve_tls_is_https_with_a_ca_bundle() -> None:
    mock = AuthMock(seed=7)
    with mock.serve(tls=True) as server:
        assert server.url.startswith("https://127.0.0.1:")
        assert server.ca_path.endswith(".pem") and os.path.isfile(server.ca_path)
        assert requests.get(server.url + "/healthz", verify=server.ca_path).json() == {
            "status": "ok"
        }
        # Verified for the name as well as the address.
        local = server.url.replace("127.0.0.1", "localhost")
        assert requests.get(local + "/healthz", verify=server.ca_path).status_code == 200
        with pytest.raises(requests.exceptions.SSLError):
            requests.get(server.url + "/healthz")  # not trusted by default
        login = requests.post(
            server.url + "/api/v1/auth/login",
            json={"email": "admin@sigma.io", "password": "admin"},
            verify=server.ca_path,
        )
        assert login.status_code == 200 and login.json()["token"]
        ca_path = server.ca_path
    assert not os.path.exists(ca_path)  # a temporary CA goes with the server


def test_keep_alive_over_tls() -> None:
    with AuthMock(seed=7).serve(tls=True) as server:
        conn = http.client.HTTPSConnection(
            server.host, server.port, timeout=10, context=_client_context(server.ca_path)
        )
        try:
            conn.request("GET", "/healthz")
            assert conn.getresponse().read() == b'{"status":"ok"}'
            sock = conn.sock
            conn.request("GET", "/api/v1/roles")
            assert conn.getresponse().status == 401
            assert conn.sock is sock
        finally:
            conn.close()


def _tls_over(sock: socket.socket, ca_path: str) -> tuple[ssl.SSLObject, ssl.MemoryBIO]:
    """A TLS session driven over a plain socket, so what TCP delivers stays visible
    (Python's ssl reports a reset during a TLS read as a ragged EOF)."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = _client_context(ca_path).wrap_bio(incoming, outgoing, server_hostname="127.0.0.1")
    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            sock.sendall(outgoing.read())
            data = sock.recv(65536)
            assert data, "the server closed during the handshake"
            incoming.write(data)
    sock.sendall(outgoing.read())
    return tls, outgoing


def test_reset_and_timeout_faults_over_tls() -> None:
    mock = AuthMock(seed=7)
    mock.faults.add(path="/api/v1/roles", kind="reset", times=1)
    mock.faults.add(path="/healthz", kind="timeout", times=1)
    with mock.serve(tls=True) as server:
        with pytest.raises(requests.ConnectionError):
            requests.get(server.url + "/api/v1/roles", verify=server.ca_path, timeout=10)
        with pytest.raises(requests.ReadTimeout):
            requests.get(server.url + "/healthz", verify=server.ca_path, timeout=0.3)
        mock.reset()
        # Underneath, the reset is a TCP RST (not a TLS alert, a FIN or an answer).
        mock.faults.add(path="/api/v1/roles", kind="reset", times=1)
        with socket.create_connection((server.host, server.port), timeout=10) as raw:
            tls, outgoing = _tls_over(raw, server.ca_path)
            tls.write(b"GET /api/v1/roles HTTP/1.1\r\nHost: localhost\r\n\r\n")
            raw.sendall(outgoing.read())
            with pytest.raises(ConnectionResetError):
                while raw.recv(65536):  # TLS 1.3 session tickets may come first
                    pass
    assert [c.status for c in mock.calls] == [0]


def test_tls_dir_keeps_the_ca_across_restarts(tmp_path: Path) -> None:
    mock = AuthMock(seed=7)
    with mock.serve(tls=True, tls_dir=tmp_path) as first:
        ca = Path(first.ca_path).read_bytes()
    assert Path(first.ca_path) == tmp_path / "ca.pem"
    assert stat.S_IMODE((tmp_path / "ca-key.pem").stat().st_mode) == 0o600
    trusted = tmp_path.parent / f"{tmp_path.name}-trusted.pem"
    shutil.copy(tmp_path / "ca.pem", trusted)  # what a client saved the first time
    with mock.serve(tls=True, tls_dir=tmp_path) as second:
        assert Path(second.ca_path).read_bytes() == ca
        # A new server certificate, signed by the CA the client already trusts.
        assert requests.get(second.url + "/healthz", verify=str(trusted)).status_code == 200


def test_an_unreadable_tls_dir_is_one_clear_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "ca.pem").write_text("not a certificate")
    (tmp_path / "ca-key.pem").write_text("not a key")
    with pytest.raises(ValueError, match=r"cannot load the CA from ca.pem and ca-key.pem"):
        AuthMock().serve(tls=True, tls_dir=tmp_path).__enter__()
    assert main(["serve", "--port", "0", "--tls", "--tls-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("authmock: error: TLS directory ") and err.count("\n") == 1


def test_tls_dir_needs_tls(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["serve", "--tls-dir", "x"]) == 2
    assert capsys.readouterr().err == "authmock: error: --tls-dir needs --tls\n"


def test_without_trustme_the_error_names_the_extra(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "trustme", None)  # import trustme now fails
    with pytest.raises(ImportError, match=r"pip install 'authmock\[tls\]'"):
        AuthMock().serve(tls=True).__enter__()
    assert main(["serve", "--port", "0", "--tls"]) == 2
    assert capsys.readouterr().err == (
        "authmock: error: TLS needs trustme: pip install 'authmock[tls]'\n"
    )


def test_a_client_that_never_says_hello_holds_nothing() -> None:
    """The handshake runs in the connection's own thread, under the header timeout."""
    with AuthMock(seed=7).serve(tls=True, header_timeout=1.0) as server:
        silent = [
            socket.create_connection((server.host, server.port), timeout=30) for _ in range(50)
        ]
        try:
            assert requests.get(server.url + "/healthz", verify=server.ca_path).status_code == 200
            for sock in silent:
                assert sock.recv(1) == b""  # closed by the server, within the timeout
        finally:
            for sock in silent:
                sock.close()


def test_remote_control_over_tls() -> None:
    mock = AuthMock(seed=7)
    with (
        mock.serve(tls=True) as server,
        RemoteAuthMock(server.url, verify=server.ca_path) as remote,
    ):
        remote.faults.add(path="/healthz", status=503, times=1)
        assert requests.get(server.url + "/healthz", verify=server.ca_path).status_code == 503
        assert remote.ca_path == server.ca_path
        assert [c.status for c in remote.calls] == [503]


def test_curl_against_authmock_serve_tls(tmp_path: Path) -> None:
    """A client that is not Python: curl trusting the printed CA bundle gets a BigID
    system token and a Sigma resource list from a real ``authmock serve --tls``."""
    curl = shutil.which("curl")
    if curl is None:
        pytest.skip("no curl")
    served = serve("--seed", "7", "--tls", "--tls-dir", str(tmp_path), log=True)
    try:
        assert served.url.startswith("https://127.0.0.1:")
        ca_line = next(line for line in served.banner if line.startswith("TLS CA bundle: "))
        ca_path = ca_line.removeprefix("TLS CA bundle: ")
        assert ca_path == str(tmp_path / "ca.pem")
        exports = next(line for line in served.banner if "export " in line)
        for name in TRUST_ENV:
            assert f"{name}={ca_path}" in exports

        def call(*args: str) -> dict[str, object]:
            done = subprocess.run(
                [curl, "-sS", "--fail-with-body", "--cacert", ca_path, *args],
                capture_output=True,
                text=True,
                timeout=30,
            )
            assert done.returncode == 0, done.stderr + done.stdout
            body: dict[str, object] = json.loads(done.stdout)
            return body

        user_token = next(
            line.split()[1] for line in served.banner if line.strip().startswith("sandbox/bigid ")
        )
        system = call(
            "-H", f"Authorization: {user_token}", f"{served.url}/api/v1/refresh-access-token"
        )
        assert system["success"] is True and system["systemToken"]
        login = call(
            "-H",
            "Content-Type: application/json",
            "-d",
            '{"email": "admin@sigma.io", "password": "admin"}',
            f"{served.url}/api/v1/auth/login",
        )
        roles = call("-H", f"Authorization: Bearer {login['token']}", f"{served.url}/api/v1/roles")
        assert isinstance(roles, list) and roles
        code, err = served.stop()
        assert code == 0  # stderr: the request log only, no traceback
        assert [line.split()[:3] for line in err.splitlines()] == [
            ["GET", "/api/v1/refresh-access-token", "200"],
            ["POST", "/api/v1/auth/login", "200"],
            ["GET", "/api/v1/roles", "200"],
        ]
    finally:
        if served.process.poll() is None:
            served.process.kill()
            served.process.communicate()


def test_the_server_fixture_serves_https_from_an_ini_option(pytester: pytest.Pytester) -> None:
    pytester.makeini(
        """
        [pytest]
        authmock_server_tls = true
        """
    )
    pytester.makepyfile(
        test_https="""
        import requests

        def test_https(authmock_server):
            assert authmock_server.url.startswith("https://127.0.0.1:")
            assert authmock_server.ca_path.endswith(".pem")
            authmock_server.faults.add(path="/healthz", status=503, times=1)
            got = requests.get(authmock_server.url + "/healthz", verify=authmock_server.ca_path)
            assert got.status_code == 503
        """
    )
    result = pytester.runpytest_subprocess("-p", "no:cacheprovider", "-W", "error")
    result.assert_outcomes(passed=1)


def test_no_symlink_in_the_tls_dir_is_written_through(tmp_path: Path) -> None:
    """A dangling ``ca-key.pem`` symlink planted in --tls-dir got the CA's private
    key written through it (O_CREAT|O_TRUNC follows links); the key file is now
    a fresh 0600 file put in the link's place."""
    import os

    from authmock.ways.tls import CA_KEY_FILE

    victim = tmp_path / "victim.pem"
    (tmp_path / CA_KEY_FILE).symlink_to(victim)
    with AuthMock().serve(tls=True, tls_dir=tmp_path) as server:
        assert requests.get(f"{server.url}/healthz", verify=server.ca_path).status_code == 200
    assert not victim.exists()
    key = tmp_path / CA_KEY_FILE
    assert not key.is_symlink() and key.stat().st_mode & 0o777 == 0o600
    assert os.stat(server.ca_path).st_mode & 0o777 == 0o644
