"""draft_id generation and draft_url parsing.

The draft_url is the only capability a client holds, so ids carry 16 random hex digits, and anything
that is not exactly our id shape is refused before it can touch the file system.
"""

from __future__ import annotations

import re
import secrets
import uuid
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

from capcut_mate.errors import ApiError, clip

DRAFT_ID_RE = re.compile(r"[0-9]{14}[0-9a-f]{6,18}")  # ASCII only: `\d` would also match ٣ and ３
DRAFT_URL_PATTERN = r"[?&]draft_id=[0-9]{14}[0-9a-f]{6,18}(&|$)"  # documented in /openapi.json
API_PREFIX = "/openapi/capcut-mate/v1"


def new_draft_id() -> str:
    """`YYYYMMDDHHMMSS` + 16 random lowercase hex digits (30 chars)."""
    return datetime.now().strftime("%Y%m%d%H%M%S") + secrets.token_hex(8)


def new_uuid() -> str:
    """A 32-char hex id, as the app uses for tracks, segments and materials."""
    return uuid.uuid4().hex


def validate_draft_id(draft_id: str) -> str:
    if not isinstance(draft_id, str) or not DRAFT_ID_RE.fullmatch(draft_id):
        raise ApiError(
            "INVALID_DRAFT_URL",
            f"draft_id {clip(draft_id)!r} is not a valid draft id (14 digits, then 6-18 lowercase hex digits)",
        )
    return draft_id


def draft_id_from_url(draft_url: str) -> str:
    """Read the `draft_id` query parameter of a draft_url; host and path are ignored."""
    if not isinstance(draft_url, str) or not draft_url.strip():
        raise ApiError("INVALID_DRAFT_URL", "draft_url is empty")
    values = parse_qs(urlsplit(draft_url.strip()).query).get("draft_id")
    if not values:
        raise ApiError("INVALID_DRAFT_URL", f"draft_url has no draft_id query parameter: {clip(draft_url)}")
    return validate_draft_id(values[0])


def draft_url_for(public_url: str, draft_id: str) -> str:
    return f"{public_url}{API_PREFIX}/get_draft?draft_id={draft_id}"


def public_base_of(draft_url: str) -> str:
    """The service base a draft_url was handed out under (what precedes the API prefix), or "" if none."""
    base, found, _ = draft_url.partition(API_PREFIX)
    return base.rstrip("/") if found else ""
