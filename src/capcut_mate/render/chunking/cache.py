"""What a rendered unit (a chunk's video, the audio mix) is remembered by, so a re-render reuses it.

The key of a unit is a sha256 over everything its output depends on: its slice of the plan (the layers it
shows, times relative to its start, plus its frame span), the content of the media and fonts it reads, the
output settings and the renderer itself (the hash of this package's code and the ffmpeg binary). Two renders
that agree on all of them produce the same frames, so the encoded file can be reused as it is; a change to
any of them is a new key, so a stale file is never served (nothing is ever invalidated, old keys just age
out of the store).

Where entries live is not the renderer's business: `ChunkCache` is the seam (storage/chunk_cache.py keeps
them in the data dir or the bucket). File hashes are memoised by (path, size, mtime_ns), so a re-render of
a draft with GBs of media does not read them again.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from pydantic import TypeAdapter

from capcut_mate import __version__
from capcut_mate.ffmpeg import ffmpeg_exe
from capcut_mate.render.chunking.cuts import chunk_frames, visible
from capcut_mate.render.errors import RenderError
from capcut_mate.render.options import RenderOptions
from capcut_mate.render.plan.model import Layer, Plan, RenderWarning
from capcut_mate.render.prepare.strips import groups, is_static_text
from capcut_mate.render.text.fonts import FONT_SUFFIXES, SYSTEM_FONT_DIRS
from capcut_mate.render.timebase import Timebase

# Settings a chunk's bytes depend on (chunk_seconds only moves the cuts, and the span is in the key already);
# the audio's, of those, only the container's codec (render/formats.py audio_args), plus its loudness target
# and ducking.
VIDEO_FIELDS = ("width", "height", "fps", "preset", "crf", "format", "quality", "system_fonts")
AUDIO_FIELDS = ("fps", "format", "loudness", "duck")
# Bumped when the meaning of an entry changes in a way the code hash would not show (never so far).
CACHE_FORMAT = 1


class ChunkCache(Protocol):
    """Encoded units by key. Entries are immutable: the same key always means the same frames."""

    def get(self, key: str, dest: Path) -> str | None:
        """Write the entry's file to `dest` and return the metadata stored with it; None on a miss (also
        when the entry vanished or arrived incomplete: the caller renders the unit instead)."""

    def put(self, key: str, path: Path, meta: str) -> None:
        """Remember `path`'s content and `meta` under `key` (atomically; another put of the same key is
        fine). Never raises for a full or unreachable cache: the render already has its file."""


class FileHashes:
    """sha256 of files, memoised by (path, size, mtime_ns): a file changed in place gets a new hash.

    With `db`, the memo is also kept in that SQLite file, so the next render (a new process) of the same
    media does not read it again either. The file is only a memo: when it cannot be used (locked for long,
    a full disk), the hash is computed from the file as without it.
    """

    def __init__(self, db: Path | None = None) -> None:
        self.db = db
        self._known: dict[tuple[str, int, int], str] = {}
        self._lock = threading.Lock()
        if db is not None:
            try:
                db.parent.mkdir(parents=True, exist_ok=True)
                with self._connect() as conn:
                    conn.execute(
                        "CREATE TABLE IF NOT EXISTS file_hashes (path TEXT PRIMARY KEY, size INTEGER, "
                        "mtime_ns INTEGER, sha256 TEXT)"
                    )
            except (OSError, sqlite3.Error):
                self.db = None

    def _connect(self) -> contextlib.closing[sqlite3.Connection]:
        return contextlib.closing(sqlite3.connect(str(self.db), timeout=10, isolation_level=None))

    def of(self, path: Path) -> str:
        stat = path.stat()
        memo = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
        with self._lock:
            known = self._known.get(memo) or self._stored(memo)
        if known is None:
            digest = hashlib.sha256()
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1024 * 1024), b""):
                    digest.update(block)
            known = digest.hexdigest()
            self._store(memo, known)
        with self._lock:
            self._known[memo] = known
        return known

    def _stored(self, memo: tuple[str, int, int]) -> str | None:
        if self.db is None:
            return None
        try:
            with self._connect() as conn:
                row = conn.execute(
                    "SELECT sha256 FROM file_hashes WHERE path = ? AND size = ? AND mtime_ns = ?", memo
                ).fetchone()
        except sqlite3.Error:
            return None
        return str(row[0]) if row else None

    def _store(self, memo: tuple[str, int, int], digest: str) -> None:
        if self.db is not None:
            with contextlib.suppress(sqlite3.Error), self._connect() as conn:  # one row per path: its current version
                conn.execute("INSERT OR REPLACE INTO file_hashes VALUES (?, ?, ?, ?)", (*memo, digest))


@dataclass(frozen=True)
class ChunkReuse:
    """What a render needs to reuse units: where they are kept, and the memo of the media's hashes."""

    store: ChunkCache
    hashes: FileHashes


def recall(reuse: ChunkReuse | None, key: str | None, output: Path) -> list[RenderWarning] | None:
    """The unit under `key` written to `output` and its warnings, or None when it must be rendered. A cached
    unit is the very file a render wrote, so it joins by stream copy like a fresh one (every chunk starts
    with a keyframe of its own GOPs: run.py)."""
    if reuse is None or key is None:
        return None
    meta = reuse.store.get(key, output)
    return None if meta is None else [RenderWarning(**item) for item in json.loads(meta)]


def remember(reuse: ChunkReuse | None, key: str | None, output: Path, warnings: list[RenderWarning]) -> None:
    """Keep a freshly rendered unit for the next render of the same inputs."""
    if reuse is not None and key is not None:
        reuse.store.put(key, output, json.dumps([warning.to_dict() for warning in warnings]))


@functools.cache
def renderer_version(ffmpeg: str) -> str:
    """The package version, a hash of the renderer's own code and the ffmpeg binary's identity: output made
    by other code (an upgrade, a patched module) is never reused."""
    digest = hashlib.sha256(f"{__version__}:{CACHE_FORMAT}".encode())
    root = Path(__file__).resolve().parents[1]
    for source in sorted(root.rglob("*.py")):
        digest.update(source.relative_to(root).as_posix().encode())
        digest.update(source.read_bytes())
    binary = Path(ffmpeg).resolve()
    stat = binary.stat()
    digest.update(f"{binary}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


@functools.cache
def system_fonts_fingerprint() -> str:
    """The installed font files by (path, size, mtime_ns): what fallbacks may pick from. Read once per process."""
    listing = sorted(
        f"{path}:{stat.st_size}:{stat.st_mtime_ns}"
        for folder in SYSTEM_FONT_DIRS
        if folder.is_dir()
        for path in folder.rglob("*")
        if path.suffix.lower() in FONT_SUFFIXES and (stat := path.stat())
    )
    return hashlib.sha256("\n".join(listing).encode()).hexdigest()


class UnitKeys:
    """Keys of one render's units (see the module docstring). A key is None when some input cannot be found:
    such a unit is rendered, and fails, without the cache."""

    def __init__(
        self,
        plan: Plan,
        resolve_media: Callable[[str], Path],
        options: RenderOptions,
        hashes: FileHashes,
    ) -> None:
        self.plan = plan
        self.resolve_media = resolve_media
        self.options = options
        self.hashes = hashes
        self.timebase = Timebase.of(plan.fps)
        self.in_runs = {index for run in groups(plan.layers, [is_static_text(x) for x in plan.layers]) for index in run}
        self._fonts: str | None = None

    def chunk(self, index: int) -> str | None:
        """The key of chunk `index`'s video."""
        plan, chunk = self.plan, self.plan.chunks[index]
        shown = [n for n, layer in enumerate(plan.layers) if visible(layer, chunk, self.timebase)]
        start, end = chunk_frames(chunk, self.timebase)
        adjustments = [
            {
                **plan_json(item),
                "start_us": item.start_us - chunk.start_us,
                "below": sum(n < item.below for n in shown),
            }
            for item in plan.adjustments
            if self.timebase.frame(item.start_us) < end
            and self.timebase.frame(item.start_us + item.duration_us) > start
        ]
        try:
            media = sorted(
                {
                    self._media(path)
                    for path in [
                        *(p for n in shown for p in (plan.layers[n].material_path, plan.layers[n].reverse_path)),
                        *(item["lut_path"] for item in adjustments),
                    ]
                    if path
                }
            )
            fonts = self._font_files() if any(plan.layers[n].kind == "text" for n in shown) else ""
        except (OSError, LookupError, ValueError, RenderError):
            return None
        slice_ = {
            "unit": "video",
            "frames": [start, end],
            "layers": [self._layer(plan.layers[n], chunk.start_us, n in self.in_runs) for n in shown],
            "adjustments": adjustments,
        }
        return self._key(slice_, media, fonts, VIDEO_FIELDS)

    def audio(self) -> str | None:
        """The key of the whole timeline's sound."""
        plan = self.plan
        try:
            media = sorted(
                {self._media(p) for clip in plan.audio for p in (clip.material_path, clip.reverse_path) if p}
            )
        except (OSError, LookupError, ValueError, RenderError):
            return None
        slice_ = {
            "unit": "audio",
            "frames": [0, self.timebase.frame_count(plan.duration_us)],
            "clips": [plan_json(clip) for clip in plan.audio],
        }
        return self._key(slice_, media, "", AUDIO_FIELDS)

    def _key(self, slice_: dict[str, Any], media: list[str], fonts: str, fields: tuple[str, ...]) -> str:
        plan = self.plan
        canvas = [plan.canvas_width, plan.canvas_height, plan.width, plan.height, plan.fps]
        text = json.dumps(
            {
                "slice": slice_,
                "canvas": canvas,
                "media": media,
                "fonts": fonts,
                "output": {name: getattr(self.options, name) for name in fields},
                "renderer": renderer_version(ffmpeg_exe(self.options.ffmpeg)),
            },
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(text.encode()).hexdigest()

    @staticmethod
    def _layer(layer: Layer, origin_us: int, in_run: bool) -> dict[str, Any]:
        """A layer as the chunk draws it: times relative to the chunk, and whether it is drawn as part of a
        caption strip (decided on the whole timeline, prepare/strips.py)."""
        return {**plan_json(layer), "start_us": layer.start_us - origin_us, "in_strip": in_run}

    def _media(self, material_path: str) -> str:
        """`path=sha256` of a file the unit reads (the draft's path, so a swap of two files is seen)."""
        return f"{material_path}={self.hashes.of(self.resolve_media(material_path))}"

    def _font_files(self) -> str:
        """Every font a caption may be drawn with: the draft's and the operator's font files by content, any
        font file a text style names by path, and (when allowed) the installed fonts by listing."""
        if self._fonts is None:
            draft_dir: Path | None = getattr(self.resolve_media, "draft_dir", None)
            named = {Path(text) for layer in self.plan.layers if layer.text for text in _strings(plan_json(layer.text))}
            files = {
                path
                for path in [*_fonts_in(self.options.font_dir), *_fonts_in(draft_dir), *named]
                if path.suffix.lower() in FONT_SUFFIXES and path.is_file()
            }
            listing = sorted(f"{path}={self.hashes.of(path)}" for path in files)
            if self.options.system_fonts:
                listing.append(system_fonts_fingerprint())
            self._fonts = hashlib.sha256("\n".join(listing).encode()).hexdigest()
        return self._fonts


def _fonts_in(folder: Path | None) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()] if folder is not None and folder.is_dir() else []


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def plan_json(part: Any) -> dict[str, Any]:
    """A part of the typed plan (a layer, a sound, a filter track) as the plan's own JSON (Plan.to_json)."""
    adapter = _ADAPTERS.get(type(part))
    if adapter is None:
        adapter = _ADAPTERS[type(part)] = TypeAdapter(type(part))
    data: dict[str, Any] = adapter.dump_python(part, mode="json")
    return data


def _strings(value: object) -> Iterator[str]:
    """Every string inside a JSON value (a text style's font paths are somewhere in it)."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)
