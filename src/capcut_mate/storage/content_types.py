"""The content types files are served with, from an allow-list: what we serve from our own origin (and put in
a bucket) must be inert.

A stored name is ours (media are named by their content, with the suffix the probe found), but the type is
still chosen here, never guessed by `mimetypes`: that would turn `x.html` into text/html and `x.svg` into
image/svg+xml, documents a browser runs scripts in. Anything not on the list is application/octet-stream,
which browsers only download.
"""

from __future__ import annotations

from pathlib import PurePosixPath

SAFE_TYPES = {
    ".mp4": "video/mp4",
    ".m4v": "video/mp4",
    ".mov": "video/quicktime",
    ".webm": "video/webm",
    ".mkv": "video/x-matroska",
    ".avi": "video/x-msvideo",
    ".flv": "video/x-flv",
    ".ts": "video/mp2t",
    ".mpg": "video/mpeg",
    ".wmv": "video/x-ms-wmv",
    ".gif": "image/gif",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".bmp": "image/bmp",
    ".tiff": "image/tiff",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".wav": "audio/wav",
    ".ogg": "audio/ogg",
    ".flac": "audio/flac",
    ".aiff": "audio/aiff",
    ".caf": "audio/x-caf",
    ".amr": "audio/amr",
    ".ttf": "font/ttf",
    ".otf": "font/otf",
    ".ttc": "font/collection",
    ".json": "application/json",
    ".zip": "application/zip",
}
FALLBACK = "application/octet-stream"


def safe_content_type(name: str) -> str:
    """The type to serve the file `name` with: from the allow-list by its suffix, else octet-stream."""
    return SAFE_TYPES.get(PurePosixPath(name).suffix.lower(), FALLBACK)
