"""Where drafts live: the app's draft folder as objects under `drafts/<id>/` in storage, plus an index.

The folder is what the app opens (draft_content.json, an identical draft_info.json, draft_meta_info.json,
assets/). Storage is local folders or a bucket (storage/); the index and the per-draft edit lock are in
the database (SQLite + flock on one box, PostgreSQL row locks in a cluster). Edits hold the lock, so
concurrent requests never lose an update, and every object is replaced whole: a failed request leaves the
draft exactly as it was. Material paths are written relative to the draft folder behind the app's
draft-folder placeholder, so any worker can render the draft and a downloaded folder opens anywhere.
"""

from __future__ import annotations

import json
import logging
import re
import shutil
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from capcut_mate.drafts import document
from capcut_mate.drafts.apps import DEFAULT_APP, AppName, app_of
from capcut_mate.drafts.fonts import DraftFont
from capcut_mate.drafts.ids import new_draft_id, validate_draft_id
from capcut_mate.errors import ApiError
from capcut_mate.media.font_file import FontFile
from capcut_mate.persistence.drafts import DraftIndex
from capcut_mate.storage import Storage, StorageNotFound, iter_keys

log = logging.getLogger(__name__)

CONTENT_FILES = ("draft_content.json", "draft_info.json")
META_FILE = "draft_meta_info.json"
# The app's "this draft's folder" prefix for material paths (JianYing writes this GUID).
DRAFT_PLACEHOLDER = "##_draftpath_placeholder_0E685133-18CE-45ED-8CB8-2904A212EC80_##"
ASSET_KINDS = ("videos", "images", "audios", "fonts")
FONT_RECORD = ".json"  # beside each font of assets/fonts/: its names (drafts.fonts.DraftFont)


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8")


def material_path(relative: str) -> str:
    """A draft-relative file as the draft references it."""
    return f"{DRAFT_PLACEHOLDER}/{relative}"


def font_files(font: FontFile) -> tuple[DraftFont, list[tuple[str, bytes]]]:
    """A checked font as a draft folder keeps it: its record (names, material path) and the files that store
    it in `assets/fonts/`, named by its content: the font itself and the record beside it."""
    font_id = font.sha256[:32]
    name = f"{font_id}{font.suffix}"
    record = DraftFont(font_id, font.family, font.style, font.full_name, material_path(f"assets/fonts/{name}"))
    return record, [(name, font.data), (f"{font_id}{FONT_RECORD}", record.to_json())]


class DraftStore:
    """Create, read and edit drafts. Safe for many threads, processes and (with PostgreSQL) machines."""

    def __init__(self, storage: Storage, index: DraftIndex) -> None:
        self.storage = storage
        self.index = index

    @staticmethod
    def prefix(draft_id: str) -> str:
        return f"drafts/{draft_id}/"

    def key(self, draft_id: str, relative: str) -> str:
        """The storage key of a file of the draft folder."""
        return self.prefix(draft_id) + relative

    def create(self, width: int, height: int, app: AppName = DEFAULT_APP) -> str:
        return self.create_from(document.new_document(width, height, app=app), {})

    def create_from(self, doc: dict[str, Any], files: Mapping[str, Path]) -> str:
        """A new draft of `doc` with `files` (draft-relative path -> local file) beside it; returns its id.
        If anything fails, what was stored is removed again: there is a whole new draft or none."""
        draft_id = new_draft_id()
        document.recompute_duration(doc)
        written: list[str] = []
        try:
            for relative, source in files.items():
                written.append(self.key(draft_id, relative))
                self.storage.put_file(written[-1], source)
            meta = self._meta(draft_id, doc)
            meta["tm_duration"] = doc["duration"]
            written.append(self.key(draft_id, META_FILE))
            self.storage.put_bytes(written[-1], _json(meta))
            # draft_content.json last: a draft exists once its content file does.
            for name in reversed(CONTENT_FILES):
                written.append(self.key(draft_id, name))
                self.storage.put_bytes(written[-1], _json(doc))
            canvas = doc["canvas_config"]
            self.index.add(draft_id, int(canvas["width"]), int(canvas["height"]), _now_iso())
        except BaseException:
            for key in reversed(written):
                try:
                    self.storage.delete(key)
                except Exception:  # the first error is the one to answer; this one is logged
                    log.exception("could not remove %s of a draft that failed to be created", key)
            folder = self.storage.local_path(self.prefix(draft_id))
            if folder is not None:  # the folders the files were put in (a bucket has none)
                shutil.rmtree(folder, ignore_errors=True)
            raise
        return draft_id

    def require(self, draft_id: str) -> str:
        """The draft id, checked; DRAFT_NOT_FOUND when there is no such draft."""
        if not self.storage.exists(self.key(validate_draft_id(draft_id), CONTENT_FILES[0])):
            raise ApiError("DRAFT_NOT_FOUND", f"no draft with draft_id {draft_id}")
        return draft_id

    def recent(self, limit: int, id_contains: str = "") -> list[dict[str, Any]]:
        """The index rows of the newest-edited drafts (for the console's list), optionally filtered by id."""
        return self.index.recent(limit, id_contains)

    def load(self, draft_id: str) -> dict[str, Any]:
        doc: dict[str, Any] = json.loads(self._content(draft_id))
        return doc

    def _content(self, draft_id: str) -> bytes:
        try:
            return self.storage.get_bytes(self.key(validate_draft_id(draft_id), CONTENT_FILES[0]))
        except StorageNotFound:
            raise ApiError("DRAFT_NOT_FOUND", f"no draft with draft_id {draft_id}") from None

    def files(self, draft_id: str) -> list[str]:
        """Every file of the draft folder, as sorted POSIX paths relative to it."""
        self.require(draft_id)
        return sorted(relative for _, relative in iter_keys(self.storage, self.prefix(draft_id)))

    def add_asset(self, draft_id: str, kind: str, source: Path | bytes, name: str) -> tuple[str, str | None]:
        """Store a file (or bytes) in the draft's `assets/<kind>/` (call it inside `edit`, which holds the lock);
        returns its material path and its key if this call stored it (None when the file was there: name
        the file by its content and a media added twice is stored once)."""
        if kind not in ASSET_KINDS:
            raise ValueError(kind)
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", name)[-80:] or "media"
        relative = f"assets/{kind}/{safe}"
        key = self.key(validate_draft_id(draft_id), relative)
        if self.storage.exists(key):
            return material_path(relative), None
        if isinstance(source, bytes):
            self.storage.put_bytes(key, source)
        else:
            self.storage.put_file(key, source)
        return material_path(relative), key

    def fonts(self, draft_id: str) -> list[DraftFont]:
        """The fonts stored with the draft (add_font), from the record beside each font file."""
        prefix = self.key(self.require(draft_id), "assets/fonts/")
        return [
            DraftFont.from_json(self.storage.get_bytes(key))
            for key, _ in iter_keys(self.storage, prefix)
            if key.endswith(FONT_RECORD)
        ]

    def import_folder(self, draft_id: str, folder: Path) -> None:
        """Bring a draft folder from another installation (an embedded data dir moving to the cluster) into
        this store: every file, material paths inside the folder made relative, then the index entry.
        Importing the same folder again replaces its files."""
        validate_draft_id(draft_id)
        source = next((folder / name for name in CONTENT_FILES if (folder / name).is_file()), None)
        if source is None:
            raise ApiError("DRAFT_NOT_FOUND", f"{folder} has no draft_content.json")
        doc = json.loads(source.read_text(encoding="utf-8"))
        root = folder.resolve()
        for items in (doc.get("materials") or {}).values():
            for item in items if isinstance(items, list) else []:
                path = item.get("path") if isinstance(item, dict) else None
                if isinstance(path, str) and Path(path).is_absolute() and Path(path).resolve().is_relative_to(root):
                    item["path"] = material_path(Path(path).resolve().relative_to(root).as_posix())
        for file in sorted(folder.rglob("*")):
            relative = file.relative_to(folder).as_posix()
            if file.is_file() and relative not in (*CONTENT_FILES, META_FILE) and not file.name.startswith("."):
                self.storage.put_file(self.key(draft_id, relative), file)
        if (folder / META_FILE).is_file():
            self.storage.put_bytes(self.key(draft_id, META_FILE), (folder / META_FILE).read_bytes())
        for name in reversed(CONTENT_FILES):
            self.storage.put_bytes(self.key(draft_id, name), _json(doc))
        canvas = doc.get("canvas_config") or {}
        self.index.add(draft_id, int(canvas.get("width") or 0), int(canvas.get("height") or 0), _now_iso())

    def checkout(self, draft_id: str, scratch: Path) -> Path:
        """A local folder with the whole draft, for a render (see Storage.checkout)."""
        return self.storage.checkout(self.prefix(self.require(draft_id)), scratch)

    @contextmanager
    def edit(self, draft_id: str, rollback: Callable[[], None] | None = None) -> Iterator[dict[str, Any]]:
        """Lock the draft, yield its document, and save it only if the block finishes without error.

        If the block or the save raises, files the save already replaced get their old bytes back and
        `rollback` takes back what the call put beside the document (assets), still under the lock: a
        failed call leaves the draft folder as it was.
        """
        self.require(draft_id)
        with self.index.locked(draft_id, _now_iso()):
            before = self._content(draft_id)
            replaced: dict[str, bytes] = {}  # file this save replaced -> its bytes before (a failed put is atomic)
            try:
                doc = json.loads(before)
                yield doc
                document.recompute_duration(doc)
                try:
                    meta = json.loads(self.storage.get_bytes(self.key(draft_id, META_FILE)))
                except StorageNotFound:  # a folder brought in without one (a portable copy): written anew
                    meta = self._meta(draft_id, doc)
                meta["tm_duration"] = doc["duration"]
                meta["tm_draft_modified"] = int(time.time() * 1_000_000)
                body = _json(doc)
                for name in CONTENT_FILES:  # draft_info.json is always written as a copy of draft_content.json
                    self.storage.put_bytes(self.key(draft_id, name), body)
                    replaced[name] = before
                self.storage.put_bytes(self.key(draft_id, META_FILE), _json(meta))
            except BaseException:
                restored = True
                for name, data in replaced.items():
                    try:
                        self.storage.put_bytes(self.key(draft_id, name), data)
                    except Exception:  # the write that failed may fail again: then the new document stays,
                        restored = False  # and so must the assets it references
                if rollback is not None and restored:
                    rollback()
                raise

    def _meta(self, draft_id: str, doc: dict[str, Any]) -> dict[str, Any]:
        meta: dict[str, Any] = json.loads(json.dumps(document.meta_template(app_of(doc))))
        now_us = int(time.time() * 1_000_000)
        folder = self.storage.local_path(self.prefix(draft_id))
        meta.update(
            {
                "draft_id": doc["id"],
                "draft_name": draft_id,
                "draft_fold_path": str(folder) if folder else draft_id,
                "draft_root_path": str(folder.parent) if folder else "",
                "tm_draft_create": now_us,
                "tm_draft_modified": now_us,
                "tm_duration": 0,
            }
        )
        return meta
