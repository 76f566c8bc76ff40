"""What a worker and its render process say to each other: one spec in, a stream of events out.

Both sides import these types and nothing else touches the wire, so a field added on one side cannot be
forgotten on the other. The worker writes the spec as one JSON line on the render process's stdin (not in
argv, which every user of the machine can read: the spec carries the database URL); the render process
answers with JSON lines on stdout, one event each, told apart by `kind`.

Settings cross the process boundary once, inside the spec: the render process reads no `CAPCUT_MATE_*`
variable of its own, so settings given in code (tests, `capcut-mate worker --...`) reach it unchanged.

Pydantic models rather than dataclasses with a hand-written codec: the reading side validates every line
(a garbled or truncated line is a ValidationError, not a KeyError three calls later), the discriminated
union dispatches on `kind` without a table of our own, and the spec can carry the Settings model itself.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, JsonValue, TypeAdapter, ValidationError, field_serializer

from capcut_mate.config import Settings

# The settings a render process uses: this machine's tools and chunking, and what it reconnects to the
# cluster's database and bucket with. Nothing else (API keys, the callback secret) leaves the worker.
RENDER_PROCESS_SETTINGS = frozenset(
    {
        "ffmpeg",
        "font_dir",
        "system_fonts",
        "render_chunk_seconds",
        "render_chunk_workers",
        "data_dir",
        "database_url",
        "storage_url",
        "s3_endpoint_url",
        "s3_region",
        "s3_public_endpoint_url",
        "s3_public_url",
        "s3_url_expires",
        "object_cache_max_bytes",
        "worker_lease_s",
        "dependency_timeout",
    }
)

UNAVAILABLE = "UNAVAILABLE"  # a Failure's code when the database or bucket was down: retried, never failed


class _Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class RenderSpec(_Message):
    """One render process's whole job. `mode` "render": the task's video into `output`; "units": waiting
    units of the task's chunked render, which another worker holds (cluster mode, jobs/farm.py)."""

    mode: Literal["render", "units"] = "render"
    task_id: str
    owner: str  # the lease owner the render works under (`host:pid:token-n`)
    draft_dir: Path
    work_dir: Path
    output: Path | None = None  # "render" only
    options: dict[str, JsonValue] = Field(default_factory=dict)  # gen_video's output choices (render/formats.py)
    cluster: bool = False  # chunks go to the cluster's farm rather than threads of this process
    settings: Settings

    @field_serializer("settings")
    def _only_what_the_render_uses(self, settings: Settings) -> dict[str, Any]:
        return settings.model_dump(mode="json", include=set(RENDER_PROCESS_SETTINGS))


class Progress(_Message):
    """A renderer stage and how far it is (jobs/progress.py maps it onto the task's progress)."""

    kind: Literal["progress"] = "progress"
    stage: str
    fraction: float = 0.0


class UnitJobsWanted(_Message):
    """A chunked render has `count` units waiting: the worker asks the queue for that many unit jobs."""

    kind: Literal["unit_jobs"] = "unit_jobs"
    count: int


class Result(_Message):
    """The render finished: its report (render/report.py) plus the output choices it was asked for."""

    kind: Literal["result"] = "result"
    report: dict[str, Any]


class UnitsRendered(_Message):
    """A unit job finished: it rendered `units` units of another worker's render."""

    kind: Literal["units_rendered"] = "units_rendered"
    units: int


class Failure(_Message):
    """The render failed: a stable code (jobs/messages.py), the details, and the renderer's debug data."""

    kind: Literal["failure"] = "failure"
    code: str
    message: str
    debug: dict[str, Any] | None = None


Event = Annotated[Progress | UnitJobsWanted | Result | UnitsRendered | Failure, Field(discriminator="kind")]
_EVENT: TypeAdapter[Event] = TypeAdapter(Event)


def _jsonable(value: object) -> object:
    """Numbers a report may carry as Fraction/Decimal/numpy become floats; anything else its text."""
    try:
        return float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(value)


def encode_spec(spec: RenderSpec) -> bytes:
    return spec.model_dump_json().encode() + b"\n"


def decode_spec(line: bytes | str) -> RenderSpec:
    return RenderSpec.model_validate_json(line)


def encode_event(event: Event) -> str:
    # dict(event), not model_dump: a report's Fraction must become a number, which pydantic would make text
    return json.dumps(dict(event), ensure_ascii=False, default=_jsonable) + "\n"


def decode_event(line: bytes | str) -> Event | None:
    """The event on one line of a render's output; None for anything else (a library printing to stdout)."""
    try:
        return _EVENT.validate_json(line)
    except ValidationError:
        return None
