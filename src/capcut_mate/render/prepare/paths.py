"""Load a draft file and map the authoring machine's media paths onto files that exist here."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path, PurePosixPath
from typing import Any

from capcut_mate.render.errors import RenderError

CONTENT_FILES = ("draft_content.json", "draft_info.json")
PLACEHOLDER = re.compile(r"^##_draftpath_placeholder_[^#]*_##/*")


def load_draft(path: Path) -> tuple[dict[str, Any], Path]:
    """Return (document, draft folder) from a draft folder or a content JSON file.

    JianYing 6+ encrypts the content file; that is reported as DRAFT_ENCRYPTED rather than a JSON error.
    """
    path = Path(path)
    if path.is_dir():
        candidates = [path / name for name in CONTENT_FILES] + sorted(path.glob("Timelines/*/draft_content.json"))
        found = next((c for c in candidates if c.is_file()), None)
        if found is None:
            raise RenderError(
                "DRAFT_INVALID", f"no draft_content.json or draft_info.json in {path}; is this a draft folder?"
            )
        path, draft_dir = found, path
    elif path.is_file():
        draft_dir = path.parent
    else:
        raise RenderError("DRAFT_NOT_FOUND", f"draft not found: {path}")
    text = plain_json_text(path.read_bytes())
    if text is None:
        raise RenderError(
            "DRAFT_ENCRYPTED",
            f"{path.name} is not plain JSON (an encrypted draft from JianYing 6+ or CapCut?), cannot render; "
            "re-save the draft with an app version that writes plain JSON, or export it with pyJianYingDraft "
            "or the capcut-mate API",
        )
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise RenderError("DRAFT_INVALID", f"{path} is not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or not isinstance(document.get("tracks"), list):
        raise RenderError("DRAFT_INVALID", f"{path} has no 'tracks' list; not a draft_content.json")
    return document, draft_dir


def plain_json_text(raw: bytes) -> str | None:
    """A content file's text, or None when it is not plain JSON (JianYing 6+ writes it encrypted)."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return None
    return text if text.lstrip().startswith("{") else None


def path_parts(material_path: str) -> list[str]:
    """Path components of a Windows or POSIX path, without a drive letter or root."""
    parts = [p for p in PurePosixPath(material_path.replace("\\", "/")).parts if p not in ("/", "")]
    if parts and re.fullmatch(r"[A-Za-z]:", parts[0]):
        parts = parts[1:]
    return parts


class DraftMediaResolver:
    """Callable: material path string -> existing local Path.

    Tries, in order: the draft-folder placeholder, explicit remaps (longest prefix first), the path as it
    is, the path relative to the draft folder, the path's tails under --media-root and the draft folder,
    and finally a search by file name under the media root and the draft folder.

    `confined`: only files inside the draft folder (or the media root) count, whatever the path says (links
    resolved). The service renders drafts its clients wrote, and a path such as `/etc/passwd` or
    `../other-draft/x.mp4` must not put a file of the server into someone's video.
    """

    def __init__(
        self,
        draft_dir: Path,
        media_root: Path | None = None,
        remaps: Sequence[tuple[str, str]] = (),
        *,
        confined: bool = False,
    ) -> None:
        self.draft_dir = Path(draft_dir)
        self.confined = confined
        self.media_root = Path(media_root) if media_root else None
        self.remaps = sorted(
            ((old.replace("\\", "/").rstrip("/"), new) for old, new in remaps), key=lambda r: -len(r[0])
        )
        self._by_name: dict[Path, dict[str, Path]] = {}

    def __call__(self, material_path: str) -> Path:
        for candidate in self._candidates(material_path):
            if candidate.is_file() and self._allowed(candidate):
                return candidate
        roots = [str(r) for r in self._roots()]
        raise RenderError(
            "MEDIA_MISSING",
            f"media file not found: {material_path!r} (also looked by file name under {', '.join(roots)}); "
            "copy it into the draft folder or pass --media-root DIR / --remap OLD=NEW",
        )

    def _allowed(self, candidate: Path) -> bool:
        if not self.confined:
            return True
        real = candidate.resolve()
        return any(real.is_relative_to(root.resolve()) for root in self._roots())

    def _roots(self) -> list[Path]:
        return [r for r in (self.media_root, self.draft_dir) if r is not None]

    def _candidates(self, material_path: str) -> Iterator[Path]:
        norm = material_path.replace("\\", "/").strip()
        if not norm:
            return
        match = PLACEHOLDER.match(norm)
        if match:
            yield self.draft_dir / norm[match.end() :]
            norm = norm[match.end() :]
        for old, new in self.remaps:
            if norm.lower().startswith(old.lower()) and norm[len(old) : len(old) + 1] in ("", "/"):
                yield Path(new) / norm[len(old) :].lstrip("/")
        yield Path(norm)
        if not Path(norm).is_absolute():
            yield self.draft_dir / norm
        parts = path_parts(norm)
        for root in self._roots():
            for i in range(len(parts)):
                yield root.joinpath(*parts[i:])
        if parts:
            for root in self._roots():
                hit = self._index(root).get(parts[-1].lower())
                if hit is not None:
                    yield hit

    def _index(self, root: Path) -> dict[str, Path]:
        """File name (lower case) -> first file found under root; built once per root."""
        if root not in self._by_name:
            index: dict[str, Path] = {}
            for found in sorted(root.rglob("*")) if root.is_dir() else []:
                if found.is_file():
                    index.setdefault(found.name.lower(), found)
            self._by_name[root] = index
        return self._by_name[root]
