"""Storage in an S3-compatible bucket through boto3: AWS S3, MinIO, Cloudflare R2, SeaweedFS, and the
S3 APIs of Tencent COS, Aliyun OSS and Volcengine TOS.

boto3 rather than an async client: every caller is sync code running in a thread (FastAPI's pool, the
worker's render threads), boto3's clients are thread-safe, and its credential chain (AWS_* variables,
profiles, instance roles) is what operators already know. A PUT replaces an object at once, so readers
never see half a draft. `url` is the public base + key when the bucket is public (or behind a CDN), else
a presigned GET URL. Objects are stored with a content type from the allow-list (`content_types`), and
presigned URLs also name it (and the attachment, for a draft's files), so an object stored by an older
version with a guessed type is served inert too.

Every call is bounded (`timeout_s`: connect timeout; a few retries with back-off): a bucket that is down
becomes an error within seconds, which the API answers with 503 and a worker with a retry (outages.py).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from functools import partial
from pathlib import Path
from typing import Any, BinaryIO
from urllib.parse import quote, urlsplit

from capcut_mate.storage import ObjectStat, StorageNotFound
from capcut_mate.storage.cache import ObjectCache
from capcut_mate.storage.content_types import safe_content_type


def parse_s3_url(url: str) -> tuple[str, str]:
    """`s3://bucket/prefix` -> (bucket, prefix with a trailing '/' or '')."""
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError(f"CAPCUT_MATE_STORAGE_URL must look like s3://bucket/prefix, not {url!r}")
    prefix = parts.path.strip("/")
    return parts.netloc, f"{prefix}/" if prefix else ""


def _missing(exc: Exception) -> bool:
    response = getattr(exc, "response", None) or {}
    code = str(response.get("Error", {}).get("Code", ""))
    return code in ("404", "NoSuchKey", "NotFound")


class S3Storage:
    def __init__(
        self,
        client: Any,
        bucket: str,
        prefix: str,
        cache: ObjectCache,
        public_url: str | None = None,
        url_expires_s: int = 7 * 24 * 3600,
        signer: Any = None,
    ) -> None:
        self.client = client
        self.signer = signer or client
        self.bucket = bucket
        self.prefix = prefix
        self.cache = cache
        self.public_url = public_url.rstrip("/") if public_url else None
        self.url_expires_s = url_expires_s

    @classmethod
    def from_url(
        cls,
        url: str,
        cache: ObjectCache,
        endpoint_url: str | None = None,
        region: str | None = None,
        public_url: str | None = None,
        url_expires_s: int = 7 * 24 * 3600,
        public_endpoint_url: str | None = None,
        timeout_s: float = 5.0,
    ) -> S3Storage:
        """`public_endpoint_url`: the endpoint as clients outside see it (the service may reach the bucket
        by an internal name); presigned URLs are signed for it."""
        import boto3
        from botocore.config import Config

        bucket, prefix = parse_s3_url(url)
        config = Config(
            signature_version="s3v4",
            s3={"addressing_style": "path" if endpoint_url else "auto"},
            connect_timeout=timeout_s,
            read_timeout=max(20.0, 4 * timeout_s),  # one read of a response: an upload's answer takes longer
            retries={"total_max_attempts": 3, "mode": "standard"},
            max_pool_connections=32,
        )
        client = boto3.client("s3", endpoint_url=endpoint_url or None, region_name=region or None, config=config)
        signer = None
        if public_endpoint_url:
            signer = boto3.client("s3", endpoint_url=public_endpoint_url, region_name=region or None, config=config)
        return cls(client, bucket, prefix, cache, public_url, url_expires_s, signer)

    def _key(self, key: str) -> str:
        return self.prefix + key

    def put_bytes(self, key: str, data: bytes) -> None:
        self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=data, ContentType=safe_content_type(key))

    def put_file(self, key: str, path: Path, *, move: bool = False) -> None:
        # a video_url opened in a browser plays (mp4, webm) or shows (gif); nothing is ever a document
        extra = {"ContentType": safe_content_type(key)}
        self.client.upload_file(str(path), self.bucket, self._key(key), ExtraArgs=extra)
        if move:
            path.unlink(missing_ok=True)

    def get_bytes(self, key: str) -> bytes:
        with self.open(key) as body:
            return body.read()

    @contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as exc:
            if _missing(exc):
                raise StorageNotFound(key) from None
            raise
        body = response["Body"]
        try:
            yield body
        finally:
            body.close()

    def exists(self, key: str) -> bool:
        try:
            self.client.head_object(Bucket=self.bucket, Key=self._key(key))
        except Exception as exc:
            if _missing(exc):
                return False
            raise
        return True

    def _objects(self, prefix: str) -> Iterator[dict[str, Any]]:
        paginator = self.client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
            yield from page.get("Contents", [])

    def stats(self, prefix: str) -> list[ObjectStat]:
        return sorted(
            (
                ObjectStat(item["Key"][len(self.prefix) :], int(item["Size"]), item["LastModified"].timestamp())
                for item in self._objects(prefix)
            ),
            key=lambda stat: stat.key,
        )

    def list(self, prefix: str) -> list[str]:
        return sorted(item["Key"][len(self.prefix) :] for item in self._objects(prefix))

    def delete(self, key: str) -> None:
        self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def url(self, key: str, api_base: str, *, head: bool = False, filename: str | None = None) -> str:
        if self.public_url:
            return f"{self.public_url}/{quote(self._key(key))}"
        params = {"Bucket": self.bucket, "Key": self._key(key), "ResponseContentType": safe_content_type(key)}
        if filename is not None:
            params["ResponseContentDisposition"] = f"attachment; filename*=UTF-8''{quote(filename)}"
        method = "head_object" if head else "get_object"
        return str(self.signer.generate_presigned_url(method, Params=params, ExpiresIn=self.url_expires_s))

    def local_path(self, key: str) -> Path | None:
        return None

    def _download(self, object_key: str, target: Path) -> None:
        self.client.download_file(self.bucket, object_key, str(target))

    def checkout(self, prefix: str, scratch: Path) -> Path:
        """Every object under the prefix, from the cache (downloaded on a miss), linked into `scratch`."""
        shutil.rmtree(scratch, ignore_errors=True)
        scratch.mkdir(parents=True)
        for item in self._objects(prefix):
            relative = item["Key"][len(self._key(prefix)) :]
            if not relative or relative.endswith("/"):
                continue
            object_key: str = item["Key"]
            cached = self.cache.get(
                object_key,
                str(item.get("ETag", "")).strip('"') + f":{item.get('Size', 0)}",
                partial(self._download, object_key),
            )
            target = scratch / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(cached, target)
            except FileNotFoundError:  # evicted by another render in between: fetch it again
                self._download(object_key, target)
            except OSError:
                shutil.copyfile(cached, target)
        return scratch
