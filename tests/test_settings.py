"""Settings: the folders derived from data_dir follow it, also in a copy with another data_dir."""

from __future__ import annotations

from pathlib import Path

from capcut_mate.config import Settings


def test_a_copy_with_another_data_dir_moves_every_folder(settings: Settings, tmp_path: Path) -> None:
    before = [settings.db_path, settings.drafts_dir, settings.outputs_dir, settings.cache_dir, settings.tmp_dir]
    moved = settings.model_copy(update={"data_dir": tmp_path / "elsewhere"})
    after = [moved.db_path, moved.drafts_dir, moved.outputs_dir, moved.cache_dir, moved.tmp_dir, moved.object_cache_dir]

    assert all(path.parent == tmp_path / "elsewhere" for path in after)
    assert not set(before) & set(after)
    assert settings.tmp_dir == settings.data_dir / "tmp"  # the original keeps its own
