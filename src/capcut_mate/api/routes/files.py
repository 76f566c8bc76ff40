"""Serves draft folders and render outputs from storage: GET and HEAD, with HTTP Range support.

Files on this machine's disk are sent directly; objects in a bucket are a redirect to a (presigned)
bucket URL, which serves Range requests itself (a HEAD is sent to a URL presigned for HEAD). The zip is
built from storage in both modes.

These files sit on the API's own origin, beside the console, and need no key: whatever they hold must stay
inert in a browser. Every answer has a content type from the allow-list (`storage.content_types`, never a
document type), `nosniff`, and a CSP that runs no script; a draft's own files (its JSON, its media, its
zip) are attachments, so opening one downloads it, under a CSP that forbids everything. Rendered videos
stay inline (video/mp4, webm, gif, made by our own encoder): a browser tab opening a video_url plays it
in its own player document, which must be allowed to load the video itself from its own origin (Chromium
blocks it under `default-src 'none'`, and under a sandbox without `allow-same-origin`, as CORS).
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
from capcut_mate.storage.content_types import safe_content_type

router = APIRouter(tags=["files"])


INERT = {"X-Content-Type-Options": "nosniff", "Content-Security-Policy": "default-src 'none'; sandbox"}
PLAYABLE = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; media-src 'self'; img-src 'self'; sandbox allow-same-origin",
}
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


def _serve(request: Request, storage: Storage, folder: str, relative: str, *, attachment: bool) -> Response:
    """The object `folder + relative`: the file itself from this machine's disk (never one a link points
    to outside `folder`), else a redirect to the bucket's URL (for the request's method)."""
    if not _plain(relative):
        raise _missing(relative)
    key = folder + relative
    filename = relative.rsplit("/", 1)[-1] if attachment else None
    headers = INERT if attachment else PLAYABLE
    try:
        root = storage.local_path(folder)
        if root is None:
            if storage.exists(key):
                head = request.method == "HEAD"
                target = storage.url(key, public_url(request), head=head, filename=filename)
                return RedirectResponse(target, status_code=307, headers=headers)
        else:
            path = (root / relative).resolve()
            if path.is_relative_to(root.resolve()) and path.is_file():
                return FileResponse(path, media_type=safe_content_type(relative), headers=headers, filename=filename)
    except (StorageNotFound, OSError, ValueError):
        pass
    raise _missing(relative)


@router.head("/files/drafts/{draft_id}.zip", include_in_schema=False)
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
        headers=INERT,
        background=BackgroundTask(archive.unlink, missing_ok=True),
    )


@router.head("/files/drafts/{draft_id}/{relative:path}", include_in_schema=False)
@router.get(
    "/files/drafts/{draft_id}/{relative:path}",
    summary="Download one file of a draft folder",
    response_class=FileResponse,
    responses={
        200: {
            "content": {"application/octet-stream": {}},
            "description": "The file, as an attachment (HTTP Range and HEAD supported)",
        },
        307: {"description": "In cluster mode with a bucket: the file's bucket URL"},
    },
)
def draft_file(request: Request, draft_id: str, relative: str, svc: Services = Depends(services)) -> Response:
    svc.drafts.require(draft_id)
    return _serve(request, svc.storage, svc.drafts.prefix(draft_id), relative, attachment=True)


@router.head("/files/outputs/{relative:path}", include_in_schema=False)
@router.get(
    "/files/outputs/{relative:path}",
    summary="Download a rendered video",
    response_class=FileResponse,
    responses={
        200: {
            "content": {"video/mp4": {}, "video/webm": {}, "image/gif": {}},
            "description": "The video in the format gen_video asked for, inline (HTTP Range and HEAD supported)",
        },
        307: {"description": "In cluster mode with a bucket: the video's bucket URL"},
    },
)
def output_file(request: Request, relative: str, svc: Services = Depends(services)) -> Response:
    return _serve(request, svc.storage, "outputs/", relative, attachment=False)
