"""Find a real font file for a draft's text style, on a machine that is not the one the draft was made on.

Drafts name fonts in three ways: an absolute path on the author's machine (the app writes Windows paths such
as ``C:/Users/x/Fonts/Poppins-Regular.ttf``; add_font writes a path in the draft folder), a JianYing or CapCut
cloud-font resource id, or nothing (the app's bundled default). `FontResolver` tries, in order: the path itself,
the path's file name inside the draft folder and the configured font folder, the resource id's font name (the
``FontType`` catalogues of pyJianYingDraft and pyCapCut) as a file name in those folders, and finally a
CJK-capable fallback (configured folder first, then the system's fonts via fontconfig or a scan of the usual
folders). Characters a chosen font has no glyph for get a per-character
fallback (`fallback_for`), so mixed Latin/CJK/Arabic text never renders as boxes ("tofu"); emoji get a colour
font first (`colour_face_for`). When the system has no CJK font at all, `FontNotFoundError` says how to fix it
instead of rendering boxes.

Some faces only exist at fixed sizes: colour bitmap emoji fonts (CBDT, sbix; Noto Color Emoji has one 109 px
strike) make FreeType refuse any other size ("invalid pixel size"). `open_font` loads such a face at its
nearest strike and `load_scale` tells the caller how much to scale the glyph images. A file that cannot be used
at all (not a font, truncated, no usable size) is skipped with a warning (`FontResolver.take_warnings`), never
a failed render. ``system_fonts=False`` limits the search to the configured font folder and the draft's folder
(reproducible renders across machines; ``CAPCUT_MATE_SYSTEM_FONTS=0``).
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass
from pathlib import Path, PureWindowsPath
from typing import Any

from fontTools.ttLib import TTFont
from PIL import ImageFont
from pycapcut.metadata.font_meta import FontType as CapCutFontType
from pyJianYingDraft.metadata.font_meta import FontType

FONT_SUFFIXES = (".ttf", ".otf", ".ttc", ".otc")
# Folders scanned when fontconfig is not installed.
SYSTEM_FONT_DIRS = (
    Path("/usr/share/fonts"),
    Path("/usr/local/share/fonts"),
    Path.home() / ".local/share/fonts",
    Path.home() / ".fonts",
)
# Characters a font must have to count as CJK-capable (simplified + traditional + kana).
CJK_PROBE = "中文字體の"
_BOLD_STYLE = re.compile(r"bold|black|heavy", re.IGNORECASE)
# File names worth opening for colour emoji when fontconfig is not installed.
_EMOJI_FILE = re.compile(r"emoji|colou?r", re.IGNORECASE)
# A code point no font maps: its rendering is the font's .notdef glyph (the "tofu" box).
_UNMAPPED = "\U0010fffd"
PROBE_SIZE = 48  # px at which scalable faces are opened to inspect them
# Tables that carry a face's own colours: bitmap strikes (CBDT, sbix) or layered vectors (COLR).
COLOUR_TABLES = ("CBDT", "sbix", "COLR")
OUTLINE_TABLES = ("glyf", "CFF ", "CFF2")


class FontNotFoundError(Exception):
    """No font able to draw CJK text exists on this machine."""


class FontFileError(Exception):
    """A font file that cannot be used: not a font, damaged, or without any size FreeType can load."""


FontFace = tuple[Path, int]


@dataclass(frozen=True)
class FaceKind:
    """What a face can do besides its glyphs: draw its own colours, and at which sizes it exists."""

    colour: bool
    strikes: tuple[int, ...]  # bitmap sizes in px for faces without outlines; () = any size


@functools.lru_cache(maxsize=256)
def face_kind(path: Path, index: int) -> FaceKind:
    """Colour and fixed sizes of a face, from its tables. Raises FontFileError when it is not a usable font."""
    try:
        font = TTFont(str(path), fontNumber=index, lazy=True)
        tables = set(font.reader.keys())
        strikes: set[int] = set()
        if not tables & set(OUTLINE_TABLES):
            for tag in ("CBLC", "EBLC"):
                if tag in tables:
                    strikes.update(strike.bitmapSizeTable.ppemY for strike in font[tag].strikes)
            if "sbix" in tables:
                strikes.update(font["sbix"].strikes)
    except Exception as exc:  # a damaged file can break the parser anywhere; it must only cost a warning
        raise FontFileError(f"not a readable font ({exc})") from exc
    if not tables & set(OUTLINE_TABLES) and not strikes:
        raise FontFileError("it has neither outlines nor bitmap sizes")
    return FaceKind(bool(tables & set(COLOUR_TABLES)), tuple(sorted(s for s in strikes if s > 0)))


def load_size(path: Path, index: int, size: float) -> float:
    """The size to open a face at for text of ``size`` px: the size itself, or the closest bitmap strike.

    The smallest strike at least as big as ``size`` keeps scaled glyph images sharp; the largest one when none is.
    """
    strikes = face_kind(path, index).strikes
    if not strikes:
        return size
    return next((strike for strike in strikes if strike >= size), strikes[-1])


def load_scale(path: Path, index: int, size: float) -> float:
    """Factor from the glyphs `open_font` draws to text of ``size`` px (1.0 for scalable faces)."""
    return size / load_size(path, index, size)


@functools.lru_cache(maxsize=256)
def open_font(path: Path, index: int, size: float, layout: ImageFont.Layout) -> ImageFont.FreeTypeFont:
    """A Pillow font for text of ``size`` px, opened at `load_size`. Raises FontFileError instead of OSError."""
    wanted = load_size(path, index, max(size, 1.0))
    try:
        return ImageFont.truetype(str(path), wanted, index=index, layout_engine=layout)
    except (OSError, ValueError) as exc:
        raise FontFileError(f"FreeType cannot open it at {wanted:g} px ({exc})") from exc


def is_colour(path: Path, index: int) -> bool:
    """Whether the face draws its own colours (emoji fonts): text colour must not repaint its glyphs."""
    return face_kind(path, index).colour


def _normalise(name: str) -> str:
    """Compare font names loosely: 'Poppins-Regular', 'poppins regular' and 'Poppins_Regular' match."""
    return re.sub(r"[\s_\-]+", "", name).casefold()


def _font_files(folder: Path | None) -> list[Path]:
    if folder is None or not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in FONT_SUFFIXES and p.is_file())


@functools.lru_cache(maxsize=1)
def _resource_names() -> dict[str, str]:
    """Cloud font resource id -> font name, from JianYing's and CapCut's catalogues (JianYing's name wins)."""
    members = [*CapCutFontType, *FontType]
    return {member.value.resource_id: member.value.name for member in members}


def _probe_font(path: Path, index: int) -> ImageFont.FreeTypeFont:
    return open_font(path, index, PROBE_SIZE, ImageFont.Layout.BASIC)


@functools.lru_cache(maxsize=256)
def unusable_reason(path: Path, index: int) -> str | None:
    """Why a face cannot be used, or None when it opens and draws."""
    try:
        _probe_font(path, index).getmask(_UNMAPPED)
    except (FontFileError, OSError, ValueError) as exc:
        return str(exc)
    return None


def face_names(path: Path, index: int) -> tuple[str, str]:
    """(family, style) of one face, e.g. ('Noto Sans CJK SC', 'Bold')."""
    family, style = _probe_font(path, index).getname()
    return family or "", style or ""


def is_bold_face(path: Path, index: int) -> bool:
    """Whether the face is already bold, so the renderer need not embolden it synthetically."""
    return bool(_BOLD_STYLE.search(face_names(path, index)[1]))


@functools.lru_cache(maxsize=65536)
def covers(path: Path, index: int, char: str) -> bool:
    """Whether the face has a glyph for `char` (it does not draw the .notdef box for it).

    Pillow exposes no cmap, so compare the character's bitmap with the one of a code point no font maps.
    Spaces, controls and combining marks always count as covered: they take the font of their neighbours.
    """
    if char.isspace() or unicodedata.category(char) in ("Cc", "Cf", "Mn", "Me"):
        return True
    font = _probe_font(path, index)
    mask = font.getmask(char)
    if mask.getbbox() is None:
        return False
    notdef = font.getmask(_UNMAPPED)
    return not (mask.size == notdef.size and bytes(mask) == bytes(notdef))


def _faces_in(path: Path) -> list[int]:
    """Face indexes of a font file (several in a .ttc collection)."""
    if path.suffix.lower() not in (".ttc", ".otc"):
        return [0]
    indexes = []
    for index in range(64):
        if unusable_reason(path, index) is not None:
            break
        indexes.append(index)
    return indexes or [0]  # a damaged collection still has a face 0, to be skipped with its reason


def _fontconfig_faces(pattern: str) -> list[FontFace] | None:
    """Faces fontconfig lists for `pattern`; None when fontconfig is not installed."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    result = subprocess.run(
        [fc_list, "-f", "%{file}\t%{index}\n", pattern], capture_output=True, text=True, check=False
    )
    faces = []
    for line in result.stdout.splitlines():
        file, _, index = line.partition("\t")
        if file and Path(file).is_file():
            faces.append((Path(file), int(index or 0)))
    return sorted(set(faces))


def _plain_rank(face: FontFace, bold: bool) -> tuple[int, int, int]:
    """Lower is better: monochrome (text presentation), weight match, then upright (italics are sheared here)."""
    style = face_names(*face)[1]
    return (
        int(is_colour(*face)),
        int(bool(_BOLD_STYLE.search(style)) != bold),
        int(bool(re.search("italic|oblique", style, re.I))),
    )


def _cjk_rank(face: FontFace, bold: bool) -> tuple[int, int, int, int]:
    """Lower is better: weight match, then Simplified Chinese (JianYing's home), sans, proportional."""
    family, style = face_names(*face)
    return (
        int(bool(_BOLD_STYLE.search(style)) != bold),
        int(not re.search(r"\b(SC|CN|Hans|GB)\b", family)),
        int("serif" in family.casefold()),
        int("mono" in family.casefold()),
    )


class FontResolver:
    """Maps a style's font reference to a font file (path, face index) that exists on this machine.

    ``font_dir`` is the operator's folder (``CAPCUT_MATE_FONT_DIR``): searched for fonts by file name and used
    first for every fallback. ``draft_dir`` is the draft's own folder, where fonts shipped with a draft live.
    ``system_fonts`` False keeps the machine's installed fonts out of the search. Results are cached per
    resolver; create one per draft. Font files found unusable on the way are skipped and reported once
    through `take_warnings`.
    """

    def __init__(
        self, font_dir: Path | None = None, draft_dir: Path | None = None, *, system_fonts: bool = True
    ) -> None:
        self.font_dir = font_dir
        self.draft_dir = draft_dir
        self.system_fonts = system_fonts
        self._by_name: dict[str, Path] = {}
        self._by_stem: dict[str, Path] = {}
        # Draft fonts win over the operator's folder: the draft was made with them.
        for path in [*_font_files(font_dir), *_font_files(draft_dir)]:
            self._by_name[path.name.casefold()] = path
            self._by_stem[_normalise(path.stem)] = path
        self._fallbacks: dict[bool, FontFace] = {}
        self._char_fallbacks: dict[tuple[str, bool], FontFace | None] = {}
        self._colour_faces: dict[str, FontFace | None] = {}
        self._skipped: set[FontFace] = set()
        self._warnings: list[str] = []

    def take_warnings(self) -> list[str]:
        """Problems met since the last call (unusable font files), each reported once per resolver."""
        taken, self._warnings = self._warnings, []
        return taken

    def usable(self, face: FontFace) -> bool:
        """Whether a face opens; an unusable one is remembered and reported once."""
        reason = unusable_reason(*face)
        if reason is not None and face not in self._skipped:
            self._skipped.add(face)
            self._warnings.append(f"font file {face[0].name} skipped: {reason}")
        return reason is None

    @functools.cached_property
    def _own_faces(self) -> list[FontFace]:
        """Every face in the operator's font folder, searched before the installed fonts."""
        return [(path, index) for path in _font_files(self.font_dir) for index in _faces_in(path)]

    def _system_faces(self, pattern: str, scan: re.Pattern[str] | None) -> list[FontFace]:
        """Installed faces: fontconfig's answer for `pattern`; without fontconfig, the usual folders' files
        whose name matches `scan` (none when `scan` is None)."""
        if not self.system_fonts:
            return []
        faces = _fontconfig_faces(pattern)
        if faces is not None or scan is None:
            return faces or []
        return [
            (path, index)
            for folder in SYSTEM_FONT_DIRS
            for path in _font_files(folder)
            if scan.search(path.name)
            for index in _faces_in(path)
        ]

    def font_for(self, style_font: dict[str, Any] | None, *, bold: bool = False) -> tuple[Path, int, list[str]]:
        """(font file, face index, warnings) for a style's ``font`` dict (keys ``path``, ``id``, ``title``).

        A bold sibling file is preferred when ``bold``; the caller emboldens synthetically when
        `is_bold_face` says the returned face is not bold. Glyphs the face lacks are the caller's business
        (`covers`, `fallback_for`). A named font that is not found or cannot be used falls back to the CJK
        default, with a warning; no font named at all means the app's default font, so the CJK default
        without a warning.
        """
        style_font = style_font or {}
        path_text = str(style_font.get("path") or "").strip()
        resource_id = str(style_font.get("id") or style_font.get("resource_id") or "").strip()
        title = str(style_font.get("title") or "").strip()
        if title.casefold() == "none":
            title = ""
        named = self._named(path_text, resource_id, title)
        if named is not None:
            for path in dict.fromkeys((self._bold_variant(named, bold), named)):
                if self.usable((path, 0)):
                    return path, 0, []
        face = self.fallback(bold)
        # pyJianYingDraft writes a dummy path ("D:") next to a resource id: that alone names nothing.
        file_name = PureWindowsPath(path_text).name
        if not (file_name or resource_id or title):
            return *face, []
        catalogue_name = _resource_names().get(resource_id, "")
        label = file_name or title or catalogue_name or f"resource id {resource_id}"
        family = face_names(*face)[0] or face[0].name
        if named is not None:
            return *face, [f"font {label!r} cannot be used (see the skipped font file); used {family}"]
        return *face, [f"font {label!r} not found (put the file in the font folder); used {family}"]

    def _named(self, path_text: str, resource_id: str, title: str) -> Path | None:
        """A font file the draft names: by path, by file name, by resource id's font name or by title."""
        if path_text:
            path = Path(path_text)
            if path.suffix.lower() in FONT_SUFFIXES and path.is_file():
                return path
            name = PureWindowsPath(path_text).name.casefold()
            if name in self._by_name:
                return self._by_name[name]
        for name in (_resource_names().get(resource_id, ""), title):
            if name and _normalise(name) in self._by_stem:
                return self._by_stem[_normalise(name)]
        return None

    def _bold_variant(self, path: Path, bold: bool) -> Path:
        """The bold sibling of a named font file (Poppins-Regular -> Poppins-Bold) when one is available."""
        if not bold or unusable_reason(path, 0) is not None or is_bold_face(path, 0):
            return path
        stem = _normalise(path.stem)
        for candidate in (stem.removesuffix("regular") + "bold", stem + "bold"):
            if candidate in self._by_stem:
                return self._by_stem[candidate]
        sibling = path.with_name(path.stem.replace("Regular", "Bold") + path.suffix)
        return sibling if sibling.is_file() else path

    def fallback(self, bold: bool = False) -> FontFace:
        """The CJK-capable default face (the app's default font is a CJK font too).

        Raises FontNotFoundError when the configured folder and the system have no CJK-capable font.
        """
        if bold not in self._fallbacks:
            self._fallbacks[bold] = self._find_cjk(bold)
        return self._fallbacks[bold]

    def _find_cjk(self, bold: bool) -> FontFace:
        cjk_file = re.compile(r"cjk|han|wqy|droid|zh|hei|song|ming|gothic", re.IGNORECASE)
        for faces in (self._own_faces, self._system_faces(":lang=zh", cjk_file)):
            usable = [face for face in faces if self.usable(face) and not face_kind(*face).strikes]
            capable = [face for face in usable if all(covers(*face, ch) for ch in CJK_PROBE)]
            if capable:
                return min(capable, key=lambda face: _cjk_rank(face, bold))
        where = "" if self.system_fonts else " (installed fonts are not searched: CAPCUT_MATE_SYSTEM_FONTS=0)"
        raise FontNotFoundError(
            f"No CJK-capable font found{where}: Chinese/Japanese text would render as boxes. Install one "
            "(Debian/Ubuntu: apt-get install fonts-noto-cjk) or put a CJK font file (.ttf/.otf/.ttc) in a "
            "folder and set CAPCUT_MATE_FONT_DIR to it."
        )

    def fallback_for(self, char: str, bold: bool = False) -> FontFace | None:
        """A face that can draw `char` when the chosen one cannot: the CJK fallback, then the best other face.

        Monochrome faces rank before colour ones: a character reaching here is text, not an emoji.
        """
        key = (char, bold)
        if key not in self._char_fallbacks:
            self._char_fallbacks[key] = self._find_for_char(char, bold)
        return self._char_fallbacks[key]

    def _find_for_char(self, char: str, bold: bool) -> FontFace | None:
        cjk = self.fallback(bold)
        if covers(*cjk, char):
            return cjk
        faces = [*self._own_faces, *self._system_faces(f":charset={ord(char):x}", None)]
        candidates = [face for face in faces if self.usable(face) and covers(*face, char)]
        if not candidates:
            return None
        return min(candidates, key=lambda face: _plain_rank(face, bold))

    def colour_face_for(self, char: str) -> FontFace | None:
        """The first colour face (the font folder's, then the installed ones) with a glyph for `char`."""
        if char not in self._colour_faces:
            faces = [*self._own_faces, *self._system_faces(f":color=true:charset={ord(char):x}", _EMOJI_FILE)]
            self._colour_faces[char] = next(
                (face for face in faces if self.usable(face) and is_colour(*face) and covers(*face, char)), None
            )
        return self._colour_faces[char]
