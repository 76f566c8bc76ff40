"""The storage the settings name: a bucket for `CAPCUT_MATE_STORAGE_URL=s3://...`, else the data directory.

One function for the composition root (services.py) and a render process (jobs/render_one.py), which
reconnects to the same storage from the settings in its spec.
"""

from __future__ import annotations

from capcut_mate.config import Settings
from capcut_mate.storage import Storage


def storage_for(settings: Settings) -> Storage:
    if settings.storage_url:
        from capcut_mate.storage.cache import ObjectCache
        from capcut_mate.storage.s3 import S3Storage

        return S3Storage.from_url(
            settings.storage_url,
            ObjectCache(settings.object_cache_dir, settings.object_cache_max_bytes),
            endpoint_url=settings.s3_endpoint_url,
            region=settings.s3_region,
            public_url=settings.s3_public_url,
            url_expires_s=settings.s3_url_expires,
            public_endpoint_url=settings.s3_public_endpoint_url,
            timeout_s=settings.dependency_timeout,
        )
    from capcut_mate.storage.local import LocalStorage

    return LocalStorage(settings.data_dir)
