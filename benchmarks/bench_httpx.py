"""In-process httpx (informative; issue 15 sets no httpx target): an
authenticated GET through ``mock.httpx_transport()`` against a bare
``httpx.MockTransport`` answering the same body, the same client code."""

from __future__ import annotations

import httpx

from authmock import AuthMock
from benchmarks.common import Ratio, alternate, microseconds

SIGMA = "https://api.sigma-pim.com"
ROLES = f"{SIGMA}/api/v1/roles"


def authenticated_get() -> Ratio:
    mock = AuthMock(seed=0)
    headers = {"Authorization": f"Bearer {mock.sigma.issue_token('admin@sigma.io')}"}
    with httpx.Client(transport=mock.httpx_transport()) as client:
        answer = client.get(ROLES, headers=headers)
    assert answer.status_code == 200, answer.text
    body = answer.content
    mock.calls.clear()

    def constant(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, headers={"Content-Type": "application/json"}, content=body)

    subject = httpx.Client(transport=mock.httpx_transport())
    floor = httpx.Client(transport=httpx.MockTransport(constant))
    try:
        paired = alternate(
            lambda: subject.get(ROLES, headers=headers),
            lambda: floor.get(ROLES, headers=headers),
            teardown_subject=mock.calls.clear,
        )
    finally:
        subject.close()
        floor.close()
    return Ratio(
        "httpx in-process GET / bare httpx.MockTransport",
        paired.ratio,
        0.0,
        goal="info",
        detail=microseconds(paired),
    )


def run() -> list[Ratio]:
    return [authenticated_get()]
