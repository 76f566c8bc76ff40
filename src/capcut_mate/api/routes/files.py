"""Serves draft folders and render outputs (embedded default): plain GET with HTTP Range support."""

from __future__ import annotations

import os
import tempfile
import zipfile
from pathlib import Path

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse
from starlette.background import BackgroundTask

from capcut_mate.api.deps import services
from capcut_mate.drafts.ids import validate_draft_id
from capcut_mate.errors import ApiError, clip
from capcut_mate.services import Services

router = APIRouter(tags=["files"])


def _inside(root: Path, relative: str) -> Path:
    """`root/relative`, refusing anything that escapes `root` (.., absolute paths, links out).

    Names the file system itself refuses (a NUL byte, a name over 255 bytes) are simply not there.
    """
    root = root.resolve()
    try:
        target = (root / relative).resolve()
        found = target.is_relative_to(root) and target.is_file() and not target.name.startswith(".")
    except (OSError, ValueError):
        found = False
    if not found:
        raise ApiError("NOT_FOUND", f"no file {clip(relative)}")
    return target


@router.get(
    "/files/drafts/{draft_id}.zip",
    summary="Download the whole draft folder as one zip",
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}, "description": "The draft folder, zipped"}},
)
def draft_zip(draft_id: str, svc: Services = Depends(services)) -> FileResponse:
    """The folder as `<draft_id>/...`, ready to unpack into the app's drafts folder."""
    folder = svc.drafts.folder(validate_draft_id(draft_id))
    handle, name = tempfile.mkstemp(suffix=".zip", dir=svc.settings.tmp_dir)
    os.close(handle)
    archive = Path(name)
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zipped:
        for relative in svc.drafts.files(draft_id):
            zipped.write(folder / relative, f"{draft_id}/{relative}")
    return FileResponse(
        archive,
        media_type="application/zip",
        filename=f"{draft_id}.zip",
        background=BackgroundTask(archive.unlink, missing_ok=True),
    )


@router.get(
    "/files/drafts/{draft_id}/{relative:path}",
    summary="Download one file of a draft folder",
    response_class=FileResponse,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The file (HTTP Range supported)"}},
)
def draft_file(draft_id: str, relative: str, svc: Services = Depends(services)) -> FileResponse:
    folder = svc.drafts.folder(validate_draft_id(draft_id))
    return FileResponse(_inside(folder, relative))


@router.get(
    "/files/outputs/{relative:path}",
    summary="Download a rendered video",
    response_class=FileResponse,
    responses={200: {"content": {"video/mp4": {}}, "description": "The MP4 (HTTP Range supported)"}},
)
def output_file(relative: str, svc: Services = Depends(services)) -> FileResponse:
    return FileResponse(_inside(svc.settings.outputs_dir, relative), media_type="video/mp4")
