"""add_font and add_captions' font_url over HTTP: the font is checked, stored with the draft by its content, named
by its family, and written into captions the way the app writes a local font; bad files are 422s that leave the
draft as it was."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capcut_mate.config import Settings
from capcut_mate.drafts.store import DRAFT_PLACEHOLDER
from capcut_mate.errors import ApiError
from capcut_mate.media.font_file import inspect_font
from tests import mediagen, servers
from tests.api.helpers import captions, content_of, create_draft, draft_id, post_error, post_ok


def folder_bytes(data_dir: Path, url: str) -> dict[str, bytes]:
    folder = data_dir / "drafts" / draft_id(url)
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def caption_fonts(data_dir: Path, url: str) -> list[dict]:
    texts = content_of(data_dir, url)["materials"]["texts"]
    return [style.get("font") for text in texts for style in json.loads(text["content"])["styles"]]


def test_add_font_stores_the_file_and_captions_use_it_by_family(
    api: httpx.Client, media_url: str, media_dir: Path, settings: Settings
) -> None:
    url = create_draft(api)
    added = post_ok(api, "add_font", {"draft_url": url, "font_url": f"{media_url}/block.ttf"})
    assert added["font"] == mediagen.BLOCK_FONT_FAMILY and added["font_style"] == "Regular"
    relative = f"assets/fonts/{added['font_id']}.ttf"
    assert added["font_path"] == f"{DRAFT_PLACEHOLDER}/{relative}"
    stored = settings.data_dir / "drafts" / draft_id(url) / relative
    assert stored.read_bytes() == (media_dir / "block.ttf").read_bytes()
    # Added again: the same file, stored once.
    again = post_ok(api, "add_font", {"draft_url": url, "font_url": f"{media_url}/block.ttf"})
    assert again["font_id"] == added["font_id"]
    assert len(list(stored.parent.glob("*.ttf"))) == 1
    assert json.loads(stored.with_suffix(".json").read_text("utf-8"))["family"] == mediagen.BLOCK_FONT_FAMILY

    post_ok(api, "add_captions", {"draft_url": url, "captions": captions("ABC"), "font": "mate block test"})
    assert caption_fonts(settings.data_dir, url) == [{"id": "", "path": added["font_path"]}]
    # keyword_font may name it too; the base font stays the app's default.
    items = json.dumps(
        [{"text": "AB CD", "start": 0, "end": 1_000_000, "keyword": "CD", "keyword_font": added["font_id"]}]
    )
    post_ok(api, "add_captions", {"draft_url": url, "captions": items})
    assert caption_fonts(settings.data_dir, url)[1:] == [None, {"id": "", "path": added["font_path"]}]


def test_font_url_on_add_captions_adds_and_uses_the_font(api: httpx.Client, media_url: str, settings: Settings) -> None:
    url = create_draft(api)
    post_ok(api, "add_captions", {"draft_url": url, "captions": captions("Hi"), "font_url": f"{media_url}/block.ttf"})
    (font,) = caption_fonts(settings.data_dir, url)
    assert font["id"] == "" and font["path"].startswith(f"{DRAFT_PLACEHOLDER}/assets/fonts/")
    assert (settings.data_dir / "drafts" / draft_id(url) / font["path"].split("/", 1)[1]).is_file()
    post_error(api, "add_captions", {"draft_url": url, "captions": captions("Hi"), "font": "x",
                                     "font_url": f"{media_url}/block.ttf"}, 400, "VALIDATION_ERROR")  # fmt: skip


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"<html>not a font</html>", "not a TTF, OTF or TTC"),
        (b"wOF2" + b"\0" * 200, "WOFF2 web font"),
        (b"OTTO" + b"\0" * 8, "maps no characters"),
    ],
)
def test_a_file_that_is_no_usable_font_is_a_422_and_nothing_changes(
    api: httpx.Client, settings: Settings, tmp_path: Path, content: bytes, needle: str
) -> None:
    url = create_draft(api)
    before = folder_bytes(settings.data_dir, url)
    (tmp_path / "bad.ttf").write_bytes(content)
    with servers.media_server(tmp_path) as base:
        details = post_error(
            api, "add_font", {"draft_url": url, "font_url": f"{base}/bad.ttf"}, 422, "UNSUPPORTED_FONT"
        )
        assert needle in details
        body = {"draft_url": url, "captions": captions("Hi"), "font_url": f"{base}/bad.ttf"}
        post_error(api, "add_captions", body, 422, "UNSUPPORTED_FONT")
    assert folder_bytes(settings.data_dir, url) == before


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cut=st.floats(min_value=0.0, max_value=0.999))
def test_a_font_cut_short_anywhere_is_refused(cut: float, tmp_path: Path) -> None:
    """A download cut short at any byte is UNSUPPORTED_FONT, never a font stored to fail in a render."""
    data = mediagen.block_font(tmp_path / "whole.ttf").read_bytes()
    with pytest.raises(ApiError) as raised:
        inspect_font(data[: int(len(data) * cut)], "cut.ttf")
    assert raised.value.code == "UNSUPPORTED_FONT"


def test_unknown_font_name_lists_the_added_fonts(api: httpx.Client, media_url: str) -> None:
    url = create_draft(api)
    post_ok(api, "add_font", {"draft_url": url, "font_url": f"{media_url}/block.ttf"})
    answer = post_ok(api, "add_captions", {"draft_url": url, "captions": captions("Hi"), "font": "No Such Font 123"})
    (warning,) = answer["warnings"]
    assert warning["field"] == "font" and mediagen.BLOCK_FONT_FAMILY in warning["message"]
