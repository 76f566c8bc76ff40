"""import_draft: a zip of an app's draft folder -> the document and the files of a new draft of ours.

A zip comes from anyone, so every entry is checked before anything is read: no path leaving the folder
(absolute, drive letters, `..`), no symbolic links, no password-protected entries, and caps on the number
of entries and on their total unpacked size (the sizes the zip declares). Unpacking counts the bytes as
they come out and stops the moment the total budget or an entry's compression-ratio cap is crossed,
deleting what that entry wrote: a 3 MB zip must not write gigabytes while it still fits the total cap.
Only what the draft uses is unpacked: its content file, the media its materials reference and the fonts
its texts name, and a media file is kept only if it probes as media (decoded, not judged by its name):
the files are served from the API's own origin, where an HTML page or an SVG named `clip.mp3` must never
land. Everything not kept is listed in `skipped` with the reason.

The app writes absolute paths of its author's machine (`C:/Users/.../clip.mp4`, `/Users/.../clip.mov`).
Each media path is matched to a file of the zip: by its tails under the draft folder (the app's own
placeholder path first), then by file name anywhere in the zip. A match is re-homed as add_* stores media
(named by content, behind the draft-folder placeholder); a path nothing matches stays as it was and is
reported, so the client can replace_material it before rendering. Fonts the texts name are found by file
name and stored as add_font stores one, so add_captions can use them too.
"""

from __future__ import annotations

import bisect
import hashlib
import json
import re
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import IO

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from capcut_mate.drafts.document import Json
from capcut_mate.drafts.ids import new_uuid
from capcut_mate.drafts.listing import content_object, material_name
from capcut_mate.drafts.store import CONTENT_FILES, font_files, material_path
from capcut_mate.errors import ApiError, clip
from capcut_mate.jsontypes import Int
from capcut_mate.media import animated
from capcut_mate.media.font_file import inspect_font
from capcut_mate.media.probe import MediaInfo, probe
from capcut_mate.render.prepare.paths import PLACEHOLDER, path_parts, plain_json_text

FONT_SUFFIXES = (".ttf", ".otf", ".ttc")
RATIO_FLOOR_BYTES = 1024 * 1024  # an entry may unpack this far whatever its ratio (a small, repetitive JSON)
_CHUNK = 1 << 16
_SYMLINK = 0o120000
_UTF8_NAMES = 0x800  # general purpose flag: the entry's name is UTF-8


@dataclass(frozen=True)
class ZipLimits:
    max_unzipped_bytes: int
    max_entries: int
    max_ratio: int = 100  # unpacked : compressed, per entry, past RATIO_FLOOR_BYTES
    max_pixels: int = 64 * 1024 * 1024  # for the media probe


@dataclass
class ImportedDraft:
    """What a new draft is made of: its document (paths rewritten) and the files to store beside it."""

    doc: Json
    content_file: str  # draft_content.json or draft_info.json, as found in the zip
    files: dict[str, Path] = field(default_factory=dict)  # draft-relative path -> unpacked file
    missing: list[Json] = field(default_factory=list)  # materials whose file is not in the zip
    missing_fonts: list[str] = field(default_factory=list)  # font files named but not in the zip, or unusable
    skipped: list[Json] = field(default_factory=list)  # {file, reason}: entries of the zip not kept
    used: set[str] = field(default_factory=set)  # entries the draft names (kept, or skipped with a reason)


class _Range(BaseModel):
    start: Int = Field(ge=0)
    duration: Int = Field(ge=0)


class _Segment(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    material_id: str
    target_timerange: _Range


class _Track(BaseModel):
    model_config = ConfigDict(extra="allow")
    type: str
    segments: list[_Segment]


class _Canvas(BaseModel):
    model_config = ConfigDict(extra="allow")
    width: Int = Field(ge=1)
    height: Int = Field(ge=1)


class _Material(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str


class _Materials(BaseModel):
    """The buckets the template endpoints read and write."""

    model_config = ConfigDict(extra="allow")
    videos: list[_Material] = []
    audios: list[_Material] = []
    texts: list[_Material] = []
    speeds: list[_Material] = []


class _Document(BaseModel):
    """The parts of draft_content.json every edit and the renderer rely on; the rest is kept as it is."""

    model_config = ConfigDict(extra="allow")
    canvas_config: _Canvas
    tracks: list[_Track]
    materials: _Materials


def _entry_name(info: zipfile.ZipInfo) -> str:
    """The entry's real name: zip tools that do not flag UTF-8 names still write UTF-8 (macOS) or GBK
    (Chinese Windows), which zipfile decoded as CP437."""
    name = info.filename
    if not info.flag_bits & _UTF8_NAMES:
        raw = name.encode("cp437", errors="replace")
        for encoding in ("utf-8", "gbk"):
            try:
                name = raw.decode(encoding)
                break
            except UnicodeDecodeError:
                continue
    return name.replace("\\", "/")


def _unsafe(name: str) -> bool:
    parts = name.rstrip("/").split("/")
    return name.startswith("/") or "\0" in name or bool(re.match(r"[A-Za-z]:", name)) or ".." in parts


def _compressed_sizes(entries: list[zipfile.ZipInfo], archive_size: int) -> dict[int, int]:
    """Each entry's compressed size by its header offset, at most up to where the next entry (or the file)
    begins, whatever its header says: the ratio cap measures against this, so a forged compress_size (or
    entries overlapping one compressed kernel) buys nothing."""
    ends = sorted({info.header_offset for info in entries} | {archive_size})
    sizes = {}
    for info in entries:
        following = ends[bisect.bisect_right(ends, info.header_offset)] if info.header_offset < archive_size else 0
        sizes[info.header_offset] = max(0, min(info.compress_size, following - info.header_offset))
    return sizes


class DraftZip:
    """A checked zip: its file entries by normalised name, and a byte budget for unpacking them."""

    def __init__(self, archive: IO[bytes], limits: ZipLimits) -> None:
        try:
            self.zip = zipfile.ZipFile(archive)
            entries = self.zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError) as exc:
            raise ApiError("ZIP_INVALID", f"the file is not a readable zip archive ({exc})") from None
        if len(entries) > limits.max_entries:
            raise ApiError(
                "ZIP_TOO_LARGE",
                f"the zip holds {len(entries)} entries, the limit is {limits.max_entries} "
                "(CAPCUT_MATE_MAX_IMPORT_ENTRIES)",
            )
        total = sum(info.file_size for info in entries)
        if total > limits.max_unzipped_bytes:
            raise ApiError(
                "ZIP_TOO_LARGE",
                f"the zip unpacks to {total} bytes, the limit is {limits.max_unzipped_bytes} "
                "(CAPCUT_MATE_MAX_IMPORT_UNZIPPED_BYTES)",
            )
        self.budget = limits.max_unzipped_bytes
        self.max_ratio = limits.max_ratio
        self._compressed = _compressed_sizes(entries, archive.seek(0, 2))
        self.files: dict[str, zipfile.ZipInfo] = {}
        for info in entries:
            name = _entry_name(info)
            if _unsafe(name):
                raise ApiError("ZIP_UNSAFE", f"entry {clip(name)!r} points outside the folder; zip the draft folder")
            if (info.external_attr >> 16) & 0o170000 == _SYMLINK:
                raise ApiError("ZIP_UNSAFE", f"entry {clip(name)!r} is a symbolic link; zip the files themselves")
            if info.flag_bits & 0x1:
                raise ApiError("ZIP_INVALID", f"entry {clip(name)!r} is password-protected; zip it without a password")
            if not info.is_dir() and not name.startswith("__MACOSX/"):
                self.files[name] = info
        self._by_name: dict[str, list[str]] = {}
        for name in sorted(self.files):
            self._by_name.setdefault(PurePosixPath(name).name.casefold(), []).append(name)

    def root(self) -> tuple[str, str]:
        """(folder prefix, content file name): the draft at the top of the zip or in one top folder."""
        found: dict[str, set[str]] = {"": {name for name in CONTENT_FILES if name in self.files}}
        if not found[""]:
            for name in self.files:
                folder, _, base = name.partition("/")
                if base in CONTENT_FILES:
                    found.setdefault(f"{folder}/", set()).add(base)
        folders = sorted(folder for folder, names in found.items() if names)
        if len(folders) > 1:
            raise ApiError(
                "DRAFT_INVALID",
                f"the zip holds {len(folders)} draft folders ({', '.join(clip(f, 40) for f in folders[:3])}); "
                "zip one draft folder",
            )
        if not folders:
            raise ApiError(
                "DRAFT_INVALID",
                "no draft_content.json or draft_info.json at the top of the zip or in its one top folder; "
                "zip the app's draft folder (the one holding draft_content.json)",
            )
        return folders[0], next(name for name in CONTENT_FILES if name in found[folders[0]])

    def read(self, name: str) -> bytes:
        return b"".join(self._chunks(name))

    def extract(self, name: str, dest: Path) -> str:
        """Unpack an entry into `dest`; returns the SHA-256 of its content. On any failure (a cap, a damaged
        entry, a full disk) `dest` is removed before the error goes on."""
        digest = hashlib.sha256()
        try:
            with open(dest, "wb") as out:
                for chunk in self._chunks(name):
                    digest.update(chunk)
                    out.write(chunk)
        except BaseException:
            dest.unlink(missing_ok=True)
            raise
        return digest.hexdigest()

    def _ratio_cap(self, name: str, info: zipfile.ZipInfo) -> int:
        """The most bytes the entry may unpack to: its compressed size times the ratio cap, past the floor.
        Refused at once when its own header already declares more."""
        compressed = self._compressed.get(info.header_offset, 0)
        cap = max(RATIO_FLOOR_BYTES, compressed * self.max_ratio)
        if info.file_size > cap:
            raise self._ratio_error(name, info.file_size, compressed)
        return cap

    def _ratio_error(self, name: str, size: int, compressed: int) -> ApiError:
        return ApiError(
            "ZIP_TOO_LARGE",
            f"entry {clip(name)!r} unpacks to {size} bytes or more from {compressed} "
            f"(over {self.max_ratio}:1, CAPCUT_MATE_MAX_IMPORT_RATIO): a zip bomb, or zip it again",
        )

    def _chunks(self, name: str) -> Iterator[bytes]:
        """The entry's bytes, counted as they come out (the header's sizes are not trusted) against the total
        budget and the entry's ratio cap; what goes wrong reading the zip is ZIP_INVALID."""
        info = self.files[name]
        cap = self._ratio_cap(name, info)
        written = 0
        try:
            with self.zip.open(info) as entry:
                while chunk := entry.read(_CHUNK):
                    written += len(chunk)
                    self.budget -= len(chunk)
                    if self.budget < 0:
                        raise ApiError("ZIP_TOO_LARGE", "the zip unpacks to more than it declares")
                    if written > cap:
                        raise self._ratio_error(name, written, self._compressed.get(info.header_offset, 0))
                    yield chunk
        except (zipfile.BadZipFile, zlib.error, EOFError) as exc:
            raise ApiError("ZIP_INVALID", f"entry {clip(name)!r} cannot be unpacked ({exc})") from None
        except NotImplementedError as exc:
            raise ApiError("ZIP_INVALID", f"entry {clip(name)!r}: {exc}; zip it with deflate") from None

    def locate(self, root: str, reference: str) -> str | None:
        """The entry a material path of the draft names: its tails under the draft folder, else its file name
        (under the draft folder first)."""
        norm = reference.replace("\\", "/").strip()
        match = PLACEHOLDER.match(norm)
        parts = [part for part in path_parts(norm[match.end() :] if match else norm) if part != "."]
        for i in range(len(parts)):
            candidate = root + "/".join(parts[i:])
            if ".." not in parts[i:] and candidate in self.files:
                return candidate
        named = self._by_name.get(parts[-1].casefold(), []) if parts else []
        return next((name for name in named if name.startswith(root)), named[0] if named else None)


def parse_document(raw: bytes, content_file: str) -> Json:
    """The draft document, or DRAFT_ENCRYPTED / DRAFT_INVALID saying what is wrong with it."""
    text = plain_json_text(raw)
    if text is None:
        raise ApiError(
            "DRAFT_ENCRYPTED",
            f"{content_file} is not plain JSON: JianYing 6 and later encrypt their drafts, and this service does "
            "not decrypt them. Open the draft in CapCut (international) or a JianYing version before 6 and save "
            "it again, or build the draft with this API (create_draft, add_*) or pyJianYingDraft",
        )
    try:
        doc: Json = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ApiError("DRAFT_INVALID", f"{content_file} is not valid JSON ({exc})") from None
    try:
        _Document.model_validate(doc)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the document"
        raise ApiError(
            "DRAFT_INVALID", f"{content_file}: {clip(where)}: {first['msg']} ({exc.error_count()} problem(s))"
        ) from None
    return doc


def _asset_kind(bucket: str, material: Json) -> str:
    if bucket == "audios":
        return "audios"
    return "images" if material.get("type") == "photo" else "videos"


class _Fonts:
    """The fonts the draft's texts name, stored as add_font stores one (checked, named by content, with the
    record of its names) and the references rewritten to it; a font the zip lacks or that is no usable font
    keeps its reference (the renderer falls back and says so) and is reported."""

    def __init__(self, draft_zip: DraftZip, root: str, scratch: Path, imported: ImportedDraft) -> None:
        self.draft_zip, self.root, self.scratch, self.imported = draft_zip, root, scratch, imported
        self.paths: dict[str, str | None] = {}  # font file name (case-blind) -> its material path, if stored

    def rehome(self, doc: Json) -> None:
        for material in doc["materials"].get("texts") or []:
            if isinstance(material.get("font_path"), str):
                material["font_path"] = self._path(material["font_path"])
            for font in material.get("fonts") or []:
                if isinstance(font, dict) and isinstance(font.get("path"), str):
                    font["path"] = self._path(font["path"])
            content = content_object(material) or {}
            styles = content.get("styles")
            fonts = [style.get("font") for style in styles or [] if isinstance(style, dict)]
            named = [font for font in fonts if isinstance(font, dict) and isinstance(font.get("path"), str)]
            for font in named:
                font["path"] = self._path(font["path"])
            if named:
                material["content"] = json.dumps(content, ensure_ascii=False)

    def _path(self, reference: str) -> str:
        name = PureWindowsPath(reference).name
        if not name.lower().endswith(FONT_SUFFIXES):
            return reference
        if name.casefold() not in self.paths:
            self.paths[name.casefold()] = self._store(name)
        return self.paths[name.casefold()] or reference

    def _store(self, name: str) -> str | None:
        entry = self.draft_zip.locate(self.root, name)
        if entry is None:
            self.imported.missing_fonts.append(name)
            return None
        self.imported.used.add(entry)
        try:
            font = inspect_font(self.draft_zip.read(entry), clip(name))
        except ApiError as exc:
            if exc.code != "UNSUPPORTED_FONT":
                raise
            self.imported.missing_fonts.append(f"{name} ({exc.details})")
            self.imported.skipped.append({"file": entry, "reason": exc.details})
            return None
        record, files = font_files(font)
        for name, data in files:
            stored = f"assets/fonts/{name}"
            self.imported.files[stored] = self.scratch / f"file{len(self.imported.files)}"
            self.imported.files[stored].write_bytes(data)
        return record.path


def _media_file(
    draft_zip: DraftZip, entry: str, unpacked: Path, limits: ZipLimits
) -> tuple[str, MediaInfo | None, bool]:
    """Unpack an entry the draft uses as media and probe it: (its SHA-256, its probe, whether it was converted),
    or (the reason, None, False) when it is no media, which is then deleted again.

    An animated WebP/APNG becomes the alpha clip add_images makes of it (media/animated.py): as it is, the
    app and the renderer cannot play it."""
    digest = draft_zip.extract(entry, unpacked)
    converted = False
    try:
        if converted := animated.is_animation(unpacked):
            animated.to_alpha_clip(unpacked, label=clip(entry), max_pixels=limits.max_pixels)
            with open(unpacked, "rb") as handle:
                digest = hashlib.file_digest(handle, "sha256").hexdigest()
        info = probe(unpacked, source=clip(entry), max_pixels=limits.max_pixels)
    except ApiError as exc:
        unpacked.unlink(missing_ok=True)
        return exc.details, None, False
    return digest, info, converted


def unpack_draft(archive: IO[bytes], limits: ZipLimits, scratch: Path) -> ImportedDraft:
    """Check the zip, read its draft and unpack what the draft uses into `scratch` (paths rewritten)."""
    draft_zip = DraftZip(archive, limits)
    root, content_file = draft_zip.root()
    doc = parse_document(draft_zip.read(root + content_file), content_file)
    doc["id"] = new_uuid().upper()  # a new draft: importing one zip twice must not give the app two of one id
    imported = ImportedDraft(doc, content_file, used={root + name for name in CONTENT_FILES})
    stored: dict[str, str | None] = {}  # zip entry -> draft-relative path it was stored under (None: no media)
    clips: dict[str, MediaInfo] = {}  # zip entries of animated images, converted to video clips
    for bucket in ("videos", "audios"):
        for material in doc["materials"].get(bucket) or []:
            path = material.get("path")
            if not isinstance(path, str) or not path.strip():
                continue
            entry = draft_zip.locate(root, path)
            if entry is not None and entry not in stored:
                imported.used.add(entry)
                unpacked = scratch / f"media{len(stored)}"
                digest, info, converted = _media_file(draft_zip, entry, unpacked, limits)
                if info is None:
                    imported.skipped.append({"file": entry, "reason": digest})
                    stored[entry] = None
                else:
                    if converted:
                        clips[entry] = info
                    folder = "videos" if converted else _asset_kind(bucket, material)
                    kept = f"assets/{folder}/{digest[:32]}{info.suffix}"
                    stored[entry] = kept
                    imported.files[kept] = unpacked
            relative = stored.get(entry) if entry is not None else None
            if relative is None:
                kind = "audio" if bucket == "audios" else str(material.get("type") or "video")
                imported.missing.append(
                    {"material_id": material["id"], "type": kind, "name": material_name(material), "path": path}
                )
                continue
            name_key = "material_name" if bucket == "videos" else "name"
            if not material.get(name_key):  # the app leaves photos unnamed: keep the file name to find them by
                material[name_key] = material_name(material)
            material["path"] = material_path(relative)
            if bucket == "videos" and entry in clips:  # as add_images writes a converted sticker
                found = clips[entry]
                material.update(type="video", duration=found.duration_us, width=found.width, height=found.height)
    _Fonts(draft_zip, root, scratch, imported).rehome(doc)
    imported.skipped += [
        {"file": name, "reason": "not used by the draft"}
        for name in sorted(draft_zip.files)
        if name not in imported.used
    ]
    return imported
