"""Storage on this machine's disk, under the data directory: the embedded default.

Writes go to a temporary sibling and are renamed into place; `url` points at the API's own `/files/`
route (under the base URL the client used, or CAPCUT_MATE_PUBLIC_URL), which serves these files with
Range support.
"""

from __future__ import annotations

import os
import shutil
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO

from capcut_mate.storage import ObjectStat, StorageNotFound


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)

    def _path(self, key: str) -> Path:
        path = (self.root / key).resolve()
        if not path.is_relative_to(self.root.resolve()) or not key or key.startswith("/"):
            raise StorageNotFound(key)
        return path

    def _tmp(self, path: Path) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        return path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}.{uuid.uuid4().hex[:6]}.tmp")

    def put_bytes(self, key: str, data: bytes) -> None:
        path = self._path(key)
        tmp = self._tmp(path)
        try:
            with open(tmp, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def put_file(self, key: str, path: Path, *, move: bool = False) -> None:
        """Rename when allowed, else hard-link (same content, no copy), else copy."""
        target = self._path(key)
        tmp = self._tmp(target)
        try:
            if move:
                try:
                    os.replace(path, tmp)
                except OSError:
                    shutil.copyfile(path, tmp)
            else:
                try:
                    os.link(path, tmp)
                except OSError:
                    shutil.copyfile(path, tmp)
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)

    def get_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise StorageNotFound(key) from None

    @contextmanager
    def open(self, key: str) -> Iterator[BinaryIO]:
        try:
            handle = open(self._path(key), "rb")  # noqa: SIM115 - closed below
        except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
            raise StorageNotFound(key) from None
        with handle:
            yield handle

    def exists(self, key: str) -> bool:
        try:
            return self._path(key).is_file()
        except StorageNotFound:
            return False

    def stats(self, prefix: str) -> list[ObjectStat]:
        root = self.root.resolve()
        found = []
        for key in self.list(prefix):
            with suppress(FileNotFoundError):  # deleted since the listing
                stat = (root / key).stat()
                found.append(ObjectStat(key, stat.st_size, stat.st_mtime))
        return found

    def list(self, prefix: str) -> list[str]:
        folder = self._path(prefix)
        if not folder.is_dir():
            return []
        root = self.root.resolve()
        return sorted(path.relative_to(root).as_posix() for path in folder.rglob("*") if path.is_file())

    def delete(self, key: str) -> None:
        with suppress(StorageNotFound):
            self._path(key).unlink(missing_ok=True)

    def url(self, key: str, api_base: str, *, head: bool = False, filename: str | None = None) -> str:
        return f"{api_base}/files/{key}"

    def local_path(self, key: str) -> Path | None:
        return self._path(key)

    def checkout(self, prefix: str, scratch: Path) -> Path:
        return self._path(prefix)
