"""The draft_content.json document: builders for its tracks, segments and materials.

Shapes follow what pyJianYingDraft 0.3.1 writes (see shared/spec/DRAFT_FORMAT.md), so the app and that
library can both open what we write. The empty document itself is the template of the draft's app's package
(pyJianYingDraft for JianYing, pyCapCut for CapCut: `drafts.apps`), which also marks the document's app.
All times are integer microseconds.
"""

from __future__ import annotations

import copy
import json
import time
from functools import lru_cache
from typing import Any

from capcut_mate.drafts.apps import DEFAULT_APP, AppName, library
from capcut_mate.drafts.ids import new_uuid

Json = dict[str, Any]  # an object of the draft JSON: loosely structured, its keys vary by app version

PHOTO_DURATION_US = 10_800_000_000  # the app's dummy 3 h length for stills
ROLE_KEY = "capcut_mate_role"
"""An audio material's role, "voice" (narration, speech) or "music", for the renderer's ducking. A key of our
own: the app has no field that says it (it keeps unknown keys out of its own UI)."""
AUDIO_ROLES = ("voice", "music")


@lru_cache(maxsize=4)
def _template(app: AppName) -> Json:
    path = library(app).assets.get_asset_path("DRAFT_CONTENT_TEMPLATE")
    template: Json = json.loads(path.read_text(encoding="utf-8"))
    return template


@lru_cache(maxsize=4)
def meta_template(app: AppName = DEFAULT_APP) -> Json:
    path = library(app).assets.get_asset_path("DRAFT_META_TEMPLATE")
    template: Json = json.loads(path.read_text(encoding="utf-8"))
    return template


def new_document(width: int, height: int, fps: float = 30.0, app: AppName = DEFAULT_APP) -> Json:
    doc = copy.deepcopy(_template(app))
    doc["id"] = new_uuid().upper()
    doc["canvas_config"] = {"width": width, "height": height, "ratio": "original"}
    doc["fps"] = fps
    doc["duration"] = 0
    now = int(time.time())
    doc["create_time"] = now
    doc["update_time"] = now
    return doc


def add_track(doc: Json, kind: str, *, mute: bool = False) -> Json:
    """Append a track on top of every existing one (later calls are drawn above earlier ones)."""
    same_kind = sum(1 for track in doc["tracks"] if track["type"] == kind)
    track = {
        "attribute": int(mute),
        "flag": 0,
        "id": new_uuid(),
        "is_default_name": False,
        "name": f"{kind}_{same_kind + 1}",
        "segments": [],
        "type": kind,
    }
    doc["tracks"].append(track)
    return track


def add_material(doc: Json, bucket: str, material: Json) -> str:
    doc["materials"].setdefault(bucket, []).append(material)
    material_id: str = material["id"]
    return material_id


def find_segment(doc: Json, segment_id: str) -> tuple[Json, Json] | None:
    """(track, segment) holding `segment_id`, or None."""
    for track in doc["tracks"]:
        for segment in track["segments"]:
            if segment["id"] == segment_id:
                return track, segment
    return None


def recompute_duration(doc: Json) -> int:
    """Total length = the latest end of any visible segment."""
    ends: list[int] = [
        seg["target_timerange"]["start"] + seg["target_timerange"]["duration"]
        for track in doc["tracks"]
        for seg in track["segments"]
        if seg.get("visible", True)
    ]
    duration = max(ends, default=0)
    doc["duration"] = duration
    doc["update_time"] = int(time.time())
    return duration


def clip_settings(
    *, alpha: float = 1.0, scale_x: float = 1.0, scale_y: float = 1.0, x: float = 0.0, y: float = 0.0
) -> Json:
    """Clip transform; x/y in half-canvas units with +y up."""
    return {
        "alpha": alpha,
        "flip": {"horizontal": False, "vertical": False},
        "rotation": 0.0,
        "scale": {"x": scale_x, "y": scale_y},
        "transform": {"x": x, "y": y},
    }


def segment(
    material_id: str,
    *,
    target: tuple[int, int],
    source: tuple[int, int] | None,
    render_index: int,
    speed: float = 1.0,
    volume: float = 1.0,
    clip: Json | None = None,
    extra_refs: list[str] | None = None,
) -> Json:
    """One segment. `target`/`source` are (start, duration) in µs; visual segments carry a clip."""
    return {
        "enable_adjust": True,
        "enable_color_correct_adjust": False,
        "enable_color_curves": True,
        "enable_color_match_adjust": False,
        "enable_color_wheels": True,
        "enable_lut": True,
        "enable_smart_color_adjust": False,
        "last_nonzero_volume": 1.0,
        "reverse": False,
        "track_attribute": 0,
        "track_render_index": 0,
        "visible": True,
        "id": new_uuid(),
        "material_id": material_id,
        "target_timerange": {"start": target[0], "duration": target[1]},
        "common_keyframes": [],
        "keyframe_refs": [],
        "source_timerange": None if source is None else {"start": source[0], "duration": source[1]},
        "speed": speed,
        "volume": volume,
        "extra_material_refs": list(extra_refs or []),
        "is_tone_modify": False,
        "clip": clip,
        "uniform_scale": None if clip is None else {"on": True, "value": 1.0},
        "hdr_settings": None if clip is None else {"intensity": 1.0, "mode": 1, "nits": 1000},
        "render_index": render_index,
    }


def video_material(path: str, name: str, *, kind: str, width: int, height: int, duration: int) -> Json:
    """A `materials.videos` item; `kind` is "video" or "photo"."""
    material_id = new_uuid()
    return {
        "audio_fade": None,
        "category_id": "",
        "category_name": "local",
        "check_flag": 63487,
        "crop": {
            "upper_left_x": 0.0,
            "upper_left_y": 0.0,
            "upper_right_x": 1.0,
            "upper_right_y": 0.0,
            "lower_left_x": 0.0,
            "lower_left_y": 1.0,
            "lower_right_x": 1.0,
            "lower_right_y": 1.0,
        },
        "crop_ratio": "free",
        "crop_scale": 1.0,
        "duration": PHOTO_DURATION_US if kind == "photo" else duration,
        "height": height,
        "id": material_id,
        "local_material_id": "",
        "material_id": material_id,
        "material_name": name,
        "media_path": "",
        "path": path,
        "type": kind,
        "width": width,
    }


def audio_material(path: str, name: str, *, duration: int, role: str | None = None) -> Json:
    material_id = new_uuid()
    material: Json = {
        "app_id": 0,
        "category_id": "",
        "category_name": "local",
        "check_flag": 3,
        "copyright_limit_type": "none",
        "duration": duration,
        "effect_id": "",
        "formula_id": "",
        "id": material_id,
        "local_material_id": material_id,
        "music_id": material_id,
        "name": name,
        "path": path,
        "source_platform": 0,
        "type": "extract_music",
        "wave_points": [],
    }
    if role is not None:
        material[ROLE_KEY] = role
    return material


def speed_material(speed: float) -> Json:
    return {"curve_speed": None, "id": new_uuid(), "mode": 0, "speed": speed, "type": "speed"}


def text_material(
    content: Json,
    *,
    alignment: int,
    typesetting: int,
    letter_spacing: float,
    line_spacing: float,
    global_alpha: float,
    has_border: bool,
    has_shadow: bool,
) -> Json:
    """A `materials.texts` item; `content` is {"text", "styles"} and is stored as a JSON string."""
    check_flag = 7 | (8 if has_border else 0) | (32 if has_shadow else 0)
    return {
        "id": new_uuid(),
        "content": json.dumps(content, ensure_ascii=False),
        "typesetting": typesetting,
        "alignment": alignment,
        "letter_spacing": letter_spacing,
        "line_spacing": line_spacing,
        "line_feed": 1,
        "line_max_width": 0.82,
        "force_apply_line_max_width": False,
        "check_flag": check_flag,
        "type": "subtitle",
        "global_alpha": global_alpha,
    }


def segment_info(seg: Json) -> Json:
    """`{id, start, end}` of a written segment, µs on the timeline: what add_* answers describe."""
    start, duration = seg["target_timerange"]["start"], seg["target_timerange"]["duration"]
    return {"id": seg["id"], "start": start, "end": start + duration}
