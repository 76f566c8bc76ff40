"""Plan -> local inputs: resolve and probe media, and do once, in Pillow, what need not happen per frame.

Stills (photos, text images) are cropped, fitted to their reference size, masked, flipped, rotated and
faded to their static alpha here, so the graph only loops one small ready frame. Videos are probed for
what the graph must know of them: which stream to draw, alpha, HDR (tone-mapped when this ffmpeg can,
named in the report either way).
"""

from __future__ import annotations

import dataclasses
import errno
import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import cast

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from capcut_mate.ffmpeg import ffmpeg_exe, has_decoder, has_filters
from capcut_mate.render.chunking.cuts import visible
from capcut_mate.render.errors import RenderError
from capcut_mate.render.plan.colours import Lut
from capcut_mate.render.plan.geometry import max_scale, reference_size
from capcut_mate.render.plan.model import AudioClip, Chunk, Layer, Plan
from capcut_mate.render.plan.text import TextBlock
from capcut_mate.render.prepare.masks import mask_image
from capcut_mate.render.prepare.probe import MediaInfo, probe
from capcut_mate.render.prepare.reverse import reverse_range
from capcut_mate.render.prepare.strips import Strip, groups, is_static_text, write_strip
from capcut_mate.render.text.fonts import FontNotFoundError, FontResolver
from capcut_mate.render.text.raster import render_text_layer
from capcut_mate.render.timebase import Timebase
from capcut_mate.render.warnings import Warnings

# Photo preparation threads: one per core (the machine is otherwise idle until ffmpeg starts), at most 4.
PHOTO_WORKERS = min(4, os.cpu_count() or 1)
# A layer is prepared at its largest on-screen size; past this (1 GB as RGBA, far beyond any screen) a scale
# is a mistake, and Pillow would fail with an overflow or run out of memory instead of saying so.
MAX_PREPARED_PIXELS = 1 << 28
TONE_MAP_FILTERS = ("zscale", "tonemap")
REFERENCE_WHITE_NITS = 203  # BT.2408 HDR reference white, drawn as (nearly) SDR white


@dataclass
class Source:
    """What the graph reads for one layer.

    For stills `width`/`height` are the prepared image's size (after any baked rotation); for videos they
    are the reference size the graph scales the decoded frames to. `stream` is the video's `v:N` (not a
    cover picture); `tone_map` names the HDR transfer ("HLG", "PQ") the graph maps to SDR, or is empty.
    """

    path: Path
    still: bool
    width: int
    height: int
    ref_scale: tuple[float, float]
    baked_rotation: bool = False
    baked_alpha: bool = False
    has_alpha: bool = False
    media_duration_us: int | None = None
    mask_path: Path | None = None
    background_path: Path | None = None
    stream: int = 0
    tone_map: str = ""
    decoder: str = ""  # the video decoder to force (libvpx for a WebM's alpha); "" = ffmpeg's choice


@dataclass
class AudioSource:
    clip: AudioClip
    path: Path
    info: MediaInfo


@dataclass
class Prepared:
    sources: list[Source | None]  # aligned with plan.layers; None = not in the prepared chunk
    audio: list[AudioSource]
    warnings: Warnings = field(default_factory=Warnings)  # the render's collector, with what prepare found
    strips: list[Strip] = field(default_factory=list)  # text runs drawn through one input each
    luts: dict[str, Path] = field(default_factory=dict)  # draft path of a .cube file -> local file
    # Layers prepare rewrote (by plan index): a reversed clip read forwards from its reversed copy.
    rewritten: dict[int, Layer] = field(default_factory=dict)

    def layers_of(self, plan: Plan) -> tuple[Layer, ...]:
        """The plan's layers as these inputs show them."""
        return tuple(self.rewritten.get(index, layer) for index, layer in enumerate(plan.layers))


def _save(image: Image.Image, path: Path) -> Path:
    """Uncompressed TIFF (RGB/RGBA/L): written once, read once by ffmpeg; PNG deflate cost ~0.5 s a photo."""
    try:
        image.save(path, format="TIFF")
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise RenderError("DISK_FULL", f"no space left writing {path}; free disk space") from exc
        raise
    return path


def _finish_still(layer: Layer, image: Image.Image) -> tuple[Image.Image, bool, bool]:
    """Flip, static rotation and static alpha, unless keyframes animate them. Returns (image, rot, alpha)."""
    t = layer.transform
    if t.flip_h:
        image = ImageOps.mirror(image)
    if t.flip_v:
        image = ImageOps.flip(image)
    baked_rotation = not t.animated("rotation") and t.rotation % 360 != 0
    if baked_rotation:
        image = image.convert("RGBA").rotate(-t.rotation, Image.Resampling.BICUBIC, expand=True)
    baked_alpha = not t.animated("alpha") and t.alpha < 1.0
    if baked_alpha:
        image = image.convert("RGBA")
        image.putalpha(image.getchannel("A").point(lambda a: round(a * max(0.0, t.alpha))))
    return image, baked_rotation, baked_alpha


def _eight_bit(image: Image.Image) -> Image.Image:
    """16-bit (and 32-bit integer) greyscale as 8-bit L: Pillow's own convert clips such levels to white.

    A tRNS grey level (the PNG's transparent colour) becomes an alpha band (LA), so it stays transparent.
    """
    if image.mode not in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        return image
    levels = np.asarray(image, dtype=np.float64)
    grey = Image.fromarray(np.clip(np.rint(levels / 257), 0, 255).astype(np.uint8))
    key = image.info.get("transparency")  # a tRNS grey level: those pixels are transparent
    if not isinstance(key, int):
        return grey
    grey.putalpha(Image.fromarray(np.where(levels == key, 0, 255).astype(np.uint8)))
    return grey


def _has_alpha(image: Image.Image) -> bool:
    if image.mode != "RGBA":
        return False
    lowest, _ = cast(tuple[int, int], image.getchannel("A").getextrema())  # one band: (min, max)
    return lowest < 255


class Preparer:
    """Runs the prepare stage for one render; files go to `work_dir`."""

    def __init__(
        self,
        plan: Plan,
        resolve_media: Callable[[str], Path],
        work_dir: Path,
        font_dir: Path | None,
        system_fonts: bool = True,
        photo_workers: int = PHOTO_WORKERS,
        ffmpeg: str | None = None,
        warnings: Warnings | None = None,
    ) -> None:
        self.plan = plan
        self.resolve = resolve_media
        self.work_dir = work_dir
        self.font_dir = font_dir
        self.system_fonts = system_fonts
        self.photo_workers = photo_workers
        self.ffmpeg = ffmpeg
        self.draft_dir: Path | None = getattr(resolve_media, "draft_dir", None)
        self.warnings = warnings if warnings is not None else Warnings()
        self.rewritten: dict[int, Layer] = {}
        self._probes: dict[Path, MediaInfo] = {}
        self._fonts: FontResolver | None = None
        self._reversed: dict[str, tuple[Path, int]] = {}  # segment id -> (reversed copy, mirror time µs)

    @property
    def canvas(self) -> tuple[int, int]:
        return self.plan.canvas_width, self.plan.canvas_height

    def probe(self, path: Path) -> MediaInfo:
        if path not in self._probes:
            self._probes[path] = probe(path)
        return self._probes[path]

    def run(self, chunk: Chunk | None = None, *, video: bool = True, audio: bool = True) -> Prepared:
        """Inputs of the layers shown in `chunk` (all when None) and, if `audio`, of the sounds.

        Photos decode and resize on worker threads (Pillow releases the GIL) while the rest runs here.
        """
        layers = self.plan.layers
        timebase = Timebase.of(self.plan.fps)
        wanted = [video and (chunk is None or visible(layer, chunk, timebase)) for layer in layers]
        pool = ThreadPoolExecutor(max_workers=self.photo_workers)
        try:
            photos = {
                i: pool.submit(self._layer, i, layer)
                for i, layer in enumerate(layers)
                if layer.kind == "photo" and wanted[i]
            }
            sources = [
                (photos[i].result() if i in photos else self._layer(i, layer)) if wanted[i] else None
                for i, layer in enumerate(layers)
            ]
        finally:
            pool.shutdown(cancel_futures=True)
        # Runs are found on the whole timeline, so a chunk draws its captions the way a single pass does.
        static = [is_static_text(layer) for layer in layers]
        images = [src.path if src is not None else Path() for src in sources]
        strips = [
            strip
            for number, run in enumerate(groups(layers, static))
            if (shown := [i for i in run if sources[i] is not None])
            and (strip := write_strip(number, shown, layers, images, self.canvas, self.work_dir)) is not None
        ]
        sounds = []
        for clip in self.plan.audio if audio else ():
            path = self.resolve(clip.material_path)
            if clip.reverse:
                end = clip.source_start_us + round(clip.duration_us * clip.speed)
                ref = (clip.segment_id, clip.track, clip.reverse_path)
                path, mirror = self._reversal(ref, path, clip.source_start_us, end)
                clip = dataclasses.replace(clip, source_start_us=max(0, mirror - end), reverse=False)
            info = self.probe(path)
            if info.has_audio:
                sounds.append(AudioSource(clip, path, info))
            elif not clip.from_video:
                self.warnings.add(clip.segment_id, clip.track, "audio", f"{path.name} has no audio stream")
        cubes = [a.colour.path for a in self.plan.adjustments if isinstance(a.colour, Lut)] if video else []
        luts = {path: self.resolve(path) for path in cubes}
        return Prepared(sources, sounds, self.warnings, strips, luts, self.rewritten)

    def _layer(self, index: int, layer: Layer) -> Source:
        if layer.kind == "text":
            return self._text(index, layer)
        path = self.resolve(layer.material_path)
        if layer.kind == "photo":
            return self._photo(index, layer, path)
        info = self.probe(path)
        if info.width <= 0:
            raise RenderError("MEDIA_UNREADABLE", f"{path} has no video stream; cannot use it as a video clip")
        decoder = self._alpha_decoder(layer, info, path)
        alpha_lost = bool(info.decoder) and not decoder
        if layer.reverse:
            path, layer = self._reversed_layer(index, layer, path)
            info = self.probe(path)
        width, height = _prepared_size(layer, info.width, info.height, self.canvas)
        needed = layer.source_start_us + (layer.duration_us + layer.tail_us) * layer.speed
        if info.duration_us is not None and needed > info.duration_us + 50_000:
            self.warnings.add(
                layer.segment_id,
                layer.track,
                "source_range",
                f"source range ends at {needed / 1e6:.3f} s but {path.name} lasts "
                f"{info.duration_us / 1e6:.3f} s; the last frame is held",
            )
        source = Source(path, False, width, height, max_scale(layer), media_duration_us=info.duration_us)
        source.stream, source.has_alpha = info.video_stream, info.has_alpha and not alpha_lost
        source.decoder = decoder if decoder == info.decoder else ""  # a reversed copy needs none
        if info.hdr:
            source.tone_map = self._hdr(layer, info.hdr, path)
        if layer.mask is not None:
            source.mask_path = _save(mask_image(layer.mask, (width, height)), self.work_dir / f"mask{index}.tiff")
        return source

    def _alpha_decoder(self, layer: Layer, info: MediaInfo, path: Path) -> str:
        """The decoder that keeps a WebM's alpha, when this ffmpeg has it; else "" and a named warning."""
        if not info.decoder or has_decoder(ffmpeg_exe(self.ffmpeg), info.decoder):
            return info.decoder
        message = f"{path.name} has an alpha channel this ffmpeg cannot decode (no {info.decoder} decoder): opaque"
        self.warnings.add(layer.segment_id, layer.track, "alpha", message)
        return ""

    def _hdr(self, layer: Layer, transfer: str, path: Path) -> str:
        """The transfer to tone-map from, when this ffmpeg has the filters; a named warning either way."""
        if has_filters(ffmpeg_exe(self.ffmpeg), *TONE_MAP_FILTERS):
            message = (
                f"{path.name} is {transfer} HDR; tone-mapped to SDR BT.709 (reference white {REFERENCE_WHITE_NITS} "
                "nits, highlights compressed), which approximates the app's own conversion"
            )
            found = transfer
        else:
            message = (
                f"{path.name} is {transfer} HDR, drawn without tone mapping (this ffmpeg has no "
                f"{'/'.join(TONE_MAP_FILTERS)} filter): colours come out washed out"
            )
            found = ""
        self.warnings.add(layer.segment_id, layer.track, "hdr", message)
        return found

    def _reversed_layer(self, index: int, layer: Layer, path: Path) -> tuple[Path, Layer]:
        """Read a reversed clip forwards from its reversed copy; the layer is rewritten to match (`rewritten`).

        A transition's lead shows what follows the range in the source and its tail what precedes it, so
        the copy covers those too.
        """
        start = layer.source_start_us
        end = start + round(layer.duration_us * layer.speed)
        before, after = round(layer.tail_us * layer.speed), round(layer.lead_us * layer.speed)
        ref = (layer.segment_id, layer.track, layer.reverse_path)
        copy, mirror = self._reversal(ref, path, max(0, start - before), end + after)
        layer = dataclasses.replace(layer, source_start_us=max(0, mirror - end), reverse=False)
        self.rewritten[index] = layer
        return copy, layer

    def _reversal(self, ref: tuple[str, str, str], path: Path, start: int, end: int) -> tuple[Path, int]:
        """(reversed copy, mirror time) for a segment, made once: the app's own copy when the draft names one
        and it is found, else source time [start, end) reversed into scratch (reverse.py)."""
        seg_id, track, reverse_path = ref
        if seg_id in self._reversed:
            return self._reversed[seg_id]
        found: tuple[Path, int] | None = None
        if reverse_path:
            try:
                copy = self.resolve(reverse_path)
                length = self.probe(copy).duration_us
                found = (copy, length) if length else None
            except RenderError:
                found = None
            if found is None:
                message = f"the app's reversed copy {reverse_path!r} is not readable here; reversed from the source"
                self.warnings.add(seg_id, track, "reverse", message)
        if found is None:
            duration = self.probe(path).duration_us
            stop = min(end, duration) if duration else end
            out = self.work_dir / f"reverse{len(self._reversed)}.mkv"
            found = (out, reverse_range(path, min(start, max(0, stop - 1)), stop, out))
        self._reversed[seg_id] = found
        return found

    def _photo(self, index: int, layer: Layer, path: Path) -> Source:
        try:
            with Image.open(path) as opened:
                turned = opened.getexif().get(0x0112, 1) in (5, 6, 7, 8)  # EXIF orientation swaps the axes
                size = opened.size[::-1] if turned else opened.size
                width, height = _prepared_size(layer, size[0], size[1], self.canvas)
                if opened.format == "JPEG":
                    # Decode at a reduced scale (1/2, 1/4, 1/8) still covering the target: much faster.
                    crop = layer.crop
                    need = (
                        (width / (crop.right - crop.left), height / (crop.bottom - crop.top))
                        if crop
                        else (width, height)
                    )
                    opened.draft("RGB", tuple(math.ceil(n) for n in (need[::-1] if turned else need)))
                image = _eight_bit(ImageOps.exif_transpose(opened))
                has_alpha = image.mode in ("RGBA", "LA", "PA") or "transparency" in image.info
                image = image.convert("RGBA" if has_alpha else "RGB")
        except (OSError, UnidentifiedImageError, Image.DecompressionBombError) as exc:
            raise RenderError("MEDIA_UNREADABLE", f"cannot read image {path}: {exc}") from exc
        if layer.crop is not None:
            c = layer.crop
            w, h = image.size
            image = image.crop((round(c.left * w), round(c.top * h), round(c.right * w), round(c.bottom * h)))
        image = image.resize((width, height), Image.Resampling.BICUBIC, reducing_gap=2.0)
        background_path = None
        if layer.background is not None and layer.background.kind == "blur":
            background_path = _save(
                self._blurred_cover(image, layer.background.blur), self.work_dir / f"bg{index}.tiff"
            )
        if layer.mask is not None:
            image = image.convert("RGBA")
            alpha = np.asarray(image.getchannel("A"), dtype=np.uint16)
            masked = alpha * np.asarray(mask_image(layer.mask, image.size), dtype=np.uint16) // 255
            image.putalpha(Image.fromarray(masked.astype(np.uint8)))
        image, baked_rotation, baked_alpha = _finish_still(layer, image)
        out = _save(image, self.work_dir / f"still{index}.tiff")
        return Source(
            out,
            True,
            *image.size,
            ref_scale=max_scale(layer),
            baked_rotation=baked_rotation,
            baked_alpha=baked_alpha,
            has_alpha=_has_alpha(image),
            background_path=background_path,
        )

    def _blurred_cover(self, image: Image.Image, level: float) -> Image.Image:
        """canvas_blur: the clip cover-scaled to the canvas and blurred (app levels 0.0625..1)."""
        cover = ImageOps.fit(image.convert("RGB"), self.canvas, Image.Resampling.BILINEAR)
        return cover.filter(ImageFilter.GaussianBlur(blur_radius(level, self.canvas)))

    def _text(self, index: int, layer: Layer) -> Source:
        if self._fonts is None:
            self._fonts = FontResolver(self.font_dir, self.draft_dir, system_fonts=self.system_fonts)
        ref = max_scale(layer)
        try:
            result = render_text_layer(layer.text or TextBlock(()), self.canvas, self._fonts, scale=ref[0])
        except FontNotFoundError as exc:
            raise RenderError("FONT_MISSING", f"{exc}; install fonts-noto-cjk or pass a font folder") from exc
        for message in result.warnings:
            self.warnings.add(layer.segment_id, layer.track, "text", message)
        image = result.image.convert("RGBA")
        ax, ay = result.anchor
        # Pad so the anchor is the image centre: then text is placed like any other layer.
        half_w = math.ceil(max(ax, image.width - ax))
        half_h = math.ceil(max(ay, image.height - ay))
        canvas = Image.new("RGBA", (max(2, 2 * half_w), max(2, 2 * half_h)), (0, 0, 0, 0))
        canvas.paste(image, (round(half_w - ax), round(half_h - ay)))
        if layer.mask is not None:
            self.warnings.add(layer.segment_id, layer.track, "mask", "masks on text ignored")
        canvas, baked_rotation, baked_alpha = _finish_still(layer, canvas)
        out = _save(canvas, self.work_dir / f"text{index}.tiff")
        return Source(
            out,
            True,
            *canvas.size,
            ref_scale=(ref[0], ref[0]),
            baked_rotation=baked_rotation,
            baked_alpha=baked_alpha,
            has_alpha=True,
        )


def blur_radius(level: float, canvas: tuple[int, int]) -> float:
    """App blur levels (0.0625 / 0.375 / 0.75 / 1.0) to a Gaussian radius scaled with the canvas."""
    return max(2.0, level * min(canvas) / 20)


def _prepared_size(layer: Layer, src_w: float, src_h: float, canvas: tuple[int, int]) -> tuple[int, int]:
    """`reference_size`, or DRAFT_INVALID naming the segment when its scale makes it absurd (or infinite)."""
    try:
        width, height = reference_size(layer, src_w, src_h, canvas)
    except (OverflowError, ValueError):  # round() of an infinite (or NaN) size
        width = height = MAX_PREPARED_PIXELS
    if width * height > MAX_PREPARED_PIXELS:
        raise RenderError(
            "DRAFT_INVALID",
            f"segment {layer.segment_id} would be drawn at {width}x{height} px (scale {max(max_scale(layer)):g}); "
            "lower its scale",
        )
    return width, height
