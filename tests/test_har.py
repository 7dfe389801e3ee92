"""The journal as HAR 1.2: structure checked against the spec, masking kept."""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest
import requests

from authmock import AuthMock, RemoteAuthMock

pytest_plugins = ["pytester"]

SIGMA = "https://api.sigma-pim.com"
SIGMA_ADMIN = {"email": "admin@sigma.io", "password": "admin"}

# HAR 1.2 (http://www.softwareishard.com/blog/har-12-spec/): the required fields
# of each object, with their JSON types; "?" marks an optional one.
NUMBER = (int, float)
PAIR = {"name": str, "value": str}
SCHEMA: dict[str, Any] = {
    "log": {
        "version": str,
        "creator": {"name": str, "version": str},
        "pages?": [dict],
        "entries": [
            {
                "startedDateTime": str,
                "time": NUMBER,
                "request": {
                    "method": str,
                    "url": str,
                    "httpVersion": str,
                    "cookies": [dict],
                    "headers": [PAIR],
                    "queryString": [PAIR],
                    "postData?": {"mimeType": str, "text": str},
                    "headersSize": int,
                    "bodySize": int,
                },
                "response": {
                    "status": int,
                    "statusText": str,
                    "httpVersion": str,
                    "cookies": [dict],
                    "headers": [PAIR],
                    "content": {"size": int, "mimeType": str, "text?": str},
                    "redirectURL": str,
                    "headersSize": int,
                    "bodySize": int,
                },
                "cache": dict,
                "timings": {"send": NUMBER, "wait": NUMBER, "receive": NUMBER},
                "comment?": str,
            }
        ],
    }
}
ISO_8601 = r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z"


def check(value: Any, schema: Any, where: str = "har") -> None:
    """AssertionError naming the first place ``value`` breaks ``schema``."""
    if isinstance(schema, dict):
        assert isinstance(value, dict), f"{where}: not an object"
        for key, sub in schema.items():
            name, optional = key.rstrip("?"), key.endswith("?")
            if name not in value:
                assert optional, f"{where}.{name}: missing"
                continue
            check(value[name], sub, f"{where}.{name}")
    elif isinstance(schema, list):
        assert isinstance(value, list), f"{where}: not an array"
        for i, item in enumerate(value):
            check(item, schema[0], f"{where}[{i}]")
    else:
        kinds = schema if isinstance(schema, tuple) else (schema,)
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        assert ok, f"{where}: {value!r} is not {schema}"


def validate(har: dict[str, Any]) -> list[dict[str, Any]]:
    import re

    check(har, SCHEMA)
    assert har["log"]["version"] == "1.2"
    for entry in har["log"]["entries"]:
        assert re.fullmatch(ISO_8601, entry["startedDateTime"])
        assert entry["time"] >= 0
    return list(har["log"]["entries"])


def test_the_schema_check_catches_what_it_should() -> None:
    with pytest.raises(AssertionError, match=r"har.log.entries\[0\].startedDateTime: missing"):
        check({"log": {"version": "1.2", "creator": {"name": "x", "version": "1"},
                       "entries": [{"request": {"method": "GET"}}]}}, SCHEMA)  # fmt: skip
    with pytest.raises(AssertionError, match=r"har.log.creator: not an object"):
        check({"log": {"version": "1.2", "creator": "x", "entries": []}}, SCHEMA)


def test_in_process_journal_as_har() -> None:
    with AuthMock() as mock, requests.Session() as http:
        token = http.post(f"{SIGMA}/api/v1/auth/login", json=SIGMA_ADMIN).json()["token"]
        bearer = {"Authorization": f"Bearer {token}"}
        made = http.post(
            f"{SIGMA}/api/v1/api-keys?why=ci",
            json={"name": "ci", "permissions": ["read"]},
            headers=bearer,
        ).json()
        mock.faults.add(path="/healthz", kind="reset", times=1)
        with pytest.raises(requests.ConnectionError):
            http.get(f"{SIGMA}/healthz")
        har = mock.calls.to_har()
    entries = validate(har)
    text = json.dumps(har)
    # The journal's masking: no password, token or raw key anywhere.
    for secret in ('admin"', token, made["key"]):
        assert secret not in text
    login, create, dropped = entries
    assert login["request"]["method"] == "POST"
    assert login["request"]["url"] == f"{SIGMA}/api/v1/auth/login"
    assert json.loads(login["request"]["postData"]["text"]) == {
        "email": "admin@sigma.io",
        "password": "********",
    }
    assert login["request"]["postData"]["mimeType"] == "application/json"
    assert (login["response"]["status"], login["response"]["statusText"]) == (200, "OK")
    answer = json.loads(login["response"]["content"]["text"])
    assert answer["user"]["id"] == "user-admin" and answer["token"].startswith("****")
    assert login["response"]["content"]["mimeType"] == "application/json"
    assert create["request"]["url"] == f"{SIGMA}/api/v1/api-keys?why=ci"
    assert create["request"]["queryString"] == [{"name": "why", "value": "ci"}]
    authorization = [h for h in create["request"]["headers"] if h["name"] == "Authorization"]
    assert len(authorization) == 1 and token not in authorization[0]["value"]
    assert create["response"]["status"] == 201
    assert json.loads(create["response"]["content"]["text"])["name"] == "ci"
    assert dropped["response"]["status"] == 0
    assert dropped["comment"] == "authmock fault fault-1 (connection dropped)"
    assert entries[0]["timings"]["wait"] == entries[0]["time"]


def test_server_and_instance_har_over_http() -> None:
    mock = AuthMock()
    with mock.serve() as server, RemoteAuthMock(server.url) as remote:
        requests.post(f"{server.url}/api/v1/auth/login", json=SIGMA_ADMIN)
        requests.get(f"{server.url}/bigid/sandbox/api/v1/refresh-access-token")
        reply = requests.get(f"{server.url}/_authmock/calls.har")
        assert reply.status_code == 200
        assert reply.headers["Content-Type"] == "application/json"
        entries = validate(reply.json())
        assert [e["request"]["url"] for e in entries] == [
            f"{server.url}/api/v1/auth/login",
            f"{server.url}/bigid/sandbox/api/v1/refresh-access-token",
        ]
        assert [e["response"]["status"] for e in entries] == [200, 401]
        assert reply.json() == mock.calls.to_har() == remote.calls.to_har()
        only_posts = requests.get(f"{server.url}/_authmock/calls.har?method=POST").json()
        assert len(only_posts["log"]["entries"]) == 1
        bad = requests.get(f"{server.url}/_authmock/calls.har?colour=red")
        assert bad.status_code == 400
        with remote.new_instance() as instance:
            requests.post(f"{instance.url}/api/v1/auth/login", json=SIGMA_ADMIN)
            har = requests.get(f"{instance.url}/_authmock/calls.har").json()
            (only,) = validate(har)
            assert only["request"]["url"] == f"{instance.url}/api/v1/auth/login"


def test_plugin_writes_the_har_of_failing_tests_only(pytester: pytest.Pytester) -> None:
    pytester.makepyfile(
        test_user=textwrap.dedent(
            """
            import requests

            SIGMA = "https://api.sigma-pim.com"
            ADMIN = {"email": "admin@sigma.io", "password": "admin"}

            def test_passes(authmock):
                requests.post(SIGMA + "/api/v1/auth/login", json=ADMIN)

            def test_fails(authmock):
                requests.post(SIGMA + "/api/v1/auth/login", json=ADMIN)
                assert False

            def test_fails_on_the_server(authmock_server):
                requests.get(authmock_server.url + "/healthz")
                assert False
            """
        )
    )
    out = pytester.path / "har"
    result = pytester.runpytest_subprocess("--authmock-har", str(out), "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=2)
    written = sorted(p.name for p in out.iterdir())
    assert written == [
        "test_user.py_test_fails.authmock.har",
        "test_user.py_test_fails_on_the_server.authmock_server.har",
    ]
    (login,) = validate(json.loads((out / written[0]).read_text()))
    assert login["request"]["url"] == f"{SIGMA}/api/v1/auth/login"
    (health,) = validate(json.loads((out / written[1]).read_text()))
    assert health["request"]["url"].endswith("/healthz")


def test_har_of_an_empty_journal() -> None:
    assert validate(AuthMock().calls.to_har()) == []
