"""Static captions of one text track -> one sparse image stream, so a track costs one input and one overlay.

Subtitle tracks hold dozens to hundreds of short captions; as separate looped inputs each one costs a
demuxer, a decoder and an overlay that every frame passes through. Here each caption is pasted into a
transparent box (the union of the track's caption boxes on the canvas) and saved as one image; the
graph lists the images in an ffconcat file (each for its caption's frames, a blank box in the gaps) and
overlays the box once, enabled over the run's span. Times live in that file, not in filter arguments, so no
expression grows with the number of captions (500 word-by-word captions would not fit in one `enable`).
Positions use ffmpeg's own overlay rounding, so pixels are unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from capcut_mate.render.plan.model import Layer

# A strip box larger than this share of the canvas (captions far apart) blends more than it saves.
MAX_BOX_SHARE = 0.25
# Transparent pixels around every caption in its box (even, so overlay rounding is unchanged): the box's
# RGBA -> YUVA conversion then sees the same neighbours whatever the other captions are, so a chunk showing
# some of a run's captions draws them exactly as the whole run does.
MARGIN = 4


@dataclass(frozen=True)
class Strip:
    """Layers `indices` (consecutive in z-order, time order): `images[i]` shows layer `indices[i]` at `origin`.

    `blank` is a transparent box of the same size, shown between captions.
    """

    indices: list[int]
    images: list[Path]
    blank: Path
    origin: tuple[int, int]


def overlay_xy(layer: Layer, size: tuple[int, int], canvas: tuple[int, int]) -> tuple[int, int]:
    """Top-left pixel of a static layer the way ffmpeg's overlay places it on yuv420p (truncate, even)."""
    cw, ch = canvas
    x = cw / 2 + layer.transform.x * cw / 2 - size[0] / 2
    y = ch / 2 - layer.transform.y * ch / 2 - size[1] / 2
    return int(x) & ~1, int(y) & ~1


def is_static_text(layer: Layer) -> bool:
    """Text whose prepared image is shown unchanged at a fixed place for its whole segment.

    Depends on the plan alone (prepare bakes any static rotation into the image), so every chunk agrees.
    """
    t = layer.transform
    return (
        layer.kind == "text"
        and not t.keyframes
        and not layer.motions
        and layer.lead_us == layer.tail_us == 0
        and layer.chroma is None
        and layer.background is None
    )


def groups(layers: Sequence[Layer], static: Sequence[bool]) -> list[list[int]]:
    """Runs of 2+ consecutive static text layers of one track that do not overlap in time."""
    runs: list[list[int]] = []
    run: list[int] = []
    for index, layer in enumerate(layers):
        prev = layers[run[-1]] if run else None
        if (
            prev is not None
            and static[index]
            and layer.track == prev.track
            and layer.start_us >= prev.start_us + prev.duration_us
        ):
            run.append(index)
            continue
        if len(run) > 1:
            runs.append(run)
        run = [index] if static[index] else []
    if len(run) > 1:
        runs.append(run)
    return runs


def write_strip(
    number: int,
    indices: list[int],
    layers: Sequence[Layer],
    images: Sequence[Path],
    canvas: tuple[int, int],
    folder: Path,
) -> Strip | None:
    """Paste each caption into the union box and save the sequence; None when the box is too large."""
    places = []
    for index in indices:
        with Image.open(images[index]) as opened:
            image = opened.convert("RGBA")
        places.append((image, overlay_xy(layers[index], image.size, canvas)))
    x0 = min(x for _, (x, _) in places) - MARGIN
    y0 = min(y for _, (_, y) in places) - MARGIN
    x1 = max(x + image.width for image, (x, _) in places) + MARGIN
    y1 = max(y + image.height for image, (_, y) in places) + MARGIN
    width, height = 2 * math.ceil((x1 - x0) / 2), 2 * math.ceil((y1 - y0) / 2)
    if width * height > MAX_BOX_SHARE * canvas[0] * canvas[1]:
        return None
    paths = []
    for n, (image, (x, y)) in enumerate(places):
        box = Image.new("RGBA", (width, height), (0, 0, 0, 0))
        box.paste(image, (x - x0, y - y0))
        paths.append(folder / f"strip{number}_{n:05d}.png")
        box.save(paths[-1], compress_level=1)  # mostly transparent: tiny and fast
    blank = folder / f"strip{number}_blank.png"
    Image.new("RGBA", (width, height), (0, 0, 0, 0)).save(blank, compress_level=1)
    return Strip(indices, paths, blank, (x0, y0))
