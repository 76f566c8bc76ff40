"""list_segments: every track and segment of a draft with what it shows, so a workflow can find what to
replace (a material by id or file name, a text by segment id or by its words)."""

from __future__ import annotations

import json
from pathlib import PureWindowsPath
from typing import Any

from capcut_mate.drafts.document import Json

# Bucket -> what its items are, where the item's own `type` does not say it better.
BUCKET_KINDS = {"audios": "audio", "texts": "text", "stickers": "sticker", "video_effects": "effect"}


def materials_by_id(doc: Json) -> dict[str, tuple[str, Json]]:
    """Material id -> (bucket, material), over every bucket of the document."""
    found: dict[str, tuple[str, Json]] = {}
    for bucket, items in (doc.get("materials") or {}).items():
        for item in items if isinstance(items, list) else []:
            if isinstance(item, dict) and isinstance(item.get("id"), str):
                found.setdefault(item["id"], (bucket, item))
    return found


def material_name(material: Json) -> str:
    """The name the app shows (material_name for videos, name for audios), else the file name of its path."""
    name = material.get("material_name") or material.get("name")
    if isinstance(name, str) and name:
        return name
    path = material.get("path")
    return PureWindowsPath(path).name if isinstance(path, str) else ""


def content_object(material: Json) -> Json | None:
    """A text material's `content` as the JSON object it holds (text and styles), or None when it is not one."""
    raw = material.get("content")
    if isinstance(raw, dict):
        return raw
    try:
        content = json.loads(raw) if isinstance(raw, str) else None
    except json.JSONDecodeError:
        return None
    return content if isinstance(content, dict) else None


def text_content(material: Json) -> tuple[str, list[Json], bool]:
    """(text, styles, whether `content` is JSON) of a text material; content that is not JSON is plain text,
    as the renderer reads it."""
    content = content_object(material)
    if content is None:
        raw = material.get("content")
        return (raw if isinstance(raw, str) else ""), [], False
    styles = [style for style in content.get("styles") or [] if isinstance(style, dict)]
    return str(content.get("text") or ""), styles, True


def number(value: Any, default: float) -> float:
    """A number of an imported document, or `default` where the app's JSON holds null or something else."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else default


def _kind(bucket: str, material: Json) -> str:
    if bucket == "videos":
        return "photo" if material.get("type") == "photo" else "video"
    return BUCKET_KINDS.get(bucket) or str(material.get("type") or bucket)


def _segment(segment: Json, materials: dict[str, tuple[str, Json]]) -> Json:
    target = segment["target_timerange"]
    source = segment.get("source_timerange") if isinstance(segment.get("source_timerange"), dict) else None
    bucket, material = materials.get(segment["material_id"], ("", {}))
    path = material.get("path")
    return {
        "id": segment["id"],
        "start": target["start"],
        "duration": target["duration"],
        "end": target["start"] + target["duration"],
        "material_id": segment["material_id"],
        "kind": _kind(bucket, material) if bucket else None,
        "material_name": material_name(material) if bucket and bucket != "texts" else None,
        "path": path if isinstance(path, str) and path else None,
        "text": text_content(material)[0] if bucket == "texts" else None,
        "source_start": int(number(source.get("start"), 0)) if source else None,
        "source_duration": int(number(source.get("duration"), 0)) if source else None,
        "speed": number(segment.get("speed"), 1.0) or 1.0,
        "volume": number(segment.get("volume"), 1.0),
        "visible": segment.get("visible") is not False,
        "render_index": int(number(segment.get("render_index"), 0)),
    }


def list_segments(doc: Json) -> Json:
    """The draft's canvas, length and tracks, each with its segments in timeline order."""
    materials = materials_by_id(doc)
    canvas = doc["canvas_config"]
    tracks = [
        {
            "id": str(track.get("id") or ""),
            "type": track["type"],
            "name": str(track.get("name") or ""),
            "index": index,
            "attribute": int(number(track.get("attribute"), 0)),
            "segments": [
                _segment(segment, materials)
                for segment in sorted(track["segments"], key=lambda seg: seg["target_timerange"]["start"])
            ],
        }
        for index, track in enumerate(doc["tracks"])
    ]
    return {
        "width": canvas["width"],
        "height": canvas["height"],
        "fps": number(doc.get("fps"), 30.0),
        "duration": int(number(doc.get("duration"), 0)),
        "tracks": tracks,
    }
