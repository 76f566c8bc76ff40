"""A font shipped in the draft folder is used by gen_video renders too (issue 10), not only by the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import numpy as np

from capcut_mate.config import Settings
from tests import servers
from tests.api.helpers import draft_id
from tests.jobs.helpers import V1, caption_ink, ink_fill, poll, post
from tests.render.helpers import rgb_frames

DRAFT_FONT = "NotoSansCJK-Regular.ttc"


def test_gen_video_finds_the_font_in_the_draft_folder(settings: Settings, tmp_path: Path) -> None:
    """No installed fonts and no font folder: only the draft's own font file can draw the caption."""
    isolated = settings.model_copy(update={"font_dir": None, "system_fonts": False})
    installed = next(Path("/usr/share/fonts").rglob(DRAFT_FONT))
    with servers.api_server(isolated) as base_url, httpx.Client(base_url=base_url, timeout=60) as client:
        url = post(client, "create_draft", {"width": 320, "height": 240})["draft_url"]
        captions = json.dumps([{"text": "字体 font", "start": 0, "end": 400_000}])
        post(client, "add_captions", {"draft_url": url, "captions": captions, "font_size": 15})
        folder = isolated.data_dir / "drafts" / draft_id(url)
        (folder / DRAFT_FONT).symlink_to(installed)  # shipped with the draft, named the way the app names it
        content_path = folder / "draft_content.json"
        content = json.loads(content_path.read_text("utf-8"))
        for text in content["materials"]["texts"]:
            text["font_path"] = f"C:/Users/author/AppData/Local/JianyingPro/User Data/Cache/effect/{DRAFT_FONT}"
        content_path.write_text(json.dumps(content, ensure_ascii=False), "utf-8")
        post(client, "gen_video", {"draft_url": url})
        final = poll(client, url)[-1]
        assert final["status"] == "completed", final
        (tmp_path / "out.mp4").write_bytes(client.get(final["video_url"]).content)
        report = client.get(f"{V1}/gen_video_report", params={"draft_url": url}).json()["report"]
    assert not [w for w in report["warnings"] if w["feature"] == "text"], report["warnings"]
    frame = rgb_frames(tmp_path / "out.mp4")[6]
    assert (frame.min(axis=2) > 200).sum() > 100  # white caption ink
    assert np.abs(frame[:40].astype(int)).max() < 40  # and nothing else on the black canvas top


def test_gen_video_draws_captions_in_a_font_added_with_add_font(
    settings: Settings, media_url: str, tmp_path: Path
) -> None:
    """The font added with add_font draws the caption: its glyphs are solid boxes, the default font's are letters."""
    with servers.api_server(settings) as base_url, httpx.Client(base_url=base_url, timeout=60) as client:
        inks = []
        for font in ({}, {"font_url": f"{media_url}/block.ttf"}):
            url = post(client, "create_draft", {"width": 320, "height": 240})["draft_url"]
            captions = json.dumps([{"text": "HXH", "start": 0, "end": 400_000}])
            post(client, "add_captions", {"draft_url": url, "captions": captions, "font_size": 15, **font})
            inks.append(caption_ink(client, url, tmp_path / f"{len(inks)}.mp4"))
            report = client.get(f"{V1}/gen_video_report", params={"draft_url": url}).json()["report"]
            assert not [w for w in report["warnings"] if w["feature"] == "text"], report["warnings"]
    default_fill, block_fill = (ink_fill(ink) for ink in inks)
    assert block_fill > 0.6 > 0.45 > default_fill  # three solid boxes fill their bounding box; "HXH" does not
