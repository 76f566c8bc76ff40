"""A tiny test-only writer of draft_content.json dicts, shaped like pyJianYingDraft/app output."""

from __future__ import annotations

import itertools
import json
from pathlib import Path, PureWindowsPath
from typing import Any

_ids = itertools.count(1)


def new_id(prefix: str = "id") -> str:
    return f"{prefix}{next(_ids):06d}"


def keyframes(prop: str, points: list[tuple[int, float]], curve: str = "Line") -> dict[str, Any]:
    """One common_keyframes group (µs offsets from the segment start)."""
    return {
        "id": new_id("kf"),
        "material_id": "",
        "property_type": prop,
        "keyframe_list": [
            {"id": new_id("k"), "time_offset": t, "values": [v], "curveType": curve, "graphID": ""} for t, v in points
        ],
    }


class Draft:
    """Builds a draft dict; every add_* returns the segment so a test can tweak any field."""

    def __init__(self, width: int = 320, height: int = 240, fps: float = 30.0) -> None:
        self.doc: dict[str, Any] = {
            "canvas_config": {"width": width, "height": height, "ratio": "original"},
            "fps": fps,
            "duration": 0,
            "config": {"maintrack_adsorb": False},
            "materials": {"videos": [], "audios": [], "texts": []},
            "tracks": [],
        }

    def material(self, bucket: str, item: dict[str, Any]) -> str:
        item.setdefault("id", new_id(bucket[:2]))
        self.doc["materials"].setdefault(bucket, []).append(item)
        return item["id"]

    def track(self, kind: str, name: str = "", mute: bool = False) -> dict[str, Any]:
        track = {"id": new_id("t"), "type": kind, "name": name, "attribute": int(mute), "flag": 0, "segments": []}
        self.doc["tracks"].append(track)
        return track

    def _segment(self, track: dict[str, Any], material_id: str, start: int, duration: int, **fields: Any) -> dict:
        seg = {
            "id": new_id("seg"),
            "material_id": material_id,
            "target_timerange": {"start": start, "duration": duration},
            "source_timerange": None,
            "speed": 1.0,
            "volume": 1.0,
            "visible": True,
            "extra_material_refs": [],
            "common_keyframes": [],
            "clip": {
                "alpha": 1.0,
                "flip": {"horizontal": False, "vertical": False},
                "rotation": 0.0,
                "scale": {"x": 1.0, "y": 1.0},
                "transform": {"x": 0.0, "y": 0.0},
            },
            "uniform_scale": {"on": True, "value": 1.0},
            "render_index": len(self.doc["tracks"]) - 1,
        }
        seg.update(fields)
        track["segments"].append(seg)
        return seg

    def video(
        self,
        track: dict[str, Any],
        path: Path | str,
        start: int,
        duration: int,
        *,
        source_start: int = 0,
        speed: float = 1.0,
        photo: bool = False,
        size: tuple[int, int] = (320, 240),
        **fields: Any,
    ) -> dict[str, Any]:
        material = self.material(
            "videos",
            {
                "path": str(path),
                "type": "photo" if photo else "video",
                "width": size[0],
                "height": size[1],
                "duration": 10_800_000_000 if photo else 2_000_000,
                "material_name": PureWindowsPath(str(path)).name,  # either separator
            },
        )
        source = {"start": source_start, "duration": round(duration * speed)}
        return self._segment(track, material, start, duration, source_timerange=source, speed=speed, **fields)

    def audio(
        self,
        track: dict[str, Any],
        path: Path | str,
        start: int,
        duration: int,
        *,
        source_start: int = 0,
        fade_in: int = 0,
        fade_out: int = 0,
        role: str = "",
        **fields: Any,
    ) -> dict[str, Any]:
        item = {"path": str(path), "type": "extract_music", "duration": 3_000_000}
        material = self.material("audios", item | ({"capcut_mate_role": role} if role else {}))
        source = {"start": source_start, "duration": duration}
        seg = self._segment(track, material, start, duration, source_timerange=source, clip=None, **fields)
        if fade_in or fade_out:
            self.refer(seg, "audio_fades", {"type": "audio_fade", "fade_in_duration": fade_in,
                                             "fade_out_duration": fade_out, "fade_type": 0})  # fmt: skip
        return seg

    def text(self, track: dict[str, Any], text: str, start: int, duration: int, **fields: Any) -> dict[str, Any]:
        content = {"text": text, "styles": [{"range": [0, len(text)], "size": 8.0,
                   "fill": {"content": {"solid": {"color": [1.0, 1.0, 1.0]}}}}]}  # fmt: skip
        material = self.material("texts", {"type": "text", "content": json.dumps(content), "alignment": 1})
        return self._segment(track, material, start, duration, **fields)

    def refer(self, segment: dict[str, Any], bucket: str, item: dict[str, Any]) -> str:
        """Add a material to `bucket` and reference it from the segment's extra_material_refs."""
        ref = self.material(bucket, item)
        segment["extra_material_refs"].append(ref)
        return ref

    def save(self, folder: Path, name: str = "draft_content.json") -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(json.dumps(self.doc, ensure_ascii=False), encoding="utf-8")
        return folder
