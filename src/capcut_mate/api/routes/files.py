"""Serves draft folders and render outputs from storage: plain GET with HTTP Range support.

Files on this machine's disk are sent directly; objects in a bucket are a redirect to a (presigned)
bucket URL, which serves Range requests itself. The zip is built from storage in both modes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import zipfile
from pathlib import Path

from fastapi import APIRouter, Depends
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from capcut_mate.api.deps import services
from capcut_mate.drafts.ids import validate_draft_id
from capcut_mate.errors import ApiError
from capcut_mate.services import Services
from capcut_mate.storage import Storage, StorageNotFound

router = APIRouter(tags=["files"])


def _serve(storage: Storage, key: str, relative: str, media_type: str | None = None) -> Response:
    """The object under `key`, refusing dot-files and paths that escape their folder (.., absolute)."""
    parts = relative.split("/")
    if not relative or relative.startswith("/") or any(p in ("", ".", "..") or p.startswith(".") for p in parts):
        raise ApiError("NOT_FOUND", f"no file {relative}")
    try:
        path = storage.local_path(key)
    except StorageNotFound:  # a link pointing out of the data dir
        raise ApiError("NOT_FOUND", f"no file {relative}") from None
    if path is None:
        if not storage.exists(key):
            raise ApiError("NOT_FOUND", f"no file {relative}")
        return RedirectResponse(storage.url(key), status_code=307)
    if not path.is_file():
        raise ApiError("NOT_FOUND", f"no file {relative}")
    return FileResponse(path, media_type=media_type)


@router.get("/files/drafts/{draft_id}.zip", summary="Download the whole draft folder as one zip")
def draft_zip(draft_id: str, svc: Services = Depends(services)) -> FileResponse:
    """The folder as `<draft_id>/...`, ready to unpack into the app's drafts folder."""
    validate_draft_id(draft_id)
    handle, name = tempfile.mkstemp(suffix=".zip", dir=svc.settings.tmp_dir)
    os.close(handle)
    archive = Path(name)
    try:
        with zipfile.ZipFile(archive, "w", zipfile.ZIP_STORED) as zipped:
            for relative in svc.drafts.files(draft_id):
                with (
                    svc.storage.open(svc.drafts.key(draft_id, relative)) as source,
                    zipped.open(f"{draft_id}/{relative}", "w", force_zip64=True) as target,
                ):
                    shutil.copyfileobj(source, target, 1024 * 1024)
    except BaseException:
        archive.unlink(missing_ok=True)
        raise
    return FileResponse(
        archive,
        media_type="application/zip",
        filename=f"{draft_id}.zip",
        background=BackgroundTask(archive.unlink, missing_ok=True),
    )


@router.get("/files/drafts/{draft_id}/{relative:path}", summary="Download one file of a draft folder")
def draft_file(draft_id: str, relative: str, svc: Services = Depends(services)) -> Response:
    svc.drafts.require(draft_id)
    return _serve(svc.storage, svc.drafts.key(draft_id, relative), relative)


@router.get("/files/outputs/{relative:path}", summary="Download a rendered video")
def output_file(relative: str, svc: Services = Depends(services)) -> Response:
    return _serve(svc.storage, f"outputs/{relative}", relative, media_type="video/mp4")
