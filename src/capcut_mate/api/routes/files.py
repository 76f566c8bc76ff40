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

from fastapi import APIRouter, Depends, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from starlette.background import BackgroundTask

from capcut_mate.api.deps import services
from capcut_mate.api.responses import public_url
from capcut_mate.drafts.ids import validate_draft_id
from capcut_mate.errors import ApiError, clip
from capcut_mate.services import Services
from capcut_mate.storage import Storage, StorageNotFound

router = APIRouter(tags=["files"])


NAME_MAX = 255  # bytes in one file name (ext4, and the app's folder once unpacked)
PATH_MAX = 900  # bytes in a path below its folder, well inside an S3 key's 1024


def _missing(relative: str) -> ApiError:
    return ApiError("NOT_FOUND", f"no file {clip(relative)}")


def _plain(relative: str) -> bool:
    """A relative path a folder can hold: no dot-files, no `..` or absolute paths, no NUL byte, no name a
    file system refuses. Anything else is simply not there, in a data directory and a bucket alike."""
    parts = relative.split("/")
    return (
        bool(relative)
        and "\0" not in relative
        and len(relative.encode("utf-8", "replace")) <= PATH_MAX
        and all(p not in ("", ".", "..") and not p.startswith(".") for p in parts)
        and all(len(p.encode("utf-8", "replace")) <= NAME_MAX for p in parts)
    )


def _serve(storage: Storage, folder: str, relative: str, api_base: str, media_type: str | None = None) -> Response:
    """The object `folder + relative`: the file itself from this machine's disk (never one a link points
    to outside `folder`), else a redirect to the bucket's URL."""
    if not _plain(relative):
        raise _missing(relative)
    key = folder + relative
    try:
        root = storage.local_path(folder)
        if root is None:
            if storage.exists(key):
                return RedirectResponse(storage.url(key, api_base), status_code=307)
        else:
            path = (root / relative).resolve()
            if path.is_relative_to(root.resolve()) and path.is_file():
                return FileResponse(path, media_type=media_type)
    except (StorageNotFound, OSError, ValueError):
        pass
    raise _missing(relative)


@router.get(
    "/files/drafts/{draft_id}.zip",
    summary="Download the whole draft folder as one zip",
    response_class=FileResponse,
    responses={200: {"content": {"application/zip": {}}, "description": "The draft folder, zipped"}},
)
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


@router.get(
    "/files/drafts/{draft_id}/{relative:path}",
    summary="Download one file of a draft folder",
    response_class=FileResponse,
    responses={
        200: {"content": {"application/octet-stream": {}}, "description": "The file (HTTP Range supported)"},
        307: {"description": "In cluster mode with a bucket: the file's bucket URL"},
    },
)
def draft_file(request: Request, draft_id: str, relative: str, svc: Services = Depends(services)) -> Response:
    svc.drafts.require(draft_id)
    return _serve(svc.storage, svc.drafts.prefix(draft_id), relative, public_url(request))


@router.get(
    "/files/outputs/{relative:path}",
    summary="Download a rendered video",
    response_class=FileResponse,
    responses={
        200: {
            "content": {"video/mp4": {}, "video/webm": {}, "image/gif": {}},
            "description": "The video in the format gen_video asked for (HTTP Range supported)",
        },
        307: {"description": "In cluster mode with a bucket: the video's bucket URL"},
    },
)
def output_file(request: Request, relative: str, svc: Services = Depends(services)) -> Response:
    return _serve(svc.storage, "outputs/", relative, public_url(request))  # the type follows the extension
