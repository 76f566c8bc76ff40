"""Template mode, bring your own draft: import_draft, list_segments, replace_material, replace_text."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import IO, Any

import anyio
from fastapi import APIRouter, Depends, Request
from pydantic import ValidationError
from starlette.datastructures import UploadFile

from capcut_mate.api.deps import services
from capcut_mate.api.errors import describe_validation_errors
from capcut_mate.api.responses import ok, public_url
from capcut_mate.api.schemas import DraftRef
from capcut_mate.api.schemas_template import (
    ImportDraftRequest,
    ListSegmentsResponse,
    ReplaceMaterialRequest,
    ReplaceTextRequest,
)
from capcut_mate.drafts import listing, replace_media, text_replace
from capcut_mate.drafts.assets import fetch_media, placing
from capcut_mate.drafts.ids import API_PREFIX, draft_id_from_url, draft_url_for
from capcut_mate.drafts.importing import ImportedDraft, ZipLimits, unpack_draft
from capcut_mate.errors import ApiError, clip
from capcut_mate.media.conform import conform
from capcut_mate.media.download import download_to
from capcut_mate.services import Services

router = APIRouter(tags=["template"])

IMPORT_PATH = f"{API_PREFIX}/import_draft"
IMPORT_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": ImportDraftRequest.model_json_schema()},
        "multipart/form-data": {
            "schema": {
                "type": "object",
                "required": ["file"],
                "properties": {"file": {"type": "string", "format": "binary", "description": "The draft zip"}},
            }
        },
    },
}
ASSET_FOLDERS = {"video": "videos", "photo": "images", "audio": "audios"}


@router.post(
    "/import_draft",
    summary="Import a zip of an app draft folder as a new draft (template mode)",
    description="Send the zip as multipart field `file`, or JSON {zip_url}. The draft's media found in the zip "
    "are stored with the draft and its paths made relative; media the zip lacks are listed in "
    "`missing_materials` (replace_material them before gen_video); a file the draft names that does not probe "
    "as media is not kept (its material is missing), and every entry not kept is in `skipped_files` with the "
    "reason. Drafts JianYing 6+ encrypted are a 422 DRAFT_ENCRYPTED.",
    openapi_extra={"requestBody": IMPORT_BODY},
)
async def import_draft(request: Request, svc: Services = Depends(services)) -> dict[str, Any]:
    settings = svc.settings
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    with tempfile.TemporaryDirectory(prefix="import-", dir=settings.tmp_dir) as folder:
        scratch = Path(folder)
        if kind == "multipart/form-data":
            async with request.form(max_files=1, max_fields=8) as form:
                upload = form.get("file")
                if not isinstance(upload, UploadFile):
                    raise ApiError("VALIDATION_ERROR", "file: send the draft zip as multipart field `file`")
                draft_id, imported = await anyio.to_thread.run_sync(_import, svc, upload.file, scratch)
        elif kind in ("application/json", ""):
            body = _import_request(await _small_body(request, settings.max_body_bytes))
            draft_id, imported = await anyio.to_thread.run_sync(_import_url, svc, body.zip_url, scratch)
        else:
            raise ApiError(
                "VALIDATION_ERROR",
                f"content-type {clip(kind)}: send multipart/form-data (field `file`) or JSON {{zip_url}}",
            )
    return ok(
        request,
        draft_url=draft_url_for(public_url(request), draft_id),
        draft_id=draft_id,
        content_file=imported.content_file,
        stored_files=sorted(imported.files),
        missing_materials=imported.missing,
        missing_fonts=imported.missing_fonts,
        skipped_files=imported.skipped,
    )


async def _small_body(request: Request, limit: int) -> bytes:
    """The body of a JSON request to a route whose body cap is an upload's: held to the ordinary cap."""
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limit:
            raise ApiError("REQUEST_TOO_LARGE", f"the JSON body is over {limit} bytes (CAPCUT_MATE_MAX_BODY_BYTES)")
    return bytes(body)


def _import_request(raw: bytes) -> ImportDraftRequest:
    try:
        return ImportDraftRequest.model_validate_json(raw or b"null")
    except ValidationError as exc:
        raise ApiError("VALIDATION_ERROR", describe_validation_errors(exc.errors())) from None


def _import(svc: Services, archive: IO[bytes], scratch: Path) -> tuple[str, ImportedDraft]:
    settings = svc.settings
    limits = ZipLimits(
        settings.max_import_unzipped_bytes,
        settings.max_import_entries,
        settings.max_import_ratio,
        settings.max_image_pixels,
    )
    imported = unpack_draft(archive, limits, scratch)
    return svc.drafts.create_from(imported.doc, imported.files), imported


def _import_url(svc: Services, url: str, scratch: Path) -> tuple[str, ImportedDraft]:
    limit = svc.settings.max_import_bytes
    too_large = ApiError("ZIP_TOO_LARGE", f"zip_url: more than {limit} bytes (CAPCUT_MATE_MAX_IMPORT_BYTES)")
    with open(scratch / "draft.zip", "w+b") as archive:
        download_to(url, svc.fetcher.policy, archive, limit, too_large)
        archive.seek(0)
        return _import(svc, archive, scratch)


@router.post(
    "/list_segments",
    summary="Tracks and segments of a draft: times, materials, texts",
    description="What a workflow needs to find what to replace: every track with its segments (µs), each "
    "segment's material id, kind, name and path, and the words of text segments.",
    response_model=ListSegmentsResponse,
)
def list_segments(request: Request, body: DraftRef, svc: Services = Depends(services)) -> dict[str, Any]:
    draft_id = draft_id_from_url(body.draft_url)
    doc = svc.drafts.load(draft_id)
    return ok(request, draft_url=draft_url_for(public_url(request), draft_id), **listing.list_segments(doc))


@router.post(
    "/replace_material",
    summary="Swap a video, photo or audio of the draft for new media; segments keep their timing",
    description="By material_id or material_name (every material of that name). A clip shorter than a "
    "segment plays is a 400 MEDIA_TOO_SHORT naming the length needed, unless fit is loop, freeze or speed. "
    "Nothing is written if anything fails.",
)
def replace_material(
    request: Request, body: ReplaceMaterialRequest, svc: Services = Depends(services)
) -> dict[str, Any]:
    draft_id = draft_id_from_url(body.draft_url)
    snapshot = svc.drafts.load(draft_id)
    targets = replace_media.find_targets(snapshot, body.material_id, body.material_name)
    (fetched,) = fetch_media(svc.fetcher, [body.url])
    replace_media.check_kind(targets, fetched.info, body.url)
    audio_only = all(target.bucket == "audios" for target in targets)
    with tempfile.TemporaryDirectory(prefix="conform-", dir=svc.settings.tmp_dir) as scratch:
        # Loop or hold the clip before the draft is locked (an encode); the edit checks the lengths again.
        media = fetched
        needed = replace_media.needed_us(snapshot, targets)
        if body.fit in ("loop", "freeze") and fetched.info.kind != "photo" and fetched.info.duration_us < needed:
            media = conform(fetched, needed, body.fit, Path(scratch), audio_only=audio_only, ffmpeg=svc.settings.ffmpeg)
        with placing(svc.drafts, draft_id) as (doc, placement):
            targets = replace_media.find_targets(doc, body.material_id, body.material_name)
            folder = "audios" if audio_only else ASSET_FOLDERS[media.info.kind]
            (local,) = placement.place([media], folder)
            result = replace_media.replace_material(doc, targets, local, body.fit, body.url)
    return ok(
        request,
        draft_url=draft_url_for(public_url(request), draft_id),
        material_ids=result.material_ids,
        segment_ids=result.segment_ids,
        duration=media.info.duration_us,
        speeds=result.speeds,
    )


@router.post(
    "/replace_text",
    summary="New words in text segments, keeping their style",
    description="segment_id replaces that segment's whole text (it takes the style of its first character); "
    "match replaces those words in every text segment that has them (each replaced piece takes the style of "
    "the words it replaces). Answers the segments changed.",
)
def replace_text(request: Request, body: ReplaceTextRequest, svc: Services = Depends(services)) -> dict[str, Any]:
    draft_id = draft_id_from_url(body.draft_url)
    with svc.drafts.edit(draft_id) as doc:
        result = text_replace.replace_text(doc, segment_id=body.segment_id, match=body.match, text=body.text)
    return ok(
        request,
        draft_url=draft_url_for(public_url(request), draft_id),
        segment_ids=result.segment_ids,
        replacements=result.replacements,
    )
