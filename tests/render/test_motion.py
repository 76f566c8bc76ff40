"""Layer motion keeps one frame size (render/graph/transform.py) and moves smoothly; the graph check refuses the rest.

The catalogue sweep draws every image in/out/group animation and every transition of both apps on a tiny
canvas, each on a layer that also grows by scale keyframes and sits under a blur effect (with a blur
animation on its other slot): the combinations that corrupted ffmpeg's heap when frames changed size.
CI runs a sample of the batches; CAPCUT_MATE_FULL_SWEEP=1 (set by `make fuzz-render`) runs all of them.
"""

from __future__ import annotations

import itertools
import os
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from capcut_mate.drafts import document, editing, effects
from capcut_mate.drafts.apps import APPS, AppName
from capcut_mate.drafts.items import EffectInfo, ImageInfo, KeyframeInfo
from capcut_mate.media.probe import probe
from capcut_mate.render import RenderError
from capcut_mate.render.graph.check import check
from capcut_mate.render.graph.transform import busy_frames
from capcut_mate.render.plan.geometry import max_scale, scale_at
from capcut_mate.render.plan.model import Layer, Motion, Transform
from tests.render.draftkit import Draft, keyframes
from tests.render.helpers import is_color, luma_frames, render, rgb_frames
from tests.render.layer_sizes import layer_frame_sizes, single_pass_graph
from tests.render.random_drafts import names_of

FULL_SWEEP = os.environ.get("CAPCUT_MATE_FULL_SWEEP") == "1"
BATCH = 40  # names per swept draft: one 400 ms photo each
SAMPLED_BATCHES = 1  # per app and role in CI
ROLES = ("in", "out", "loop", "transition")
SEGMENT_US, ANIMATION_US = 400_000, 200_000


# ---- smooth sub-pixel zoom ----------------------------------------------------------------------------


def bars(path: Path) -> Path:
    """320×180 black with two white bars, centred at x = 85 and x = 235 (pixel edges at 80/90, 230/240)."""
    image = Image.new("RGB", (320, 180), (0, 0, 0))
    draw = ImageDraw.Draw(image)
    draw.rectangle([80, 0, 89, 179], fill=(255, 255, 255))
    draw.rectangle([230, 0, 239, 179], fill=(255, 255, 255))
    image.save(path)
    return path


def centroids(row: np.ndarray) -> tuple[float, float]:
    """Sub-pixel centres (pixel-edge coordinates) of the left and right bright bars of one luma row."""
    weight = np.clip(row.astype(float) - 16, 0, None)
    xs = np.arange(len(row)) + 0.5
    half = len(row) // 2
    left = (weight[:half] * xs[:half]).sum() / weight[:half].sum()
    right = (weight[half:] * xs[half:]).sum() / weight[half:].sum()
    return float(left), float(right)


def test_a_slow_zoom_follows_its_curve_within_half_a_pixel(heap_checked: dict[str, str], tmp_path: Path) -> None:
    """Scale keyframes 1.0 -> 1.1 over 2 s (0.5 px of growth a frame): measured from the rendered frames, each
    bar stays within 0.5 px of where the curve puts it, and the error never jumps by a pixel between frames.
    (Per-frame resizing drew integer sizes at even positions: errors up to 1 px, back and forth.)"""
    draft = Draft(width=320, height=180, fps=30.0)
    seg = draft.video(draft.track("video"), bars(tmp_path / "bars.png"), 0, 2_000_000, photo=True)
    ramp = [(0, 1.0), (2_000_000, 1.1)]
    seg["common_keyframes"] = [keyframes("KFTypeScaleX", ramp), keyframes("KFTypeScaleY", ramp)]
    out = tmp_path / "out.mp4"
    render(draft.doc, tmp_path, out, preset="ultrafast", crf=0)
    frames = luma_frames(out)
    assert len(frames) == 60
    errors = []
    for k, frame in enumerate(frames):
        scale = 1.0 + 0.1 * min(1.0, k / 60)  # local time k/30 s on the 2 s ramp
        ideal = (160 + (85 - 160) * scale, 160 + (235 - 160) * scale)
        measured = centroids(frame[90])
        errors.append((measured[0] - ideal[0], measured[1] - ideal[1]))
    worst = max(abs(e) for pair in errors for e in pair)
    assert worst <= 0.5, errors
    jumps = [abs(b[i] - a[i]) for a, b in itertools.pairwise(errors) for i in (0, 1)]
    assert max(jumps) < 0.5, jumps


def test_a_layer_that_stops_zooming_is_drawn_unwarped_from_then_on(
    heap_checked: dict[str, str], tmp_path: Path
) -> None:
    """Scale keyframes 0.8 -> 1.0 over the first 0.5 s of 1.5 s: the warp runs for those 15 frames (and one
    either side) only, and from then on every frame equals the same photo drawn at rest."""
    photo = bars(tmp_path / "bars.png")
    moving, resting = Draft(width=320, height=180, fps=30.0), Draft(width=320, height=180, fps=30.0)
    seg = moving.video(moving.track("video"), photo, 0, 1_500_000, photo=True)
    ramp = [(0, 0.8), (500_000, 1.0)]
    seg["common_keyframes"] = [keyframes("KFTypeScaleX", ramp), keyframes("KFTypeScaleY", ramp)]
    resting.video(resting.track("video"), photo, 0, 1_500_000, photo=True)
    (tmp_path / "graph").mkdir()
    assert ":enable='between(n,0,16)'" in single_pass_graph(moving.doc, tmp_path, tmp_path / "graph").script
    frames = []
    for name, draft in (("moving", moving), ("resting", resting)):
        render(draft.doc, tmp_path, tmp_path / f"{name}.mp4", preset="ultrafast", crf=0)
        frames.append(luma_frames(tmp_path / f"{name}.mp4"))
    differences = [int(np.abs(a.astype(int) - b.astype(int)).max()) for a, b in zip(*frames, strict=True)]
    assert len(differences) == 45
    assert min(differences[:15]) > 16, differences  # zooming: the bars stand elsewhere
    assert max(differences[17:]) <= 1, differences


@given(
    scales=st.lists(st.tuples(st.integers(0, 2_000_000), st.sampled_from([0.5, 0.8, 1.0, 1.0, 1.2])), max_size=5),
    zoom=st.one_of(
        st.none(), st.tuples(st.integers(0, 1_500_000), st.integers(1, 500_000), st.sampled_from([0.6, 1.0]))
    ),
    lead=st.integers(0, 6),
)
def test_the_warp_is_on_for_every_frame_that_is_not_at_rest(
    scales: list[tuple[int, float]], zoom: tuple[int, int, float] | None, lead: int
) -> None:
    """Frame by frame, from the plan's own scale curve: every frame whose scale is not the reference one lies in
    a range the warp runs for (the rest of a 2 s layer may skip it)."""
    motions = [Motion("zoom", zoom[0], zoom[1], (zoom[2], zoom[2]), (1.0, 1.0))] if zoom else []
    points = sorted(scales)
    layer = Layer(
        "s", "t", "photo", 0, 2_000_000, Transform(keyframes={"scale_x": points, "scale_y": points}), motions=motions
    )
    ref = max_scale(layer)
    count = 60 + lead
    busy = busy_frames(layer, ref, 0.0, (Fraction(30), lead, count))
    for k in range(count):
        at_rest = all(abs(scale_at(layer, axis, (k - lead) * 1e6 / 30) - ref[axis]) < 1e-9 for axis in (0, 1))
        assert at_rest or any(a <= k <= b for a, b in busy), (k, busy)


@pytest.mark.parametrize("under", [False, True])
def test_only_a_layer_over_the_black_canvas_warps_without_alpha(
    heap_checked: dict[str, str], media_dir: Path, tmp_path: Path, under: bool
) -> None:
    """A photo shrinking to half size: alone on the canvas its box margin is opaque black (no alpha plane to
    warp or blend), over a red photo the margin stays transparent and the red shows around it."""
    draft = Draft(width=96, height=64, fps=30.0)
    if under:
        draft.video(draft.track("video"), media_dir / "red.png", 0, 1_000_000, photo=True)
    seg = draft.video(draft.track("video"), bars(tmp_path / "bars.png"), 0, 1_000_000, photo=True)
    ramp = [(0, 1.0), (1_000_000, 0.5)]
    seg["common_keyframes"] = [keyframes("KFTypeScaleX", ramp), keyframes("KFTypeScaleY", ramp)]
    (tmp_path / "graph").mkdir()
    script = single_pass_graph(draft.doc, media_dir, tmp_path / "graph").script
    chain = next(line for line in script.split(";\n") if line.endswith(f"[L{int(under)}]"))
    assert ("color=black@0" in chain) is under, chain
    out = tmp_path / "out.mp4"
    render(draft.doc, media_dir, out, preset="ultrafast", crf=0)
    last = rgb_frames(out)[-1]
    assert is_color(last[4, 4], (255, 0, 0) if under else (0, 0, 0)), last[4, 4]
    assert is_color(last[32, 44], (0, 0, 0)), last[32, 44]  # the shrunk photo's dark middle


def test_a_zooming_layer_keeps_one_frame_size(heap_checked: dict[str, str], media_dir: Path, tmp_path: Path) -> None:
    """The crash pattern (found 2 in 16 random drafts): a growing scale, a wipe, a fade and a rotation on one
    layer. Its frames reach the overlay at one size."""
    draft = Draft(width=96, height=64, fps=30.0)
    seg = draft.video(draft.track("video"), media_dir / "red.png", 0, 1_000_000, photo=True)
    seg["common_keyframes"] = [
        keyframes("KFTypeScaleX", [(0, 0.05), (1_000_000, 2.0)]),
        keyframes("KFTypeRotation", [(0, 0.0), (1_000_000, 90.0)]),
    ]
    draft.refer(seg, "material_animations", {"type": "sticker_animation", "animations": [
        {"type": "in", "name": "向右擦开", "start": 0, "duration": 500_000},
        {"type": "out", "name": "渐隐", "start": 700_000, "duration": 300_000}]})  # fmt: skip
    sizes = layer_frame_sizes(draft.doc, media_dir, tmp_path)
    assert list(sizes) == ["L0"] and len(sizes["L0"]) == 1, sizes


# ---- the graph check ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "script",
    [
        "[0:v]scale=w='max(1,iw*abs(1+t))':h='max(1,ih*abs(1+t))':eval=frame:flags=bilinear[L0]",  # the old zoom
        "[0:v]scale=w='iw*(1+n/30)':h=ih[L0]",
        "[0:v]crop=w='iw-t':h=ih[L0]",
        "[0:v]pad=w='iw+2*t':h=ih:x=0:y=0[L0]",
        "[0:v]rotate=a='t':ow='hypot(iw,ih)*(1+t)':oh=ow[L0]",
        "[0:v]zoompan=z=2:s='64x36',scale=w=iw:h=ih:eval=frame[L0]",
    ],
)
def test_the_graph_check_refuses_a_size_that_changes_per_frame(script: str) -> None:
    with pytest.raises(RenderError) as caught:
        check(script, {})
    assert caught.value.code == "FFMPEG_FAILED" and "mid-stream" in caught.value.message
    assert caught.value.debug["filter_graph"] == script


def test_the_graph_check_refuses_a_resize_by_command() -> None:
    with pytest.raises(RenderError):
        check("[0:v]sendcmd=f=s.cmd,scale@z=64:36[L0]", {"s.cmd": "0-1 [expr] scale@z w 'iw*(1+T)';\n"})


@pytest.mark.parametrize(
    "script",
    [
        "[0:v]scale=320:240,crop=iw*0.5:ih*0.5:iw*0.1+t*10:ih*0.1[L0]",  # a crop that moves, at one size
        "[0:v]rotate=a='t*PI':c=black@0:ow='rotw(0.5)':oh='roth(0.5)'[L0]",
        "[0:v]pad=104:72:(ow-iw)/2:(oh-ih)/2:color=black@0,perspective=x0='in':sense=destination:eval=frame[L0]",
        "[a][b]overlay=x='2*floor((t-3)/2)':y='if(lt(t,1),0,1)':eval=frame[v1]",
        "[0:v]scale=w=in_w:h=in_h,eq=brightness='0.1*t':eval=frame[L0]",
    ],
)
def test_the_graph_check_accepts_fixed_sizes(script: str) -> None:
    check(script, {"blur0.cmd": "0-2 [expr] gblur@mb0 sigma 'max(0,T)';\n"})


# ---- catalogue sweep ----------------------------------------------------------------------------------


def sweep_cases() -> list[tuple[AppName, str, int]]:
    """(app, role, batch number) of every batch; CI keeps the first SAMPLED_BATCHES of each app and role."""
    cases = []
    for app in APPS:
        for role in ROLES:
            count = -(-len(_names(app, role)) // BATCH)
            cases += [(app, role, n) for n in range(count if FULL_SWEEP else min(count, SAMPLED_BATCHES))]
    return cases


def _names(app: AppName, role: str) -> list[str]:
    names = names_of(app)
    return names.transitions if role == "transition" else names.image_animations[role]


def _blur(names: list[str]) -> str:
    return next(name for name in names if "模糊" in name or "blur" in name.lower())


def swept_draft(app: AppName, role: str, batch: list[str], photo: editing.LocalMedia) -> dict[str, Any]:
    """One 400 ms photo per name, back to back on a 64×36 canvas; each grows 0.6 -> 1.4 by scale keyframes,
    carries a blur animation on its other slot (not for group animations, which take both), and a blur
    effect covers the whole draft."""
    names = names_of(app)
    doc = document.new_document(64, 36, 30.0, app)
    clip = editing.placement_clip(doc, alpha=1.0, scale_x=1.0, scale_y=1.0, tx=0.0, ty=0.0)
    blur_in, blur_out = _blur(names.image_animations["in"]), _blur(names.image_animations["out"])
    items = []
    for i, name in enumerate(batch):
        fields: dict[str, Any] = {}
        if role == "in":
            fields = {"in_animation": name, "out_animation": blur_out}
        elif role == "out":
            fields = {"out_animation": name, "in_animation": blur_in}
        elif role == "loop":
            fields = {"loop_animation": name, "loop_animation_duration": SEGMENT_US}
        else:
            fields = {"transition": name, "transition_duration": ANIMATION_US, "in_animation": blur_in}
        for slot in ("in", "out"):
            if f"{slot}_animation" in fields:
                fields[f"{slot}_animation_duration"] = ANIMATION_US // 2
        start = i * SEGMENT_US
        items.append(ImageInfo(image_url="x", start=start, end=start + SEGMENT_US, **fields))
    ids = editing.add_images(doc, items, [photo] * len(items), clip=clip).segment_ids
    effects.add_keyframes(
        doc,
        [KeyframeInfo(segment_id=s, property="UNIFORM_SCALE", offset=o, value=v) for s in ids
         for o, v in ((0, 0.6), (SEGMENT_US - 1, 1.4))],
    )  # fmt: skip
    end = len(batch) * SEGMENT_US
    effects.add_effects(doc, [EffectInfo(effect_title=_blur(names.effects), start=0, end=end)])
    document.recompute_duration(doc)
    return doc


@pytest.mark.parametrize(("app", "role", "number"), sweep_cases())
def test_every_catalogue_motion_keeps_each_layer_at_one_size(
    heap_checked: dict[str, str], media_dir: Path, tmp_path: Path, app: AppName, role: str, number: int
) -> None:
    batch = _names(app, role)[number * BATCH : (number + 1) * BATCH]
    photo = editing.LocalMedia(str(media_dir / "red.png"), "red.png", probe(media_dir / "red.png"))
    doc = swept_draft(app, role, batch, photo)
    sizes = layer_frame_sizes(doc, media_dir, tmp_path)
    assert len(sizes) >= len(batch), sorted(sizes)  # every photo drew frames
    changing = {label: seen for label, seen in sizes.items() if len(seen) != 1}
    assert not changing, changing
