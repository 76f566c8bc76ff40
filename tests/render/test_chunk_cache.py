"""The chunk cache: what a unit's key covers (render/chunking/cache.py) and the LRU store over real local
storage (storage/chunk_cache.py)."""

from __future__ import annotations

import copy
import json
import os
import shutil
import threading
from pathlib import Path
from typing import Any

from capcut_mate.render import DraftMediaResolver, RenderOptions
from capcut_mate.render.chunking.cache import FileHashes, UnitKeys
from capcut_mate.render.plan.build import build_plan
from capcut_mate.storage.chunk_cache import StorageChunkCache, chunk_cache
from capcut_mate.storage.local import LocalStorage
from tests.render.draftkit import Draft

SEC = 1_000_000


def slides(media_dir: Path, words: list[str], tone: Path | None = None) -> Draft:
    """6 s: a still per second under one caption per second, so 1 s chunks each show one still and one word."""
    draft = Draft(64, 48)
    photos, captions = draft.track("video", "photos"), draft.track("text", "words")
    for n in range(6):
        draft.video(photos, media_dir / "red.png", n * SEC, SEC, photo=True)
        draft.text(captions, words[n], n * SEC, SEC)
    draft.audio(draft.track("audio"), tone or media_dir / "tone.mp3", 0, 6 * SEC)
    return draft


def keys(doc: dict[str, Any], media: Path, **options: object) -> tuple[list[str | None], str | None]:
    settings = RenderOptions(chunk_seconds=1.0, **options)  # type: ignore[arg-type]
    plan = build_plan(copy.deepcopy(doc), settings)
    unit_keys = UnitKeys(plan, DraftMediaResolver(media), settings, FileHashes())
    return [unit_keys.chunk(n) for n in range(len(plan.chunks))], unit_keys.audio()


def retext(doc: dict[str, Any], n: int, word: str) -> dict[str, Any]:
    """The draft with caption `n` saying `word` instead."""
    edited = copy.deepcopy(doc)
    material = edited["materials"]["texts"][n]
    content = json.loads(material["content"])
    content["text"], content["styles"][0]["range"] = word, [0, len(word)]
    material["content"] = json.dumps(content)
    return edited


def test_a_caption_edit_changes_the_key_of_the_chunk_showing_it_only(media_dir: Path) -> None:
    doc = slides(media_dir, ["one", "two", "three", "four", "five", "six"]).doc
    chunks, sound = keys(doc, media_dir)
    assert len(chunks) == 6 and len(set(chunks)) == 6 and None not in chunks  # same still, other words
    assert keys(doc, media_dir) == (chunks, sound)  # deterministic
    edited, edited_sound = keys(retext(doc, 4, "FIVE"), media_dir)
    assert [a == b for a, b in zip(chunks, edited, strict=True)] == [True, True, True, True, False, True]
    assert edited_sound == sound  # the sound does not show captions


def test_keys_follow_media_content_and_output_settings(media_dir: Path, tmp_path: Path) -> None:
    media = tmp_path / "media"
    shutil.copytree(media_dir, media)
    doc = slides(media, list("abcdef")).doc
    chunks, sound = keys(doc, media)
    recoded, recoded_sound = keys(doc, media, crf=30)
    assert recoded_sound == sound and not set(recoded) & set(chunks)  # the video's encoder settings, not the sound's
    assert keys(doc, media, format="webm")[1] != sound
    normalised, normalised_sound = keys(doc, media, loudness=-14.0)
    assert normalised == chunks and normalised_sound != sound  # the sound's loudness and ducking, not the video's
    ducked, ducked_sound = keys(doc, media, duck=True)
    assert ducked == chunks and ducked_sound not in (sound, normalised_sound)
    shutil.copyfile(media / "counter.mp4", media / "tone.mp3")  # the sound's file: new content, same name
    changed, changed_sound = keys(doc, media)
    assert changed == chunks and changed_sound not in (sound, None)
    (media / "red.png").write_bytes((media_dir / "red.png").read_bytes() + b"\0")  # same picture, other bytes
    assert all(a != b for a, b in zip(keys(doc, media)[0], chunks, strict=True))


def test_a_missing_file_means_no_key(media_dir: Path, tmp_path: Path) -> None:
    draft = slides(media_dir, list("abcdef"), tone=tmp_path / "gone.mp3")
    chunks, sound = keys(draft.doc, media_dir)
    assert sound is None and None not in chunks


def test_file_hashes_are_memoised_by_path_size_and_mtime(tmp_path: Path) -> None:
    """Same size and mtime: the memo answers without reading (so its stale answer shows); a new mtime: read."""
    path = tmp_path / "clip.bin"
    path.write_bytes(b"a" * 1000)
    hashes = FileHashes()
    first = hashes.of(path)
    stat = path.stat()
    path.write_bytes(b"b" * 1000)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert hashes.of(path) == first
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1))
    assert hashes.of(path) == FileHashes().of(path) != first


def entry(tmp_path: Path, name: str, size: int) -> Path:
    path = tmp_path / name
    path.write_bytes(os.urandom(size))
    return path


def age(storage: LocalStorage, cache: StorageChunkCache, key: str, seconds: float) -> None:
    """Backdate every part of an entry (its last use) by `seconds`."""
    for path in (storage.root / cache.prefix / key[:2]).glob(f"{key}.*"):
        stat = path.stat()
        os.utime(path, (stat.st_atime - seconds, stat.st_mtime - seconds))


def test_entries_come_back_whole_and_misses_are_none(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "data")
    cache = StorageChunkCache(storage, 10**9)
    source = entry(tmp_path, "chunk.mp4", 5000)
    assert cache.get("ab" * 32, tmp_path / "out.mp4") is None
    cache.put("ab" * 32, source, '{"warnings": []}')
    assert cache.get("ab" * 32, tmp_path / "out.mp4") == '{"warnings": []}'
    assert (tmp_path / "out.mp4").read_bytes() == source.read_bytes()
    video = storage.root / cache.prefix / "ab" / f"{'ab' * 32}.mp4"
    video.write_bytes(b"half")  # a file that is not the one the entry recorded
    assert cache.get("ab" * 32, tmp_path / "again.mp4") is None


def test_eviction_drops_least_recently_used_first_and_spares_recent_entries(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "data")
    cache = StorageChunkCache(storage, 35_000, grace_s=100)
    keys = [f"{n:02d}" * 32 for n in range(6)]

    def present() -> list[bool]:
        return [(storage.root / cache.prefix / key[:2] / f"{key}.json").is_file() for key in keys]

    for n, key in enumerate(keys[:3]):
        cache.put(key, entry(tmp_path, f"c{n}", 10_000), "")
        age(storage, cache, key, 1000 - n)  # 0 oldest ... 2 newest, all older than the grace period
    assert cache.get(keys[0], tmp_path / "hit.mp4") == ""  # a hit makes 0 the most recent
    held = (tmp_path / "hit.mp4").read_bytes()
    cache.put(keys[3], entry(tmp_path, "c3", 10_000), "")  # 40 kB > 35 kB: the least recently used goes
    assert present()[:4] == [True, False, True, True]
    assert (tmp_path / "hit.mp4").read_bytes() == held  # a hit is its own link: eviction cannot take it
    for n in (4, 5):
        cache.put(keys[n], entry(tmp_path, f"c{n}", 10_000), "")
    # 2 was old enough to go; 0, 3, 4 and 5 were used within the grace period: kept, over the cap for now
    assert present() == [True, False, False, True, True, True]
    assert not list((storage.root / cache.prefix).rglob(".*"))  # no temporaries left


def test_concurrent_puts_and_gets_of_one_key_never_serve_a_partial_file(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path / "data")
    cache = StorageChunkCache(storage, 10**9)
    sources = [entry(tmp_path, f"s{n}", 200_000) for n in range(4)]
    contents = {source.read_bytes() for source in sources}
    seen: list[bytes] = []

    def writer(source: Path) -> None:
        for _ in range(5):
            cache.put("cd" * 32, source, "")

    def reader(n: int) -> None:
        for i in range(20):
            dest = tmp_path / f"r{n}_{i}.mp4"
            if cache.get("cd" * 32, dest) is not None:
                seen.append(dest.read_bytes())

    threads = [threading.Thread(target=writer, args=(s,)) for s in sources]
    threads += [threading.Thread(target=reader, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(content in contents for content in seen)
    assert cache.get("cd" * 32, tmp_path / "last.mp4") is not None


def test_a_zero_cap_turns_the_cache_off(tmp_path: Path) -> None:
    assert chunk_cache(LocalStorage(tmp_path), 0) is None
    assert isinstance(chunk_cache(LocalStorage(tmp_path), 1), StorageChunkCache)


def test_the_hash_memo_outlives_the_process_and_is_only_a_memo(tmp_path: Path) -> None:
    """With a memo file, a new FileHashes (the next render process) answers from it without reading the
    file (so a stale answer shows); a memo file that cannot be opened just means reading the file."""
    path = tmp_path / "clip.bin"
    path.write_bytes(b"a" * 1000)
    first = FileHashes(tmp_path / "memo.sqlite3").of(path)
    stat = path.stat()
    path.write_bytes(b"b" * 1000)
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert FileHashes(tmp_path / "memo.sqlite3").of(path) == first
    (tmp_path / "folder.sqlite3").mkdir()  # not a database
    assert FileHashes(tmp_path / "folder.sqlite3").of(path) == FileHashes().of(path) != first
