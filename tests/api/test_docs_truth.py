"""What the service says about itself is true: /openapi.json's errors, /docs offline, the URLs it hands out."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from capcut_mate.api.app import create_app
from capcut_mate.config import Settings
from capcut_mate.errors import KINDS
from tests.api.helpers import V1


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    test_client = TestClient(create_app(Settings(data_dir=tmp_path_factory.mktemp("data"))))
    yield test_client
    test_client.close()


@pytest.fixture(scope="module")
def spec(client: TestClient) -> dict[str, Any]:
    return client.get("/openapi.json").json()


def operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            yield path, method, operation


def test_no_operation_documents_fastapis_unused_422(spec: dict[str, Any]) -> None:
    for path, method, operation in operations(spec):
        for status, response in operation["responses"].items():
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            assert "HTTPValidationError" not in str(schema), (path, method, status)
    assert "HTTPValidationError" not in spec["components"]["schemas"]


def test_every_error_status_is_the_envelope_with_codes_of_that_status(spec: dict[str, Any]) -> None:
    for path, method, operation in operations(spec):
        errors = {status: r for status, r in operation["responses"].items() if int(status) >= 400}
        assert "500" in errors, (path, method)
        for status, response in errors.items():
            schema = response["content"]["application/json"]["schema"]
            codes = schema["properties"]["error"]["properties"]["code"]["enum"]
            assert codes and all(KINDS[code].http_status == int(status) for code in codes), (path, status, codes)


def error_codes(spec: dict[str, Any], path: str, method: str = "post") -> set[str]:
    responses = spec["paths"][path][method]["responses"]
    return {
        code
        for status, response in responses.items()
        if int(status) >= 400
        for code in response["content"]["application/json"]["schema"]["properties"]["error"]["properties"]["code"][
            "enum"
        ]
    }


def test_operations_document_the_codes_they_answer(spec: dict[str, Any]) -> None:
    assert {"VALIDATION_ERROR", "INVALID_DRAFT_URL", "DRAFT_NOT_FOUND", "UNSUPPORTED_MEDIA", "MEDIA_URL_FORBIDDEN",
            "REQUEST_TOO_LARGE", "DRAFT_BUSY"} <= error_codes(spec, f"{V1}/add_videos")  # fmt: skip
    status = error_codes(spec, f"{V1}/gen_video_status")
    assert {"VALIDATION_ERROR", "VIDEO_TASK_NOT_FOUND", "VIDEO_STATUS_QUERY_FAILED"} <= status
    assert "INVALID_DRAFT_URL" not in status  # the seed's contract
    assert "SERVICE_BUSY" in error_codes(spec, f"{V1}/gen_video")
    assert "NOT_FOUND" in error_codes(spec, "/files/outputs/{relative}", "get")


def test_draft_url_and_draft_id_shapes_are_documented(spec: dict[str, Any]) -> None:
    pattern = spec["components"]["schemas"]["DraftRef"]["properties"]["draft_url"]["pattern"]
    assert re.search(pattern, "http://h/openapi/capcut-mate/v1/get_draft?draft_id=20250101120000a1b2c3d4e5f60718")
    assert not re.search(pattern, "http://h/get_draft?draft_id=../../etc")
    (param,) = spec["paths"][f"{V1}/get_draft"]["get"]["parameters"]
    assert re.fullmatch(param["schema"]["pattern"].strip("^$"), "20250101120000a1b2c3d4e5f60718")


def test_the_zip_is_documented_as_a_zip(spec: dict[str, Any]) -> None:
    assert list(spec["paths"]["/files/drafts/{draft_id}.zip"]["get"]["responses"]["200"]["content"]) == [
        "application/zip"
    ]
    assert "video/mp4" in spec["paths"]["/files/outputs/{relative}"]["get"]["responses"]["200"]["content"]


def test_docs_work_offline(client: TestClient) -> None:
    page = client.get("/docs")
    assert page.status_code == 200
    assets = re.findall(r"""(?:src|href)=["']([^"']+)["']""", page.text) + re.findall(r"url: ?'([^']+)'", page.text)
    assert assets and not [a for a in assets if a.startswith(("http://", "https://", "//"))], assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    redoc = client.get("/redoc")
    assert redoc.status_code == 200 and "cdn" not in redoc.text.lower()


def test_handed_out_urls_follow_the_client_unless_configured(tmp_path: Path) -> None:
    open_client = TestClient(create_app(Settings(data_dir=tmp_path / "a")), base_url="http://10.0.0.7:30000")
    draft_url = open_client.post(f"{V1}/create_draft", json={}).json()["draft_url"]
    assert draft_url.startswith("http://10.0.0.7:30000/openapi/capcut-mate/v1/get_draft?draft_id=")
    pinned = TestClient(create_app(Settings(data_dir=tmp_path / "b", public_url="https://cm.example.com/")))
    assert pinned.post(f"{V1}/create_draft", json={}).json()["draft_url"].startswith("https://cm.example.com/openapi/")
    open_client.close()
    pinned.close()
