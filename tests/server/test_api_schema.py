"""The OpenAPI schema: complete, honest about errors, and fuzzed by schemathesis without a 5xx."""

from __future__ import annotations

import json

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)
from server_helpers import LOOPBACK, Local, Team

from vibecast.model import Replay, ReplayMetadata
from vibecast.server.encoding import PublicReplay
from vibecast.server.schemas import (
    AnnotationOut,
    PublicReplayOut,
    ReplayMetadataOut,
    ReplayOut,
)
from vibecast.store.base import Annotation

SPEC_ENDPOINTS = {
    ("post", "/api/replays/start"),
    ("post", "/api/replays/stop"),
    ("get", "/api/replays"),
    ("get", "/api/replays/{replay_id}"),
    ("post", "/api/replays/{replay_id}/share"),
    ("get", "/api/replays/{replay_id}/events"),
    ("patch", "/api/replays/{replay_id}"),
    ("delete", "/api/replays/{replay_id}"),
    ("delete", "/api/replays/{replay_id}/share"),
    ("get", "/api/replays/{replay_id}/annotations"),
    ("post", "/api/replays/{replay_id}/annotations"),
    ("patch", "/api/replays/{replay_id}/annotations/{annotation_id}"),
    ("delete", "/api/replays/{replay_id}/annotations/{annotation_id}"),
    ("get", "/api/replays/{replay_id}/bookmarks"),
    ("post", "/api/replays/{replay_id}/bookmarks"),
    ("get", "/api/replays/{replay_id}/live"),
    ("get", "/api/s/{token}"),
    ("get", "/api/s/{token}/events"),
    ("get", "/s/{token}"),
    ("get", "/metrics"),
}


@pytest.mark.readonly
def test_schema_lists_every_endpoint_and_documents_errors(local: Local) -> None:
    response = local.client.get("/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    operations = {(m, p) for p, ops in spec["paths"].items() for m in ops}
    assert operations >= SPEC_ENDPOINTS
    # Validation errors are documented as what the server sends, not FastAPI's default shape.
    assert "HTTPValidationError" not in json.dumps(spec)
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            if op.get("parameters") or "requestBody" in op:
                error = op["responses"]["422"]["content"]["application/json"]["schema"]
                assert error == {"$ref": "#/components/schemas/ErrorOut"}, (method, path)
    # Local mode asks for no credentials, and its schema says so.
    assert "securitySchemes" not in spec["components"]
    assert local.client.get("/docs").status_code == 200


@pytest.mark.readonly
def test_server_mode_schema_declares_bearer_auth(team: Team) -> None:
    spec = team.anonymous.get("/openapi.json").json()
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert spec["paths"]["/api/replays"]["get"]["security"] == [{"HTTPBearer": []}]
    assert "security" not in spec["paths"]["/api/s/{token}"]["get"]


def test_response_models_mirror_the_structs_they_document() -> None:
    def fields(model) -> set[str]:
        return {f.alias or name for name, f in model.model_fields.items()}

    assert fields(ReplayOut) == set(Replay.__struct_fields__)
    assert fields(ReplayMetadataOut) == set(ReplayMetadata.__struct_fields__)
    assert fields(AnnotationOut) == set(Annotation.__struct_fields__)
    assert fields(PublicReplayOut) == set(PublicReplay.__struct_fields__)


@pytest.fixture
def api_schema(local: Local):
    """The app's own schema, called in-process at a loopback address (local mode answers only
    localhost names, so schemathesis' default ``testserver`` host would get 421)."""
    schema = schemathesis.openapi.from_dict(local.client.get("/openapi.json").json())
    schema.app = local.client.app
    schema.config.update(base_url=LOOPBACK)
    return schema


fuzzed = schemathesis.pytest.from_fixture("api_schema")


@fuzzed.parametrize()
@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_fuzzed_requests_never_get_a_5xx(case) -> None:
    case.call_and_validate(
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            negative_data_rejection,
        ]
    )
