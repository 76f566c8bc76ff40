"""Where drafts live: one folder per draft under `<data_dir>/drafts/`, indexed in SQLite.

The folder is what the app opens (draft_content.json, an identical draft_info.json, draft_meta_info.json,
assets/). Edits take a per-draft lock that holds across threads and processes, so concurrent requests
never lose an update, and every file is written to a temporary name and renamed: a failed request leaves
the draft exactly as it was.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from capcut_mate.db import Database
from capcut_mate.drafts import document
from capcut_mate.drafts.ids import new_draft_id, validate_draft_id
from capcut_mate.errors import ApiError
from capcut_mate.locks import KeyedLocks

CONTENT_FILES = ("draft_content.json", "draft_info.json")
META_FILE = "draft_meta_info.json"
LOCK_TIMEOUT_S = 30.0

_SCHEMA = """
CREATE TABLE IF NOT EXISTS drafts (
    draft_id   TEXT PRIMARY KEY,
    width      INTEGER NOT NULL,
    height     INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
"""


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def write_atomic(path: Path, data: bytes) -> None:
    """Write to a sibling temp file, fsync, rename: readers see the old file or the new one, never half."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.tmp")
    try:
        with open(tmp, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_json_atomic(path: Path, value: Any) -> None:
    write_atomic(path, json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8"))


class DraftStore:
    """Create, read and edit drafts. Safe for many threads and several processes on one data dir."""

    def __init__(self, root: Path, db: Database) -> None:
        self.root = root
        self.db = db
        self._locks_dir = root.parent / "locks"
        self._locks_dir.mkdir(parents=True, exist_ok=True)
        root.mkdir(parents=True, exist_ok=True)
        db.ensure_schema(_SCHEMA)
        self._thread_locks = KeyedLocks()

    def create(self, width: int, height: int) -> str:
        draft_id = new_draft_id()
        staging = self.root / f".staging-{draft_id}"
        staging.mkdir(parents=True)
        try:
            doc = document.new_document(width, height)
            for name in CONTENT_FILES:
                write_json_atomic(staging / name, doc)
            write_json_atomic(staging / META_FILE, self._meta(draft_id, doc, self.root / draft_id))
            for kind in ("videos", "images", "audios"):
                (staging / "assets" / kind).mkdir(parents=True)
            os.replace(staging, self.root / draft_id)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        now = _now_iso()
        with self.db.transaction() as conn:
            conn.execute(
                "INSERT INTO drafts (draft_id, width, height, created_at, updated_at) VALUES (?, ?, ?, ?, ?)",
                (draft_id, width, height, now, now),
            )
        return draft_id

    def folder(self, draft_id: str) -> Path:
        """The draft's folder; DRAFT_NOT_FOUND when there is none."""
        folder = self.root / validate_draft_id(draft_id)
        if not (folder / CONTENT_FILES[0]).is_file():
            raise ApiError("DRAFT_NOT_FOUND", f"no draft with draft_id {draft_id}")
        return folder

    def recent(self, limit: int, id_contains: str = "") -> list[dict[str, Any]]:
        """The index rows of the newest-edited drafts (for the console's list), optionally filtered by id."""
        with self.db.read() as conn:
            rows = conn.execute(
                "SELECT draft_id, width, height, created_at, updated_at FROM drafts WHERE instr(draft_id, ?) > 0"
                " ORDER BY updated_at DESC, created_at DESC LIMIT ?",
                (id_contains, limit),
            ).fetchall()
        return [dict(row) for row in rows]

    def asset_dir(self, draft_id: str, kind: str) -> Path:
        folder = self.folder(draft_id) / "assets" / kind
        folder.mkdir(parents=True, exist_ok=True)
        return folder

    def load(self, draft_id: str) -> dict[str, Any]:
        return json.loads((self.folder(draft_id) / CONTENT_FILES[0]).read_text(encoding="utf-8"))

    def files(self, draft_id: str) -> list[str]:
        """Every file of the draft folder, as sorted POSIX paths relative to it."""
        folder = self.folder(draft_id)
        return sorted(
            path.relative_to(folder).as_posix()
            for path in folder.rglob("*")
            if path.is_file() and not path.name.startswith(".")
        )

    @contextmanager
    def edit(self, draft_id: str) -> Iterator[dict[str, Any]]:
        """Lock the draft, yield its document, and save it only if the block finishes without error."""
        folder = self.folder(draft_id)
        with self._locked(draft_id):
            doc = json.loads((folder / CONTENT_FILES[0]).read_text(encoding="utf-8"))
            yield doc
            document.recompute_duration(doc)
            for name in CONTENT_FILES:
                write_json_atomic(folder / name, doc)
            meta = json.loads((folder / META_FILE).read_text(encoding="utf-8"))
            meta["tm_duration"] = doc["duration"]
            meta["tm_draft_modified"] = int(time.time() * 1_000_000)
            write_json_atomic(folder / META_FILE, meta)
            with self.db.transaction() as conn:
                conn.execute("UPDATE drafts SET updated_at = ? WHERE draft_id = ?", (_now_iso(), draft_id))

    @contextmanager
    def _locked(self, draft_id: str) -> Iterator[None]:
        with self._thread_locks.hold(draft_id, timeout=LOCK_TIMEOUT_S) as acquired:
            if not acquired:
                raise ApiError("DRAFT_BUSY", f"draft {draft_id} stayed locked for {LOCK_TIMEOUT_S:.0f} s")
            with open(self._locks_dir / f"{draft_id}.lock", "a+") as handle:
                deadline = time.monotonic() + LOCK_TIMEOUT_S
                while True:
                    try:
                        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        break
                    except BlockingIOError:
                        if time.monotonic() > deadline:
                            raise ApiError(
                                "DRAFT_BUSY", f"draft {draft_id} stayed locked for {LOCK_TIMEOUT_S:.0f} s"
                            ) from None
                        time.sleep(0.02)
                try:
                    yield
                finally:
                    fcntl.flock(handle, fcntl.LOCK_UN)

    @staticmethod
    def _meta(draft_id: str, doc: dict[str, Any], folder: Path) -> dict[str, Any]:
        meta = document.meta_template()
        meta = json.loads(json.dumps(meta))
        now_us = int(time.time() * 1_000_000)
        meta.update(
            {
                "draft_id": doc["id"],
                "draft_name": draft_id,
                "draft_fold_path": str(folder),
                "draft_root_path": str(folder.parent),
                "tm_draft_create": now_us,
                "tm_draft_modified": now_us,
                "tm_duration": 0,
            }
        )
        return meta
