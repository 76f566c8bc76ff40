"""How the service's renders (gen_video, gen_preview, farm helpers) find a draft's media.

Only inside the draft folder, whatever path the draft names (an imported draft may name `/etc/...` or another
draft's folder), and a missing file is explained in the API's terms: where the copy came from and which
call brings it back, not the server's folders or the CLI's flags.
"""

from __future__ import annotations

from pathlib import Path, PureWindowsPath
from typing import TYPE_CHECKING, Any

from capcut_mate.drafts.listing import material_name, materials_by_id
from capcut_mate.drafts.store import DraftStore, material_path
from capcut_mate.errors import ApiError

if TYPE_CHECKING:
    from capcut_mate.render import DraftMediaResolver


def service_resolver(draft: dict[str, Any], draft_dir: Path) -> _ApiMediaResolver:
    """The media resolver for a service render of `draft`, stored in `draft_dir`."""
    from capcut_mate.render import DraftMediaResolver  # the render stack loads in the render process only

    return _ApiMediaResolver(DraftMediaResolver(draft_dir, confined=True), _material_names(draft))


def _material_names(draft: dict[str, Any]) -> dict[str, str]:
    """Material path -> its name (for media added over the API: the file name of the source URL)."""
    return {
        str(item["path"]): str(item.get("material_name") or item.get("name") or "")
        for _, item in materials_by_id(draft).values()
        if item.get("path")
    }


class _ApiMediaResolver:
    """The renderer's resolver, with a MEDIA_MISSING message that speaks to an API user.

    Media is copied into the draft folder when it is added, and a render reads only that copy (the source
    URL may be long gone, and re-fetching it at render time would make renders non-reproducible).
    """

    def __init__(self, inner: DraftMediaResolver, names: dict[str, str]) -> None:
        self.inner = inner
        self.names = names
        # The renderer looks for the draft's own fonts here (prepare.Preparer reads `draft_dir`).
        self.draft_dir: Path | None = getattr(inner, "draft_dir", None)

    def __call__(self, material_path: str) -> Path:
        from capcut_mate.render import RenderError

        try:
            return self.inner(material_path)
        except RenderError as exc:
            if exc.code != "MEDIA_MISSING":
                raise
            name = self.names.get(material_path, "")
            origin = f" (material {name!r}, the copy saved when it was added)" if name else ""
            raise RenderError(
                "MEDIA_MISSING",
                f"media file missing from the draft folder: {material_path}{origin}; add the media again with "
                "add_videos / add_images / add_audios (its URL must still be reachable), then render again",
            ) from exc


FIX_BY_KIND = {"video": "add_videos", "photo": "add_images", "audio": "add_audios"}


def missing_media(draft: dict[str, Any], draft_dir: Path) -> list[dict[str, str]]:
    """Every material a segment of the draft shows or plays whose file this resolver would not find, with
    the call that fixes it: replace_material for a path the app wrote (an imported template: the segments
    stay as they are), else the add_* call that stored the copy."""
    from capcut_mate.render import RenderError

    resolve = service_resolver(draft, draft_dir)
    used = {
        seg.get("material_id")
        for track in draft.get("tracks") or []
        for seg in (track.get("segments") or [] if isinstance(track, dict) else [])
        if isinstance(seg, dict)
    }
    missing = []
    for material_id, (bucket, material) in materials_by_id(draft).items():
        path = material.get("path")
        if material_id not in used or bucket not in ("videos", "audios") or not isinstance(path, str) or not path:
            continue
        try:
            resolve(path)
        except RenderError as exc:
            if exc.code != "MEDIA_MISSING":
                raise
            kind = "audio" if bucket == "audios" else ("photo" if material.get("type") == "photo" else "video")
            ours = path.startswith(material_path("assets/"))  # a copy this service stored
            missing.append({
                "material_id": material_id, "type": kind, "name": material_name(material),
                "file_name": PureWindowsPath(path).name, "path": path,
                "fix": FIX_BY_KIND[kind] if ours else "replace_material",
            })  # fmt: skip
    return missing


def require_media(drafts: DraftStore, draft_id: str, scratch: Path) -> None:
    """MEDIA_MISSING naming every missing material, before a render is queued (not seconds into it).

    Checked against a skeleton of the draft folder (its file list as empty files), so a draft in a bucket is
    checked without downloading its media, by the same resolver the render uses."""
    for relative in drafts.files(draft_id):
        target = scratch.joinpath(*relative.split("/"))
        target.parent.mkdir(parents=True, exist_ok=True)
        target.touch()
    missing_media_error(missing_media(drafts.load(draft_id), scratch))


def missing_media_error(missing: list[dict[str, str]]) -> None:
    """Raise MEDIA_MISSING for `missing` (every material named in `details` and listed in full), if any."""
    if not missing:
        return
    listed = "; ".join(
        f"{m['type']} {m['name']!r} (material_id {m['material_id']}, file {m['file_name']}): {m['fix']}"
        for m in missing
    )
    how = (
        "replace_material {draft_url, material_id, url} puts new media under the template's segments"
        if any(m["fix"] == "replace_material" for m in missing)
        else "add the media again with the call named (its URL must still be reachable)"
    )
    raise ApiError(
        "MEDIA_MISSING",
        f"{len(missing)} material(s) the draft uses have no file: {listed}. {how}; then render again",
        extra={"missing_materials": missing},
    )
