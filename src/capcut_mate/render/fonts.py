"""Find a real font file for a draft's text style, on a machine that is not the one the draft was made on.

Drafts name fonts in three ways: an absolute path on the author's machine (the app writes Windows paths such
as ``C:/Users/x/Fonts/Poppins-Regular.ttf``), a JianYing cloud-font resource id, or nothing (the app's bundled
default). `FontResolver` tries, in order: the path itself, the path's file name inside the draft folder and the
configured font folder, the resource id's font name (pyJianYingDraft's ``FontType`` catalogue) as a file name
in those folders, and finally a CJK-capable fallback (configured folder first, then the system's fonts via
fontconfig or a scan of the usual folders). Characters a chosen font has no glyph for get a per-character
fallback (`fallback_for`), so mixed Latin/CJK/Arabic text never renders as boxes ("tofu"). When the system has
no CJK font at all, `FontNotFoundError` says how to fix it instead of rendering boxes.
"""

from __future__ import annotations

import functools
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path, PureWindowsPath

from PIL import ImageFont
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
# A code point no font maps: its rendering is the font's .notdef glyph (the "tofu" box).
_UNMAPPED = "\U0010fffd"


class FontNotFoundError(Exception):
    """No font able to draw CJK text exists on this machine."""


FontFace = tuple[Path, int]


def _normalise(name: str) -> str:
    """Compare font names loosely: 'Poppins-Regular', 'poppins regular' and 'Poppins_Regular' match."""
    return re.sub(r"[\s_\-]+", "", name).casefold()


def _font_files(folder: Path | None) -> list[Path]:
    if folder is None or not folder.is_dir():
        return []
    return sorted(p for p in folder.rglob("*") if p.suffix.lower() in FONT_SUFFIXES and p.is_file())


@functools.lru_cache(maxsize=1)
def _resource_names() -> dict[str, str]:
    """JianYing cloud font resource id -> font name, from pyJianYingDraft's catalogue."""
    return {member.value.resource_id: member.value.name for member in FontType}


@functools.lru_cache(maxsize=256)
def _probe_font(path: Path, index: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(str(path), 48, index=index, layout_engine=ImageFont.Layout.BASIC)


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
        try:
            _probe_font(path, index)
        except OSError:
            break
        indexes.append(index)
    return indexes


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


def _plain_rank(face: FontFace, bold: bool) -> tuple[int, int]:
    """Lower is better: weight match, then upright (the renderer shears italics itself)."""
    style = face_names(*face)[1]
    return int(bool(_BOLD_STYLE.search(style)) != bold), int(bool(re.search("italic|oblique", style, re.I)))


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
    first for the CJK fallback. ``draft_dir`` is the draft's own folder, where fonts shipped with a draft live.
    Results are cached per resolver; create one per draft.
    """

    def __init__(self, font_dir: Path | None = None, draft_dir: Path | None = None) -> None:
        self.font_dir = font_dir
        self.draft_dir = draft_dir
        self._by_name: dict[str, Path] = {}
        self._by_stem: dict[str, Path] = {}
        # Draft fonts win over the operator's folder: the draft was made with them.
        for path in [*_font_files(font_dir), *_font_files(draft_dir)]:
            self._by_name[path.name.casefold()] = path
            self._by_stem[_normalise(path.stem)] = path
        self._fallbacks: dict[bool, FontFace] = {}
        self._char_fallbacks: dict[tuple[str, bool], FontFace | None] = {}

    def font_for(self, style_font: dict | None, *, bold: bool = False) -> tuple[Path, int, list[str]]:
        """(font file, face index, warnings) for a style's ``font`` dict (keys ``path``, ``id``, ``title``).

        A bold sibling file is preferred when ``bold``; the caller emboldens synthetically when
        `is_bold_face` says the returned face is not bold. Glyphs the face lacks are the caller's business
        (`covers`, `fallback_for`). A named font that is not found falls back to the CJK default, with a
        warning; no font named at all means the app's default font, so the CJK default without a warning.
        """
        style_font = style_font or {}
        path_text = str(style_font.get("path") or "").strip()
        resource_id = str(style_font.get("id") or style_font.get("resource_id") or "").strip()
        title = str(style_font.get("title") or "").strip()
        if title.casefold() == "none":
            title = ""
        named = self._named(path_text, resource_id, title)
        if named is not None:
            return self._bold_variant(named, bold), 0, []
        face = self.fallback(bold)
        # pyJianYingDraft writes a dummy path ("D:") next to a resource id: that alone names nothing.
        file_name = PureWindowsPath(path_text).name
        if not (file_name or resource_id or title):
            return *face, []
        catalogue_name = _resource_names().get(resource_id, "")
        label = file_name or title or catalogue_name or f"resource id {resource_id}"
        family = face_names(*face)[0] or face[0].name
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
        if not bold or is_bold_face(path, 0):
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
        own = [(path, index) for path in _font_files(self.font_dir) for index in _faces_in(path)]
        system = _fontconfig_faces(":lang=zh")
        if system is None:
            system = [
                (path, index)
                for folder in SYSTEM_FONT_DIRS
                for path in _font_files(folder)
                if re.search(r"cjk|han|wqy|droid|zh|hei|song|ming|gothic", path.name, re.IGNORECASE)
                for index in _faces_in(path)
            ]
        for faces in (own, system):
            capable = [face for face in faces if all(covers(*face, ch) for ch in CJK_PROBE)]
            if capable:
                return min(capable, key=lambda face: _cjk_rank(face, bold))
        raise FontNotFoundError(
            "No CJK-capable font found: Chinese/Japanese text would render as boxes. Install one "
            "(Debian/Ubuntu: apt-get install fonts-noto-cjk) or put a CJK font file (.ttf/.otf/.ttc) in a "
            "folder and set CAPCUT_MATE_FONT_DIR to it."
        )

    def fallback_for(self, char: str, bold: bool = False) -> FontFace | None:
        """A face that can draw `char` when the chosen one cannot: the CJK fallback, then fontconfig's pick."""
        key = (char, bold)
        if key not in self._char_fallbacks:
            self._char_fallbacks[key] = self._find_for_char(char, bold)
        return self._char_fallbacks[key]

    def _find_for_char(self, char: str, bold: bool) -> FontFace | None:
        cjk = self.fallback(bold)
        if covers(*cjk, char):
            return cjk
        own = [(path, index) for path in _font_files(self.font_dir) for index in _faces_in(path)]
        system = _fontconfig_faces(f":charset={ord(char):x}") or []
        candidates = [face for face in [*own, *system] if covers(*face, char)]
        if not candidates:
            return None
        return min(candidates, key=lambda face: _plain_rank(face, bold))
