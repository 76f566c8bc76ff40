"""The timeline plan: a frozen value between the draft (plan/build.py) and the ffmpeg graph (graph/).

Times are integer microseconds relative to the segment start ("local") unless a name says otherwise.

Frozen stdlib dataclasses, sequences as tuples: the builder is the only writer, and a plan is a value that
can be printed, saved and loaded (`Plan.to_json` / `Plan.from_json`). Loading goes through pydantic's
TypeAdapter, which validates a file written by hand or by another machine against these very classes, so
the JSON schema has no second definition to drift from.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from typing import Literal

from pydantic import TypeAdapter

from capcut_mate.render.plan.colours import ColourOperation
from capcut_mate.render.plan.text import TextBlock

# (local time µs, value) pairs, sorted by time; linear in between, held outside.
Keyframes = tuple[tuple[int, float], ...]

LayerKind = Literal["video", "photo", "text"]


@dataclass(frozen=True)
class RenderWarning:
    """One approximated or skipped draft feature, named by segment so a user can find it in the app."""

    segment_id: str
    track: str
    feature: str
    message: str

    def to_dict(self) -> dict[str, str]:
        return {"segment_id": self.segment_id, "track": self.track, "feature": self.feature, "message": self.message}


@dataclass(frozen=True)
class Transform:
    """Clip settings (§2.3) plus keyframes that override them (property -> keyframes)."""

    x: float = 0.0
    y: float = 0.0
    scale_x: float = 1.0
    scale_y: float = 1.0
    rotation: float = 0.0
    alpha: float = 1.0
    flip_h: bool = False
    flip_v: bool = False
    keyframes: dict[str, Keyframes] = field(default_factory=dict)  # never changed once built

    def animated(self, prop: str) -> bool:
        return len(self.keyframes.get(prop, ())) > 0


@dataclass(frozen=True)
class Crop:
    """Normalised crop window of the source (0..1, origin top-left)."""

    left: float
    top: float
    right: float
    bottom: float


@dataclass(frozen=True)
class Mask:
    """A parametric mask in material space (§5): centre in half-material units, sizes as fractions."""

    shape: Literal["circle", "rectangle", "line", "mirror", "heart", "star"]
    center_x: float
    center_y: float
    width: float
    height: float
    rotation: float
    feather: float
    invert: bool
    round_corner: float


MotionKind = Literal[
    "fade_in", "fade_out", "zoom", "slide", "rotate", "blur", "wipe", "spin", "swing", "pulse", "shake", "blink"
]


@dataclass(frozen=True)
class Motion:
    """An animation or transition reduced to what ffmpeg can do cheaply, over a local window.

    Values by kind: zoom = scale multiplier from -> to; slide = offset in half-canvas units from -> to (dx, dy);
    rotate = clockwise degrees from -> to (x); blur = strength 0..1 from -> to (x); wipe = revealed share
    0..1 from -> to (x) with the edge travelling along `direction` (+y up). Periodic kinds repeat every
    `period_us` with amplitude `start_value`: spin (degrees a period), swing (degrees), pulse (shrink share),
    shake (half-canvas units dx, dy), blink (lowest alpha). Fades with a `color` fade through that colour.
    """

    kind: MotionKind
    start_us: int
    duration_us: int
    start_value: tuple[float, float] = (1.0, 1.0)
    end_value: tuple[float, float] = (1.0, 1.0)
    direction: tuple[float, float] = (0.0, 0.0)
    period_us: int = 0
    color: str = ""


@dataclass(frozen=True)
class Background:
    """Background filling behind a main-track clip (canvases)."""

    kind: Literal["color", "blur"]
    color: str = "#000000"
    blur: float = 0.0


@dataclass(frozen=True)
class Adjustment:
    """A filter- or effect-track item: one colour filter over everything below it during its window.

    `below` is how many plan layers (bottom up) it covers; `colour` is what it does (plan/colours.py).
    """

    segment_id: str
    track: str
    start_us: int
    duration_us: int
    colour: ColourOperation
    below: int = 0


@dataclass(frozen=True)
class Layer:
    """One visual segment, in z-order position. Timeline values are µs; local times start at `start_us`."""

    segment_id: str
    track: str
    kind: LayerKind
    start_us: int
    duration_us: int
    transform: Transform
    material_path: str = ""
    text: TextBlock | None = None
    source_start_us: int = 0
    speed: float = 1.0
    crop: Crop | None = None
    mask: Mask | None = None
    chroma: tuple[str, float] | None = None  # (#rrggbb, similarity)
    background: Background | None = None
    motions: tuple[Motion, ...] = ()
    lead_us: int = 0  # shown this long before `start_us` (transition window), fading in
    tail_us: int = 0  # held this long after the end (transition window)
    reverse: bool = False  # the source range plays backwards
    reverse_path: str = ""  # the app's reversed copy of the whole material (draft path), when it made one


@dataclass(frozen=True)
class AudioClip:
    """One sound on the timeline: an audio segment or the embedded audio of a video segment."""

    segment_id: str
    track: str
    material_path: str
    start_us: int
    duration_us: int
    source_start_us: int
    speed: float = 1.0
    volume: float = 1.0
    volume_keyframes: Keyframes = ()
    fade_in_us: int = 0
    fade_out_us: int = 0
    pitch_follows_speed: bool = False
    from_video: bool = False
    reverse: bool = False
    reverse_path: str = ""
    role: str = ""  # "voice", "music" or "" (the material's capcut_mate_role): voice ducks the rest


@dataclass(frozen=True)
class Chunk:
    """A span [start_us, end_us) of the output that one ffmpeg run renders; boundaries are cut frames.

    The whole video is the chunks back to back; one chunk is a single-pass render.
    """

    start_us: int
    end_us: int


@dataclass(frozen=True)
class Plan:
    """Everything the graph needs, in draft units; `width`/`height` are the (even) output frame size."""

    canvas_width: int
    canvas_height: int
    width: int
    height: int
    fps: float
    duration_us: int
    layers: tuple[Layer, ...]
    audio: tuple[AudioClip, ...]
    warnings: tuple[RenderWarning, ...] = ()
    notes: tuple[str, ...] = ()
    adjustments: tuple[Adjustment, ...] = ()  # bottom to top
    chunks: tuple[Chunk, ...] = ()  # back to back from 0 to duration_us (chunking/cuts.py)

    def to_json(self) -> str:
        """The plan as canonical JSON (keys sorted, no spaces): equal plans give equal bytes, so its hash
        is the plan's fingerprint."""
        data = _adapter().dump_python(self, mode="json")
        return json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"), allow_nan=False)

    @classmethod
    def from_json(cls, text: str | bytes) -> Plan:
        """A plan from `to_json`'s output; pydantic.ValidationError says which field does not fit."""
        return _adapter().validate_json(text)


@cache
def _adapter() -> TypeAdapter[Plan]:
    return TypeAdapter(Plan)
