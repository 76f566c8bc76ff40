"""Service configuration, read from `CAPCUT_MATE_*` environment variables (and CLI overrides)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict


def _default_render_workers() -> int:
    """One render at a time per two cores: ffmpeg's x264 already uses every core it gets."""
    return max(1, (os.cpu_count() or 2) // 2)


def _default_chunk_workers() -> int:
    """As RenderOptions: parallel chunks pay off only where one x264 run leaves cores idle (it fills ~4)."""
    return max(1, (os.cpu_count() or 1) // 4)


class Settings(BaseSettings):
    """Everything an operator can set. Every field maps to `CAPCUT_MATE_<FIELD>`."""

    model_config = SettingsConfigDict(env_prefix="CAPCUT_MATE_", extra="ignore")

    data_dir: Path = Field(Path("data"), description="SQLite database, drafts, media cache and outputs")
    public_url: str | None = Field(
        None,
        description="Base of every URL the service hands out (draft_url, files); unset = the address each "
        "client used (its Host header), so a server on 0.0.0.0 never hands out 127.0.0.1",
    )
    allow_private_urls: bool = Field(
        False, description="Allow media URLs on loopback/private/link-local addresses (1 = allow)"
    )
    max_download_bytes: int = Field(200 * 1024 * 1024, description="Largest media file add_* will fetch")
    download_timeout: float = Field(90.0, description="Time budget in seconds for one media download")
    download_retries: int = Field(3, description="Retries for transient download failures")
    max_body_bytes: int = Field(4 * 1024 * 1024, description="Largest request body the API reads (413 above it)")
    max_import_bytes: int = Field(
        512 * 1024 * 1024, description="Largest draft zip import_draft takes (an upload or a download)"
    )
    max_import_unzipped_bytes: int = Field(
        2 * 1024 * 1024 * 1024, description="Largest total size of the files inside a draft zip (zip bombs)"
    )
    max_import_entries: int = Field(10_000, description="Most files and folders a draft zip may hold")
    max_import_ratio: int = Field(
        100, ge=1, description="Largest unpacked:compressed ratio of one draft zip entry past its first MB (zip bombs)"
    )
    max_image_pixels: int = Field(
        64 * 1024 * 1024, description="Largest width x height of an image or video frame accepted by add_*"
    )
    cache_max_bytes: int = Field(
        5 * 1024 * 1024 * 1024, description="Media cache size; least recently used downloads are evicted above it"
    )
    cache_ttl: float = Field(
        3600.0, description="Seconds a cached download is trusted before it is revalidated with its source"
    )
    callback_secret: str | None = Field(
        None, description="Signs callback POSTs (HMAC-SHA256, header X-CapCut-Mate-Signature); unset = unsigned"
    )
    ffmpeg: str | None = Field(None, description="Path of an ffmpeg binary; default: the imageio-ffmpeg one")
    font_dir: Path | None = Field(None, description="Extra folder searched first for fonts (CJK fallback)")
    system_fonts: bool = Field(
        True, description="Also use the machine's installed fonts (0 = only font_dir and the draft's fonts)"
    )
    render_workers: int = Field(
        default_factory=_default_render_workers, description="Renders run at once by in-process workers"
    )
    render_chunk_seconds: float = Field(
        10.0, description="Timelines over 1.5x this many seconds render in chunks of about this length (0 = never)"
    )
    render_chunk_workers: int = Field(
        default_factory=_default_chunk_workers, description="Chunks of one render encoded at once"
    )
    in_process_workers: bool = Field(True, description="Run render workers inside the server process")
    max_active_tasks: int = Field(100, description="Pending+processing tasks accepted before 503")
    task_retention_days: float = Field(7.0, description="How long finished render tasks stay queryable")
    database_url: str | None = Field(
        None, description="postgresql://... for cluster mode (tasks, drafts index, queue); unset: SQLite in data_dir"
    )
    storage_url: str | None = Field(
        None, description="s3://bucket/prefix for media, draft folders and videos in a bucket; unset: data_dir"
    )
    s3_endpoint_url: str | None = Field(None, description="S3 API endpoint (MinIO, R2, COS, OSS, TOS...)")
    s3_region: str | None = Field(None, description="S3 region")
    s3_public_endpoint_url: str | None = Field(
        None, description="The S3 endpoint as users reach it, for presigned URLs (default: s3_endpoint_url)"
    )
    s3_public_url: str | None = Field(
        None, description="Public base URL of the bucket (or CDN): video_url = this + key; unset: presigned URLs"
    )
    s3_url_expires: int = Field(7 * 24 * 3600, description="Lifetime in seconds of presigned video URLs")
    object_cache_max_bytes: int = Field(
        2 * 1024**3, description="Size cap of a worker's local cache of objects fetched from the bucket for renders"
    )
    chunk_cache_max_bytes: int = Field(
        2 * 1024**3,
        ge=0,
        description="Size cap of the rendered-chunk cache (in the data dir, or the bucket in cluster mode) that lets "
        "a re-render reuse every chunk that did not change; least recently used first out; 0 = off",
    )
    dependency_timeout: float = Field(
        5.0,
        description="Seconds to wait for the database or the bucket (connect, pool, busy lock) before a request "
        "is answered 503 + Retry-After and a render is retried later",
    )
    callback_retry_base: float = Field(
        2.0, description="Seconds before the first retry of a callback; each retry waits about twice as long"
    )
    callback_retry_cap: float = Field(600.0, description="Longest wait in seconds between two callback attempts")
    callback_max_age: float = Field(
        24 * 3600.0, description="Seconds a callback is retried before it is marked failed (redeliver resends it)"
    )
    worker_lease_s: float = Field(
        30.0, description="Seconds a silent worker keeps a task before another worker takes it over"
    )
    strict_names: bool = Field(
        False, description="Unknown effect/filter/animation/font names are a 400 (default: ignored, with warnings)"
    )
    tts_engine: str = Field(
        "espeak", description="Speech engine add_narration uses when a request names none: espeak or openai"
    )
    tts_url: str | None = Field(
        None, description="Base URL of an OpenAI-compatible speech server (POST /v1/audio/speech) for engine openai"
    )
    tts_api_key: str | None = Field(None, description="Bearer key sent to the speech server")
    tts_model: str = Field("tts-1", description="model sent to the speech server")
    tts_voice: str | None = Field(None, description="Voice of the openai engine when a request names none (alloy)")
    tts_timeout: float = Field(60.0, description="Seconds one speech request may take before it is a 503")
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Comma-separated bearer keys; empty = no auth"
    )

    @field_validator("api_keys", mode="before")
    @classmethod
    def _split_keys(cls, value: object) -> object:
        if isinstance(value, str):
            return [key.strip() for key in value.split(",") if key.strip()]
        return value

    @field_validator("public_url")
    @classmethod
    def _strip_slash(cls, value: str | None) -> str | None:
        return value.rstrip("/") if value else None

    @field_validator(
        "database_url",
        "storage_url",
        "tts_url",
        "tts_api_key",
        "tts_voice",
        "s3_endpoint_url",
        "s3_region",
        "s3_public_url",
        "s3_public_endpoint_url",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    # Plain properties, not cached: `model_copy(update={"data_dir": ...})` copies a cached value along and
    # would keep the old folder.
    @property
    def db_path(self) -> Path:
        return self.data_dir / "capcut_mate.sqlite3"

    @property
    def drafts_dir(self) -> Path:
        return self.data_dir / "drafts"

    @property
    def outputs_dir(self) -> Path:
        return self.data_dir / "outputs"

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def object_cache_dir(self) -> Path:
        return self.data_dir / "object-cache"

    @property
    def speech_cache_dir(self) -> Path:
        return self.data_dir / "speech-cache"

    @property
    def tmp_dir(self) -> Path:
        return self.data_dir / "tmp"

    def ensure_dirs(self) -> None:
        for folder in (self.data_dir, self.drafts_dir, self.outputs_dir, self.cache_dir, self.tmp_dir):
            folder.mkdir(parents=True, exist_ok=True)
