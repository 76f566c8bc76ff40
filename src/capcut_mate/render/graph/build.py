"""Plan + prepared inputs -> one ffmpeg invocation: input arguments and a single filter_complex script.

Layers are built in their own local time (frame 0 = first shown frame) and shifted onto the timeline
last; overlays only act inside their segment's window (`enable=`), so idle layers cost nothing.
Local filters (scale, rotate, fade, sendcmd) see local time; overlay x/y see the global timeline `t`.

The bottom run of plain full-canvas cuts of one video file (a talking head's main track) is the cheap case:
one decoder reads the file once, `split`+`trim` cut it, and `concat` (with black gap fillers) makes the base
instead of overlaying each cut on a black canvas. concat consumes its inputs in order, so the shared decoder
never runs ahead of what is shown; per-cut `-ss` inputs would each decode from the previous keyframe.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

from capcut_mate.render.chunking.cuts import chunk_frames
from capcut_mate.render.concat import concat_path
from capcut_mate.render.graph import audio, motions, transform
from capcut_mate.render.graph import check as graphcheck
from capcut_mate.render.graph.colour import colour_filter
from capcut_mate.render.graph.expr import num, piecewise
from capcut_mate.render.plan.model import Adjustment, Chunk, Layer, Plan
from capcut_mate.render.prepare.inputs import REFERENCE_WHITE_NITS, Prepared, Source
from capcut_mate.render.prepare.strips import Strip
from capcut_mate.render.timebase import Timebase
from capcut_mate.streams import decoder_args

# Cuts of one file share a decoder when the source skipped between them is at most this long
# (decoding the gap costs about what a keyframe seek would).
MAX_SHARED_GAP_US = 5_000_000
# A preview seeks a video this far before the frame it shows, so fps sees the frame before it too.
PREVIEW_SEEK_MARGIN_S = 0.5

# (file, the render's -ss, wanted source second) -> (a -ss just before the wanted frame, the stream ticks from
# the render's first frame to that one), or None when the file cannot say (render/preview.py).
SeekPoint = Callable[[Path, float, float], tuple[float, int] | None]


@dataclass
class Graph:
    """Everything run.py needs: `-i` argument groups, the filter script, side files, frame count.

    The script ends in [vout] when `video`, in [aout] when `audio`; `total_frames` is what it spans.
    """

    inputs: list[list[str]]
    script: str
    side_files: dict[str, str]  # name (relative to the work dir) -> content
    total_frames: int
    fps: Fraction
    video: bool = True
    audio: bool = True


def ffconcat(entries: list[tuple[Path, int, int]], rate: str) -> str:
    """An ffconcat list of still images, each (path, start µs, end µs), read at `rate` (the stream time base).

    Durations are differences of the integer µs starts, so starts never drift from their frames.
    """
    lines = ["ffconcat version 1.0"]
    for path, start, end in entries:
        lines += [f"file {concat_path(path)}", f"option framerate {rate}", f"duration {(end - start) / 1e6:.6f}"]
    return "\n".join(lines) + "\n"


def tone_map(source: Source) -> list[str]:
    """HLG/PQ to SDR BT.709 (nothing for SDR): linear light with the reference white at 1.0, BT.709 primaries,
    highlights rolled off by mobius (which keeps levels below 0.8 linear), back to BT.709 video levels."""
    if not source.tone_map:
        return []
    return [
        f"zscale=t=linear:npl={REFERENCE_WHITE_NITS}",
        "format=gbrpf32le",
        "zscale=p=bt709",
        "tonemap=tonemap=mobius:param=0.8:desat=0",
        "zscale=t=bt709:m=bt709:r=tv",
        "format=yuv420p",
    ]


def _ffmpeg_color(color: str) -> str:
    """#RRGGBB[AA] -> ffmpeg 0xRRGGBB@alpha."""
    hexes = color.lstrip("#")
    alpha = int(hexes[6:8], 16) / 255 if len(hexes) >= 8 else 1.0
    return f"0x{hexes[:6] or '000000'}@{num(alpha)}"


class _Builder:
    def __init__(
        self,
        plan: Plan,
        prepared: Prepared,
        chunk: Chunk | None = None,
        frame: int | None = None,
        seek_point: SeekPoint | None = None,
    ) -> None:
        self.plan = plan
        self.frame = frame  # a preview: only this output frame, no audio (render/preview.py)
        self.seek_point = seek_point
        self.prepared = prepared
        self.timebase = Timebase.of(plan.fps)
        self.fps = self.timebase.rate
        # Output frames [origin, origin + total) of the timeline; filter time 0 is frame `origin`.
        self.chunk = chunk
        self.origin, end = chunk_frames(chunk, self.timebase) if chunk else (0, max(1, self.frames(plan.duration_us)))
        self.total = end - self.origin
        self.rate = f"{self.fps.numerator}/{self.fps.denominator}"
        self.tb = f"{self.fps.denominator}/{self.fps.numerator}"
        self.inputs: list[list[str]] = []
        self.lines: list[str] = []
        self.side_files: dict[str, str] = {}
        self.video_inputs: dict[str, tuple[int, float]] = {}  # segment id -> (input, seconds skipped)
        self.run: list[int] = []  # the layers that make the base (base_run)

    def frames(self, us: int) -> int:
        return self.timebase.frame(us)

    def window(self, first_f: int, stop_f: int) -> str:
        """`enable` expression for timeline frames [first_f, stop_f) in this run's time."""
        start, stop = first_f - self.origin, stop_f - self.origin
        return f"between(t,{num((start - 0.5) / self.fps)},{num((stop - 0.5) / self.fps)})"

    def place(self, first_f: int, count: int) -> list[str]:
        """Shift `count` local frames to timeline frame `first_f`; in a chunk, keep only the chunk's part."""
        low, high = max(0, self.origin - first_f), min(count, self.origin + self.total - first_f)
        if self.chunk is None or (low, high) == (0, count):
            return [f"setpts=PTS+{first_f - self.origin}"]
        return [f"trim=start_frame={low}:end_frame={high}", f"setpts=PTS-STARTPTS+{first_f + low - self.origin}"]

    def add_input(self, args: list[str]) -> int:
        self.inputs.append(args)
        return len(self.inputs) - 1

    def build(self, video: bool, audio: bool) -> Graph:
        if video:
            self.video()
        if audio:
            self.audio(self.total)
        script = ";\n".join(self.lines) + "\n"
        graphcheck.check(script, self.side_files)
        return Graph(self.inputs, script, self.side_files, self.total, self.fps, video, audio)

    def video(self) -> None:
        plan = self.plan
        run = self.run = self.base_run() if self.frame is None else []
        if run:
            self.base(run, self.total)
        elif self.frame is not None:
            self.lines.append(f"{self.black(1)},setpts=PTS+{self.frame}[v0]")
        else:
            self.lines.append(f"{self.black(self.total)}[v0]")
        current = "v0"
        strips = {strip.indices[0]: strip for strip in self.prepared.strips}
        skip = set(run) | {index for strip in self.prepared.strips for index in strip.indices}
        pending = list(plan.adjustments)
        for index, (layer, source) in enumerate(zip(plan.layers, self.prepared.sources, strict=True)):
            current = self.adjust(pending, index, current)
            if index in strips:
                current = self.strip(strips[index], current)
            elif index not in skip and source is not None:
                current = self.layer(index, layer, source, current)
        current = self.adjust(pending, len(plan.layers), current)
        self.lines.append(f"[{current}]null[vout]")

    # ---- video -------------------------------------------------------------------------------------

    def black(self, count: int) -> str:
        return (
            f"color=c=black:s={self.plan.width}x{self.plan.height}:r={self.rate},format=yuv420p,"
            f"trim=end_frame={count},setsar=1"
        )

    def adjust(self, pending: list[Adjustment], index: int, below: str) -> str:
        """Filter/effect tracks over the composite of the layers under them, only inside their windows."""
        while pending and pending[0].below <= index:
            item = pending.pop(0)
            start, end = self.frames(item.start_us), self.frames(item.start_us + item.duration_us)
            if end <= self.origin or start >= self.origin + self.total:
                continue  # outside this chunk
            window = self.window(start, end)
            text = colour_filter(item.colour, self.prepared.luts)
            label = f"fx{len(self.lines)}"
            joiner = ":" if "=" in text else "="
            self.lines.append(f"[{below}]{text}{joiner}enable='{window}'[{label}]")
            below = label
        return below

    def plain_cut(self, layer: Layer, source: Source) -> bool:
        """A static, opaque video exactly covering the output frame: nothing to composite."""
        t = layer.transform
        return (
            layer.kind == "video"
            and (source.width, source.height) == (self.plan.width, self.plan.height)
            and (t.x, t.y, t.rotation % 360, t.alpha) == (0.0, 0.0, 0.0, 1.0)
            and not t.keyframes
            and not layer.motions
            and layer.lead_us == layer.tail_us == 0
            and layer.mask is None
            and layer.chroma is None
            and layer.background is None
            and layer.speed > 0
            and not source.has_alpha
        )

    def base_run(self) -> list[int]:
        """Indices of the bottom layers that become the base: plain cuts of one file, in time and source order."""
        run: list[int] = []
        end_f, source_end = 0, 0.0
        for index, (layer, source) in enumerate(zip(self.plan.layers, self.prepared.sources, strict=True)):
            if source is None:
                continue  # not in this chunk
            start_f = self.frames(layer.start_us) - self.origin
            stop_f = self.frames(layer.start_us + layer.duration_us) - self.origin
            first = self.prepared.sources[run[0]] if run else None
            same_file = first is None or source.path == first.path
            inside = end_f <= start_f < stop_f <= self.total
            if not (self.plain_cut(layer, source) and same_file and inside):
                break
            if layer.source_start_us < source_end or layer.source_start_us - source_end > MAX_SHARED_GAP_US:
                break
            run.append(index)
            end_f = stop_f
            source_end = layer.source_start_us + layer.duration_us * layer.speed
        return run

    def base(self, run: list[int], total: int) -> None:
        """[v0] = the run's cuts from one shared decoder, black in the gaps, `total` frames."""
        layers = [self.plan.layers[i] for i in run]
        first = layers[0].source_start_us / 1e6
        last = layers[-1]
        span = (last.source_start_us + last.duration_us * last.speed) / 1e6 - first
        source = self.prepared.sources[run[0]]
        assert source is not None  # a run holds prepared layers only
        path = source.path
        k = self.add_input(["-threads", "1", "-ss", num(first), "-t", num(span + 0.2), "-i", str(path.resolve())])
        self.lines.append(f"[{k}:v:{source.stream}]split={len(run)}" + "".join(f"[cut{i}]" for i in run))
        parts: list[str] = []
        at_f = 0
        for index, layer in zip(run, layers, strict=True):
            start_f = self.frames(layer.start_us) - self.origin
            end_f = self.frames(layer.start_us + layer.duration_us) - self.origin
            if start_f > at_f:
                self.lines.append(f"{self.black(start_f - at_f)}[gap{index}]")
                parts.append(f"[gap{index}]")
            skip = layer.source_start_us / 1e6 - first
            speed = layer.speed
            retime = "setpts=PTS-STARTPTS" if speed == 1 else f"setpts=(PTS-STARTPTS)/{num(speed)}"
            chain = [*tone_map(source), f"trim=start={num(skip)}", retime, f"fps={self.rate}"]
            chain.append("tpad=stop=-1:stop_mode=clone")
            chain += [f"trim=end_frame={end_f - start_f}", *self.cut_look(layer), "format=yuv420p", "setsar=1"]
            self.lines.append(f"[cut{index}]{','.join(chain)}[base{index}]")
            parts.append(f"[base{index}]")
            at_f = end_f
        if at_f < total:
            self.lines.append(f"{self.black(total - at_f)}[gapend]")
            parts.append("[gapend]")
        self.lines.append(
            f"{''.join(parts)}concat=n={len(parts)}:v=1:a=0,settb=expr={self.tb},setpts=N,trim=end_frame={total}[v0]"
        )

    def cut_look(self, layer: Layer) -> list[str]:
        """Crop, fit to the frame and flips of a plain cut (the steps video_head gives a layer)."""
        steps = []
        crop = layer.crop
        if crop is not None:
            cw, ch = crop.right - crop.left, crop.bottom - crop.top
            steps.append(f"crop=iw*{num(cw)}:ih*{num(ch)}:iw*{num(crop.left)}:ih*{num(crop.top)}")
        steps.append(f"scale={self.plan.width}:{self.plan.height}")
        if layer.transform.flip_h:
            steps.append("hflip")
        if layer.transform.flip_v:
            steps.append("vflip")
        return steps

    def shown(self, count: int, first_f: int) -> tuple[int, int]:
        """(first, end) local frames a layer produces: all of them, or in a preview only `self.frame`."""
        return (0, count) if self.frame is None else (self.frame - first_f, self.frame - first_f + 1)

    def layer(self, index: int, layer: Layer, source: Source, below: str) -> str:
        start_f = self.frames(layer.start_us)
        end_f = self.frames(layer.start_us + layer.duration_us)
        first_f = self.frames(layer.start_us - layer.lead_us)
        last_f = self.frames(layer.start_us + layer.duration_us + layer.tail_us)
        lead_f, tail_f = start_f - first_f, last_f - end_f
        count = last_f - first_f
        offset = lead_f / self.fps  # filter-local seconds at the segment start
        local = f"(t-{num(float(offset))})"
        t = layer.transform
        needs_rgba = t.animated("alpha") or (t.alpha < 1.0 and not source.baked_alpha)
        needs_alpha = (
            needs_rgba
            or source.has_alpha
            or layer.mask is not None
            or layer.chroma is not None
            or motions.needs_alpha(layer.motions)
            or t.animated("rotation")
            or (t.rotation % 360 != 0 and not source.baked_rotation)
        )
        shown = self.shown(count, first_f)
        opaque = not needs_alpha and self.over_black(index, layer, source, (first_f, last_f))
        warp = self.warp(layer, source, (first_f, lead_f, count), shown[0], opaque) if transform.needed(layer) else None
        fmt = "rgba" if needs_rgba else ("yuva420p" if needs_alpha or (warp and not opaque) else "yuv420p")
        label = f"L{index}"
        background: str | None = None
        if source.still:
            k = self.add_input(["-threads", "1", "-i", str(source.path.resolve())])
            chain = [f"[{k}:v:0]"]
            if layer.chroma is not None:
                chain.append(self.chromakey(layer) + ",")
            keep, end = self.shown(count, first_f)
            chain.append(f"format={fmt},loop=loop={end - keep - 1}:size=1:start=0,settb=expr={self.tb},setpts=N+{keep}")
            if source.background_path is not None:
                background = self.still_background(index, source.background_path, first_f, count)
        else:
            chain, background = self.video_head(index, layer, source, count, lead_f, fmt, self.shown(count, first_f))
        steps: list[str] = motions.wipes(index, layer.motions, float(offset), fmt)
        steps += self.eq(layer, local)
        steps += warp.steps if warp else self.rotation(layer, source)
        canvas = (self.plan.canvas_width, self.plan.canvas_height)
        end_s = float(count / self.fps)
        effects, side_files = motions.filters(index, layer.motions, float(offset), fmt, canvas, end_s)
        steps += effects
        self.side_files.update(side_files)
        steps += self.alpha(index, layer, source, count, first_f, local)
        steps += self.place(first_f, count)
        self.lines.append("".join(chain) + "," + ",".join(steps) + f"[{label}]")

        window = self.window(first_f, end_f + tail_f)
        if layer.background is not None and layer.background.kind == "color":
            color = _ffmpeg_color(layer.background.color)
            self.lines.append(
                f"[{below}]drawbox=x=0:y=0:w={self.plan.canvas_width}:h={self.plan.canvas_height}:"
                f"color={color}:t=fill:enable='{window}'[bg{index}]"
            )
            below = f"bg{index}"
        elif background is not None:
            self.lines.append(
                f"[{below}][{background}]overlay=0:0:eof_action=pass:repeatlast=0:enable='{window}'[bo{index}]"
            )
            below = f"bo{index}"
        if warp:
            x, y, dynamic = warp.x, warp.y, warp.moving
        else:
            centre = self.centre(layer, f"(t-{num((start_f - self.origin) / self.fps)})")
            x, y, dynamic = f"{centre.x}-w/2", f"{centre.y}-h/2", centre.dynamic
        eval_mode = "frame" if dynamic else "init"
        self.lines.append(
            f"[{below}][{label}]overlay=x='{x}':y='{y}':eval={eval_mode}:eof_action=pass:repeatlast=0:"
            f"enable='{window}'[v{index + 1}]"
        )
        return f"v{index + 1}"

    def strip(self, strip: Strip, below: str) -> str:
        """A run of static captions: one ffconcat input (each caption for its frames, blank in the gaps), one overlay.

        The schedule is a side file, so every filter argument here has the same size for 2 or 2000 captions.
        """
        entries: list[tuple[Path, int]] = []  # (image, first frame shown); each lasts until the next
        first_f = at = 0
        for index, image in zip(strip.indices, strip.images, strict=True):
            layer = self.plan.layers[index]
            start_f, end_f = self.frames(layer.start_us), self.frames(layer.start_us + layer.duration_us)
            start_f = max(start_f, self.origin) - self.origin  # this run's part of it
            end_f = min(end_f, self.origin + self.total) - self.origin
            if end_f <= start_f:
                continue
            if not entries:
                first_f = start_f
            if start_f > at:
                entries.append((strip.blank, at))
            entries.append((image, start_f))
            at = end_f
        if not entries:
            return below
        if at < self.total:
            entries.append((strip.blank, at))  # not at the very end: a frame there would make overlay emit one more
        # Entry starts in µs as the demuxer reads them: rounded up to whole µs, back to their frame exactly.
        bounds = [self.timebase.us(f) for _, f in entries] + [self.timebase.us(max(at, entries[-1][1] + 1))]
        name = f"strip{strip.indices[0]}.ffconcat"
        timed = [(path, bounds[n], bounds[n + 1]) for n, (path, _) in enumerate(entries)]
        self.side_files[name] = ffconcat(timed, self.rate)
        k = self.add_input(["-threads", "1", "-f", "concat", "-safe", "0", "-i", name])
        first = strip.indices[0]
        self.lines.append(f"[{k}:v:0]format=yuva420p,settb=expr={self.tb}[S{first}]")
        x, y = strip.origin
        window = self.window(first_f + self.origin, at + self.origin)
        self.lines.append(
            f"[{below}][S{first}]overlay=x={x}:y={y}:eval=init:eof_action=repeat:repeatlast=1:"
            f"enable='{window}'[v{first + 1}]"
        )
        return f"v{first + 1}"

    def video_head(
        self, index: int, layer: Layer, source: Source, count: int, lead_f: int, fmt: str, shown: tuple[int, int]
    ) -> tuple[list[str], str | None]:
        """Decode, trim, retime, crop, fit and flip a video clip; frames are numbered from 0 at 1/fps."""
        speed = layer.speed
        src_start = layer.source_start_us / 1e6
        pre_f = min(lead_f, math.floor(src_start / speed * float(self.fps) + 1e-6))
        pre = float(pre_f / self.fps) * speed
        read = float((count + 2) / self.fps) * speed + 0.1
        seek = self.preview_seek(source.path, src_start - pre, shown[0] - (lead_f - pre_f), speed)
        origin = src_start - pre if seek is None else seek[0]
        read -= origin - (src_start - pre)
        decode = [*decoder_args(source.decoder), "-ss", num(origin), "-t", num(read)]
        k = self.add_input(["-threads", "1", *decode, "-i", str(source.path.resolve())])
        self.video_inputs[layer.segment_id] = (k, pre)
        head = tone_map(source)
        if seek is not None:  # a preview far into the clip: the same timestamps and frames, from a seek
            head += [f"setpts=(PTS-STARTPTS+{seek[1]})/{num(speed)}", f"fps={self.rate}"]
            head += [f"setpts=PTS+{lead_f - pre_f}", "tpad=stop=-1:stop_mode=clone"]
            head.append(f"trim=start_pts={shown[0]}:end_pts={shown[1]}")
        else:
            retime = "setpts=PTS-STARTPTS" if speed == 1 else f"setpts=(PTS-STARTPTS)/{num(speed)}"
            head += [retime, f"fps={self.rate}"]
            if lead_f > pre_f:
                head.append(f"tpad=start={lead_f - pre_f}:start_mode=clone")
            keep = f"start_frame={shown[0]}:end_frame={shown[1]}" if shown[0] else f"end_frame={shown[1]}"
            head += ["tpad=stop=-1:stop_mode=clone", f"trim={keep}"]
        crop = layer.crop
        if crop is not None:
            cw, ch = crop.right - crop.left, crop.bottom - crop.top
            head.append(f"crop=iw*{num(cw)}:ih*{num(ch)}:iw*{num(crop.left)}:ih*{num(crop.top)}")
        background = None
        if layer.background is not None and layer.background.kind == "blur":
            from capcut_mate.render.prepare.inputs import blur_radius

            canvas = (self.plan.canvas_width, self.plan.canvas_height)
            self.lines.append(f"[{k}:v:{source.stream}]{','.join(head)},split[h{index}][hb{index}]")
            self.lines.append(
                f"[hb{index}]scale={canvas[0]}:{canvas[1]}:force_original_aspect_ratio=increase,"
                f"crop={canvas[0]}:{canvas[1]},gblur=sigma={num(blur_radius(layer.background.blur, canvas) / 2)},"
                f"{','.join(self.place(self.frames(layer.start_us) - lead_f, count))}[bgv{index}]"
            )
            chain = [f"[h{index}]scale={source.width}:{source.height}"]
            background = f"bgv{index}"
        else:
            chain = [f"[{k}:v:{source.stream}]{','.join(head)},scale={source.width}:{source.height}"]
        if layer.mask is not None and source.mask_path is not None:
            m = self.add_input(["-i", str(source.mask_path.resolve())])
            self.lines.append(
                f"[{m}:v:0]format=gray,loop=loop={count - 1}:size=1:start=0,settb=expr={self.tb},setpts=N[mk{index}]"
            )
            self.lines.append("".join(chain) + f",format=yuva420p[pm{index}]")
            chain = [f"[pm{index}][mk{index}]alphamerge"]
        if layer.transform.flip_h:
            chain.append(",hflip")
        if layer.transform.flip_v:
            chain.append(",vflip")
        if layer.chroma is not None:
            chain.append("," + self.chromakey(layer))
        chain.append(f",format={fmt}")
        return chain, background

    def preview_seek(self, path: Path, origin: float, local: int, speed: float) -> tuple[float, int] | None:
        """Preview only: (seek seconds, tick shift) to decode from near local frame `local`.

        The render's timestamps count in stream ticks from the first frame at or after `origin`
        (PTS-STARTPTS); adding the ticks between that frame and the first sought one gives the sought frames
        exactly the same timestamps, so fps picks the same source frames.
        """
        if self.seek_point is None:
            return None
        target = origin + float(local / self.fps) * speed - PREVIEW_SEEK_MARGIN_S
        if target <= origin:
            return None
        return self.seek_point(path, float(num(origin)), target)

    def still_background(self, index: int, path: Path, first_f: int, count: int) -> str:
        k = self.add_input(["-i", str(path.resolve())])
        self.lines.append(
            f"[{k}:v:0]format=yuv420p,loop=loop={count - 1}:size=1:start=0,settb=expr={self.tb},setpts=N,"
            f"{','.join(self.place(first_f, count))}[bgs{index}]"
        )
        return f"bgs{index}"

    def chromakey(self, layer: Layer) -> str:
        color, similarity = layer.chroma or ("#00ff00", 0.3)
        return f"chromakey=0x{color.lstrip('#')[:6]}:{num(similarity)}:0.05"

    def eq(self, layer: Layer, local: str) -> list[str]:
        """Brightness/contrast/saturation keyframes (−1..1, 0 = unchanged) via eq; the scale is a guess."""
        kf = layer.transform.keyframes
        parts = []
        if "brightness" in kf:
            parts.append(f"brightness='0.5*({piecewise(kf['brightness'], local)})'")
        if "contrast" in kf:
            parts.append(f"contrast='1+({piecewise(kf['contrast'], local)})'")
        if "saturation" in kf:
            parts.append(f"saturation='1+({piecewise(kf['saturation'], local)})'")
        return [f"eq={':'.join(parts)}:eval=frame"] if parts else []

    def rotation(self, layer: Layer, source: Source) -> list[str]:
        """A static clockwise rotation about the centre (not baked into a still), box grown to fit once.

        Turning layers rotate inside their warp (transform.py) instead.
        """
        t = layer.transform
        if t.rotation % 360 != 0 and not source.baked_rotation:
            rad = num(math.radians(t.rotation))
            return [f"rotate=a={rad}:c=black@0:ow='rotw({rad})':oh='roth({rad})'"]
        return []

    def warp(
        self, layer: Layer, source: Source, frames: tuple[int, int, int], first_shown: int, opaque: bool
    ) -> transform.Warp:
        """The fixed-size warp of a layer that zooms, pulses or turns (transform.py).

        `frames` = (first timeline frame, lead frames, local frame count) of the layer."""
        t = layer.transform
        first_f, lead_f, count = frames
        static_angle = 0.0 if source.baked_rotation or t.animated("rotation") else t.rotation
        fps = self.fps
        seen = f"round(t*{fps.numerator}/{fps.denominator})-{first_f - self.origin}"  # local frame in overlay
        return transform.build(
            layer,
            (source.width, source.height),
            source.ref_scale,
            static_angle,
            (fps, first_shown, lead_f, count),
            lambda var: self.centre(layer, var),
            seen,
            opaque,
        )

    def over_black(self, index: int, layer: Layer, source: Source, frames: tuple[int, int]) -> bool:
        """Whether only the black base lies under layer `index` in its timeline frames [first, last): no base
        run, background, lower layer or filter track there. Such a layer needs no alpha (transform.py)."""
        if self.run or layer.background is not None or source.background_path is not None:
            return False
        first_f, last_f = frames
        for below, other in zip(self.plan.layers[:index], self.prepared.sources[:index], strict=True):
            start = self.frames(below.start_us - below.lead_us)
            if (
                other is not None
                and start < last_f
                and first_f < self.frames(below.start_us + below.duration_us + below.tail_us)
            ):
                return False
        return not any(
            item.below <= index
            and self.frames(item.start_us) < last_f
            and first_f < self.frames(item.start_us + item.duration_us)
            for item in self.plan.adjustments
        )

    def alpha(self, index: int, layer: Layer, source: Source, count: int, first_f: int, local: str) -> list[str]:
        """Static alpha, keyframed alpha (sendcmd per frame) and fade motions (fade alpha=1).

        Fade windows come in frames (the plan snapped them inside the layer), so `st` is never negative.
        """
        t = layer.transform
        steps = []
        offset = self.timebase.seconds(self.frames(layer.start_us) - first_f)  # local seconds at the segment start
        if t.animated("alpha"):
            name = f"alpha{index}.cmd"
            expr = f"max(0,min(1,{piecewise(t.keyframes['alpha'], f'(T-{num(offset)})')}))"
            end = num(float((count + 1) / self.fps))
            self.side_files[name] = f"0-{end} [expr] colorchannelmixer@a{index} aa '{expr}';\n"
            steps += [f"sendcmd=f={name}", f"colorchannelmixer@a{index}=aa=1"]
        elif t.alpha < 1.0 and not source.baked_alpha:
            steps.append(f"colorchannelmixer=aa={num(max(0.0, t.alpha))}")
        for motion in layer.motions:
            if motion.kind in ("fade_in", "fade_out"):
                begin = self.frames(layer.start_us + motion.start_us) - first_f
                finish = self.frames(layer.start_us + motion.start_us + motion.duration_us) - first_f
                start, length = self.timebase.seconds(begin), self.timebase.seconds(finish - begin)
                kind = "in" if motion.kind == "fade_in" else "out"
                through = f"color={motion.color}" if motion.color else "alpha=1"  # fade through a colour
                steps.append(f"fade=t={kind}:st={num(start)}:d={num(length)}:{through}")
        return steps

    def centre(self, layer: Layer, var: str) -> transform.Centre:
        """The layer centre on the canvas: W/2 + x·W/2, H/2 − y·H/2 (half-canvas units, +y up), plus slides.

        `var` is the time since the segment start, in seconds, as an expression.
        """
        t = layer.transform
        cw, ch = self.plan.canvas_width, self.plan.canvas_height
        coords = []
        dynamic = False
        for prop, static, axis in (("x", t.x, 0), ("y", t.y, 1)):
            value = piecewise(t.keyframes[prop], var) if t.animated(prop) else num(static)
            dynamic = dynamic or t.animated(prop)
            slides: list[tuple[int, float]] = []
            for motion in layer.motions:
                if motion.kind == "slide":
                    slides.append((motion.start_us, motion.start_value[axis]))
                    slides.append((motion.start_us + motion.duration_us, motion.end_value[axis]))
            if slides:
                value = f"{value}+({piecewise(slides, var)})"
                dynamic = True
            shake = motions.offset_term(layer.motions, axis, var)
            if shake:
                value = f"{value}+({shake})"
                dynamic = True
            coords.append(value)
        if not dynamic:
            return transform.Centre(num(cw / 2 + t.x * cw / 2), num(ch / 2 - t.y * ch / 2), False)
        x = f"{num(cw / 2)}+({coords[0]})*{num(cw / 2)}"
        y = f"{num(ch / 2)}-({coords[1]})*{num(ch / 2)}"
        return transform.Centre(x, y, True)

    # ---- audio -------------------------------------------------------------------------------------

    def audio(self, total: int) -> None:
        """Every clip mixed in this graph (render/graph/audio.py has the chains; chunked renders mix in windows)."""
        duration = float(total / self.fps)
        labels = []
        for j, item in enumerate(self.prepared.audio):
            skip = 0.0
            if item.clip.from_video and item.clip.segment_id in self.video_inputs:
                k, skip = self.video_inputs[item.clip.segment_id]
            else:
                k = self.add_input(audio.clip_input(item))
            self.lines.append(f"[{k}:a:0]{','.join(audio.clip_chain(item, skip))}[a{j}]")
            labels.append(f"a{j}")
        self.lines.append(audio.mix(labels, "aout", duration) if labels else audio.silence("aout", duration))


def build_graph(
    plan: Plan,
    prepared: Prepared,
    chunk: Chunk | None = None,
    *,
    video: bool = True,
    audio: bool = True,
    frame: int | None = None,
    seek_point: SeekPoint | None = None,
) -> Graph:
    """One filter graph: black base, layers bottom to top ([vout]), one audio mix ([aout]).

    With `chunk`, the video of that span only, in its own time (frame 0 = the chunk's first frame). With
    `frame`, only that output frame (at its own timestamp, silent): every layer starts at it, and with
    `seek_point` videos are sought to it.
    """
    shown = dataclasses.replace(plan, layers=prepared.layers_of(plan))
    return _Builder(shown, prepared, chunk, frame, seek_point).build(video, audio and frame is None)
