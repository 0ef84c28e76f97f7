"""A body that is not JSON, on every endpoint that takes one (as the OpenAPI schema lists them):
not valid JSON is a 400 ``bad_request`` saying so and where, another content type a 415."""

from __future__ import annotations

import re

import pytest
from server_helpers import Local

# Every path parameter of the API, filled with something of the right shape: the body is read
# (and refused) before the replay, annotation or link it names is looked up.
_PLACEHOLDER = re.compile(r"\{[a-z_]+\}")


def _json_endpoints(local: Local) -> list[tuple[str, str]]:
    schema = local.client.get("/openapi.json").json()
    found = [
        (method.upper(), _PLACEHOLDER.sub("x", path))
        for path, operations in schema["paths"].items()
        for method, operation in operations.items()
        if "application/json" in operation.get("requestBody", {}).get("content", {})
    ]
    assert len(found) >= 10  # start, stop, edit, share, annotations, export…
    return found


@pytest.mark.readonly
@pytest.mark.parametrize(
    ("body", "where"),
    [
        (b'{"title": ', "line 1, column 11"),
        (b'{"title": "x",\n}', "line 2, column 1"),
        (b"title=x", "line 1, column 1"),
        (b'{"title": "\xff"}', "offset 11"),
    ],
)
def test_a_body_that_is_not_valid_json_is_a_400(local: Local, body: bytes, where: str) -> None:
    for method, path in _json_endpoints(local):
        response = local.client.request(
            method, path, content=body, headers={"Content-Type": "application/json"}
        )
        assert response.status_code == 400, (method, path, response.text)
        error = response.json()["error"]
        assert error["code"] == "bad_request", (method, path)
        assert error["message"].startswith("the body is not valid JSON: "), error
        assert where in error["message"], error


@pytest.mark.readonly
@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", None])
def test_a_body_of_another_type_is_a_415(local: Local, content_type: str | None) -> None:
    headers = {"Content-Type": content_type} if content_type else {}
    for method, path in _json_endpoints(local):
        response = local.client.request(method, path, content=b'{"title": "x"}', headers=headers)
        assert response.status_code == 415, (method, path, response.text)
        error = response.json()["error"]
        assert error["code"] == "unsupported_media_type"
        assert "must be JSON (Content-Type: application/json)" in error["message"]
        assert (content_type or "no Content-Type") in error["message"]


@pytest.mark.readonly
def test_json_with_wrong_fields_is_still_a_422(local: Local) -> None:
    replay = local.replay("1af7fc5e")
    for content_type in ("application/json", "application/merge-patch+json; charset=utf-8"):
        response = local.client.patch(
            f"/api/replays/{replay.id}",
            content=b'{"title": 5}',
            headers={"Content-Type": content_type},
        )
        assert response.status_code == 422 and response.json()["error"]["code"] == (
            "invalid_request"
        )
