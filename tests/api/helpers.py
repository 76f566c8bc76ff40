"""Small helpers shared by the API tests."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path
from typing import Any

import httpx

from capcut_mate.config import Settings

V1 = "/openapi/capcut-mate/v1"


def create_draft(api: httpx.Client, width: int = 320, height: int = 240) -> str:
    response = api.post(f"{V1}/create_draft", json={"width": width, "height": height})
    assert response.status_code == 200, response.text
    return response.json()["draft_url"]


def draft_id(draft_url: str) -> str:
    return draft_url.split("draft_id=")[1]


def post_ok(api: httpx.Client, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    response = api.post(f"{V1}/{endpoint}", json=body)
    assert response.status_code == 200, response.text
    return response.json()


def post_error(api: httpx.Client, endpoint: str, body: Any, status: int, code: str) -> str:
    """POST, assert the error envelope with `status` and `code`, return `details`."""
    kwargs = (
        {"content": body, "headers": {"content-type": "application/json"}} if isinstance(body, str) else {"json": body}
    )
    response = api.post(f"{V1}/{endpoint}", **kwargs)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["code"] == code, error
    assert error["message"] and error["details"], error
    return error["details"]


def captions(*texts: str, step: int = 1_000_000) -> str:
    return json.dumps([{"text": t, "start": i * step, "end": (i + 1) * step} for i, t in enumerate(texts)])


def content_of(data_dir: Path, draft_url: str) -> dict[str, Any]:
    return json.loads((data_dir / "drafts" / draft_id(draft_url) / "draft_content.json").read_text("utf-8"))


def draft_files(settings: Settings, url: str) -> dict[str, bytes]:
    """Every file of the draft folder and its bytes: equal before and after a failed call."""
    folder = settings.data_dir / "drafts" / draft_id(url)
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def zip_bytes(entries: dict[str, bytes | Path]) -> bytes:
    """A deflated zip of `entries` (name -> bytes, or a file to read), as an import_draft upload."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data.read_bytes() if isinstance(data, Path) else data)
    return buffer.getvalue()
