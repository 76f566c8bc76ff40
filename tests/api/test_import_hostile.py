"""import_draft against hostile zips: pages and SVGs dressed as media are not kept (they would be served from
our own origin), bombs under the total cap are stopped before they write, and no generated zip makes it
write outside its folder, keep non-media or answer 5xx."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import struct
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from capcut_mate.config import Settings
from capcut_mate.drafts.importing import RATIO_FLOOR_BYTES, DraftZip, ZipLimits
from capcut_mate.errors import ApiError
from capcut_mate.media.probe import probe
from tests import servers, volumes
from tests.api.helpers import V1, draft_id, zip_bytes
from tests.render.draftkit import Draft

SEC = 1_000_000
PAGE = b"<!doctype html><html><body><script>fetch('/console').then(r=>r.text()).then(alert)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(document.domain)"><rect width="9" height="9"/></svg>'


def upload(client: httpx.Client, data: bytes) -> httpx.Response:
    return client.post(f"{V1}/import_draft", files={"file": ("draft.zip", data, "application/zip")})


def xss_draft() -> Draft:
    """A draft whose materials name a page, an SVG and a page named .mp3, beside a real photo."""
    draft = Draft()
    video = draft.track("video")
    draft.video(video, "C:/Users/me/page.html", 0, SEC)
    draft.video(video, "C:/Users/me/logo.svg", SEC, SEC, photo=True)
    draft.video(video, "C:/Users/me/red.png", 2 * SEC, SEC, photo=True)
    draft.audio(draft.track("audio"), "C:/Users/me/song.mp3", 0, 3 * SEC)
    return draft


def test_an_xss_zip_keeps_only_the_media(api: httpx.Client, settings: Settings, media_dir: Path) -> None:
    draft = xss_draft()
    data = zip_bytes({
        "d/draft_content.json": json.dumps(draft.doc).encode(),
        "d/page.html": PAGE,
        "d/logo.svg": SVG,
        "d/song.mp3": PAGE,
        "d/red.png": media_dir / "red.png",
        "d/index.html": PAGE,
    })  # fmt: skip
    response = upload(api, data)
    assert response.status_code == 200, response.text
    body = response.json()
    assert len(body["stored_files"]) == 1 and body["stored_files"][0].startswith("assets/images/")
    assert sorted(m["path"] for m in body["missing_materials"]) == [
        "C:/Users/me/logo.svg",
        "C:/Users/me/page.html",
        "C:/Users/me/song.mp3",
    ]
    skipped = {item["file"]: item["reason"] for item in body["skipped_files"]}
    assert set(skipped) == {"d/page.html", "d/logo.svg", "d/song.mp3", "d/index.html"}
    assert skipped["d/index.html"] == "not used by the draft"
    for name in ("d/page.html", "d/logo.svg", "d/song.mp3"):  # the probe's own reason, naming the entry
        assert name in skipped[name] and "not used" not in skipped[name], skipped

    folder = settings.data_dir / "drafts" / draft_id(body["draft_url"])
    kept = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert [name for name in kept if not name.endswith(".json")] == body["stored_files"]
    for path in folder.rglob("*"):
        if path.is_file():
            content = path.read_bytes()
            assert b"<script" not in content and b"<svg" not in content, path
    assert probe(folder / body["stored_files"][0]).kind == "photo"

    listing = api.get(f"{V1}/get_draft", params={"draft_id": draft_id(body["draft_url"])}).json()
    for url in [*listing["files"], listing["zip_url"]]:
        served = api.get(httpx.URL(url).raw_path.decode())
        assert served.status_code == 200, url
        kind = served.headers["content-type"]
        assert "html" not in kind and "svg" not in kind and "xml" not in kind, (url, kind)
        assert served.headers["x-content-type-options"] == "nosniff"
        assert served.headers["content-disposition"].startswith("attachment"), url


def bomb_zip(path: Path, unpacked: int, doc: dict[str, Any]) -> Path:
    """A draft whose one video is `unpacked` bytes of zeros, streamed into the zip (~1000:1): small on disk."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("draft_content.json", json.dumps(doc))
        with archive.open("clip.mp4", "w", force_zip64=True) as entry:
            block = bytes(1 << 20)
            for _ in range(unpacked >> 20):
                entry.write(block)
    return path


def bomb_doc() -> dict[str, Any]:
    draft = Draft()
    draft.video(draft.track("video"), "C:/Users/me/clip.mp4", 0, SEC)
    return draft.doc


@pytest.fixture
def small_volume(tmp_path: Path) -> Iterator[Path]:
    """A 64 MB tmpfs: a data directory where writing a bomb's hundreds of MB would fail with ENOSPC."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small tmpfs needs root")
    with volumes.tmpfs(tmp_path / "volume", size_mb=64) as mount_point:
        yield mount_point


def used_bytes(folder: Path) -> int:
    stat_ = os.statvfs(folder)
    return (stat_.f_blocks - stat_.f_bfree) * stat_.f_frsize


def test_a_bomb_under_the_total_cap_is_stopped_before_it_writes(small_volume: Path, tmp_path: Path) -> None:
    """300 MB of zeros in a ~300 KB zip, well under the 2 GB total cap: the old code wrote all of it (here:
    ENOSPC on the 64 MB volume, a 500). Now it is a 413 naming the ratio setting, and the volume is as
    before, so at no point were more than 64 MB written."""
    archive = bomb_zip(tmp_path / "bomb.zip", 300 << 20, bomb_doc())
    assert archive.stat().st_size < 1 << 20
    settings = Settings(data_dir=small_volume / "data", allow_private_urls=True)
    with servers.in_process(settings) as client:
        before = used_bytes(small_volume)
        response = upload(client, archive.read_bytes())
        assert response.status_code == 413, response.text
        error = response.json()["error"]
        assert error["code"] == "ZIP_TOO_LARGE" and "CAPCUT_MATE_MAX_IMPORT_RATIO" in error["details"], error
        assert "clip.mp4" in error["details"]
        assert used_bytes(small_volume) <= before
        assert not any(settings.tmp_dir.iterdir()) and not any(settings.drafts_dir.iterdir())


def forge_compressed_size(data: bytes, name: bytes, size: int) -> bytes:
    """Make the zip claim `size` compressed bytes for entry `name`, in its local and central headers: a liar
    whose header ratio looks harmless."""
    out = bytearray(data)
    local = out.index(b"PK\x03\x04")
    while out[local + 30 : local + 30 + len(name)] != name:
        local = out.index(b"PK\x03\x04", local + 4)
    struct.pack_into("<I", out, local + 18, size)
    central = out.index(b"PK\x01\x02")
    while out[central + 46 : central + 46 + len(name)] != name:
        central = out.index(b"PK\x01\x02", central + 4)
    struct.pack_into("<I", out, central + 20, size)
    return bytes(out)


def test_a_forged_compressed_size_does_not_raise_the_ratio_cap(tmp_path: Path) -> None:
    """The entry's compressed bytes are measured by where the next entry begins, not by its header: an entry
    claiming 1 MB compressed for 20 MB unpacked (20:1 on paper, 1000:1 in fact) is refused, and its partial
    file is gone."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("clip.mp4", bytes(20 << 20))
        archive.writestr("draft_content.json", json.dumps(bomb_doc()))
    forged = forge_compressed_size(buffer.getvalue(), b"clip.mp4", 1 << 20)
    draft_zip = DraftZip(io.BytesIO(forged), ZipLimits(2 << 30, 100, max_ratio=100))
    dest = tmp_path / "clip.mp4"
    with pytest.raises(ApiError) as caught:
        draft_zip.extract("clip.mp4", dest)
    assert caught.value.code == "ZIP_TOO_LARGE" and "100:1" in caught.value.details
    assert not dest.exists()


def test_a_small_repetitive_json_passes_the_ratio_cap() -> None:
    """Under the floor any ratio is fine: a draft's JSON of repeated segments compresses far past 100:1."""
    doc = bomb_doc()
    doc["padding"] = "a" * (RATIO_FLOOR_BYTES - 4096)
    data = zip_bytes({"draft_content.json": json.dumps(doc).encode()})
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("draft_content.json")
    assert info.file_size / info.compress_size > 100
    draft_zip = DraftZip(io.BytesIO(data), ZipLimits(2 << 30, 100, max_ratio=100))
    assert json.loads(draft_zip.read("draft_content.json"))["padding"] == doc["padding"]


# -- generated hostile zips ------------------------------------------------------------------------------

UNSAFE_NAMES = st.sampled_from(["../up.mp4", "/abs.mp4", "C:/win.mp4", "a/../../x.mp4", "a\\..\\..\\y.mp4"])
PLAIN_NAMES = st.one_of(
    st.lists(st.sampled_from(["a", "b", ".", "media", "页面", "x.mp4", "x.html", "x.png"]), min_size=1, max_size=4).map(
        "/".join
    ),
    st.text(st.characters(codec="utf-8", exclude_characters="\0"), min_size=1, max_size=12).map(lambda t: t + ".mp4"),
)
CONTENT = st.sampled_from(["red.png", "tone.mp3", "page", "svg", "zeros", "random"])
ENTRY = st.tuples(PLAIN_NAMES, CONTENT, st.just(False))  # name, what it holds, a symbolic link?
TWIST = st.one_of(  # at most one entry a zip must be refused for, so most zips get as far as unpacking
    st.none(),
    st.none(),
    st.tuples(UNSAFE_NAMES, CONTENT, st.just(False)),
    st.tuples(PLAIN_NAMES, CONTENT, st.just(True)),
)
HOSTILE_ZIPS = st.tuples(st.lists(ENTRY, min_size=1, max_size=5), TWIST).map(
    lambda drawn: drawn[0] + ([drawn[1]] if drawn[1] else [])
)


def hostile_zip(entries: list[tuple[str, str, bool]], media_dir: Path) -> tuple[bytes, dict[str, Any]]:
    """The zip and its draft: every entry is named by a material, so each one is a candidate for keeping."""
    draft = Draft()
    track = draft.track("video")
    for i, (name, _content, _link) in enumerate(entries):
        draft.video(track, f"C:/Users/me/{name}", i * SEC, SEC, photo=i % 2 == 0)
    payload = {
        "red.png": (media_dir / "red.png").read_bytes(),
        "tone.mp3": (media_dir / "tone.mp3").read_bytes(),
        "page": PAGE,
        "svg": SVG,
        "zeros": bytes(3 << 20),
        "random": os.urandom(2048),
    }
    buffer = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        warnings.simplefilter("ignore", UserWarning)  # duplicate names are one of the hostile shapes
        archive.writestr("draft_content.json", json.dumps(draft.doc))
        for name, content, link in entries:
            info = zipfile.ZipInfo(name)
            info.compress_type = zipfile.ZIP_DEFLATED
            if link:
                info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, b"/etc/passwd" if link else payload[content])
    return buffer.getvalue(), draft.doc


@pytest.fixture(scope="module")
def hostile_env(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[httpx.Client, Settings, Path]]:
    root = tmp_path_factory.mktemp("hostile")
    settings = Settings(data_dir=root / "data", allow_private_urls=True, max_import_ratio=100)
    with servers.in_process(settings) as client:
        yield client, settings, root


@hypothesis_settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(entries=HOSTILE_ZIPS)
def test_generated_hostile_zips_never_escape_keep_non_media_or_fail_with_5xx(
    hostile_env: tuple[httpx.Client, Settings, Path], media_dir: Path, entries: list[tuple[str, str, bool]]
) -> None:
    client, settings, root = hostile_env
    outside = sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if "data" not in p.parts)
    data, _doc = hostile_zip(entries, media_dir)
    response = upload(client, data)
    assert response.status_code < 500, response.text
    if response.status_code != 200:
        assert response.json()["error"]["code"] in {"ZIP_UNSAFE", "ZIP_INVALID", "ZIP_TOO_LARGE", "DRAFT_INVALID"}
    else:
        body = response.json()
        final = {name: content for name, content, _link in entries}  # a repeated name: the last entry counts
        skipped = {item["file"] for item in body["skipped_files"]}
        for name, content in final.items():
            if content in ("page", "svg", "random") and "\\" not in name:
                assert name in skipped, (name, body["skipped_files"])
        assert len(body["stored_files"]) <= sum(content in ("red.png", "tone.mp3") for content in final.values())
        folder = settings.drafts_dir / draft_id(body["draft_url"])
        for path in folder.rglob("*"):
            assert path.resolve().is_relative_to(folder.resolve()) and not path.is_symlink(), path
            if path.is_file() and path.suffix != ".json":
                assert probe(path).kind in ("video", "photo", "audio"), path
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if "data" not in p.parts) == outside
    for path in settings.data_dir.rglob("*"):
        assert path.resolve().is_relative_to(settings.data_dir.resolve()), path
    if response.status_code == 200:
        shutil.rmtree(folder)  # checked: the next example's scans stay small
    assert not any(Path(name).exists() for name in ("/abs.mp4", "/up.mp4", "/x.mp4", "/y.mp4"))
    assert not any(settings.tmp_dir.iterdir())
