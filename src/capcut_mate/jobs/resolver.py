"""How the service's renders (gen_video, gen_preview, farm helpers) find a draft's media.

Only inside the draft folder, whatever path the draft names (an imported draft may name `/etc/...` or another
draft's folder), and a missing file is explained in the API's terms: where the copy came from and which
call brings it back, not the server's folders or the CLI's flags.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from capcut_mate.drafts.listing import materials_by_id


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

    def __init__(self, inner: Any, names: dict[str, str]) -> None:
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
