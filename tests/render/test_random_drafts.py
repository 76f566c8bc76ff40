"""Property tests: every draft a workflow can build through the API renders, at its duration to the frame.

Drafts come from tests/render/random_drafts.py (the project's own editing functions, arbitrary microseconds,
every catalogue family). CI runs a bounded number of examples (profile "ci"); `make fuzz-render` runs the
"fuzz" profile. Every failing example hypothesis finds becomes a regression test in test_time_rule.py.
ffmpeg runs with glibc's heap checks on (heapcheck.py), and every layer must reach its overlay at one frame
size (the builder's graph check refuses per-frame sizes; layer_sizes.py measures what really flows).
"""

from __future__ import annotations

import tempfile
from fractions import Fraction
from pathlib import Path
from typing import Any

import av
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from capcut_mate.drafts.apps import APPS
from capcut_mate.render import DraftMediaResolver, RenderOptions, render_draft
from tests.render.layer_sizes import layer_frame_sizes
from tests.render.random_drafts import Media, drafts


@pytest.fixture(scope="module")
def media(media_dir: Path) -> Media:
    return Media.from_dir(media_dir)


def expected_frames(duration_us: int, fps: float) -> int:
    """The draft's length in output frames, by the rule the docs state: nearest frame, halves up."""
    rate = Fraction(fps).limit_denominator(1001)
    return max(1, int(Fraction(duration_us) * rate / 1_000_000 + Fraction(1, 2)))


def stream_lengths(path: Path) -> tuple[int, float, float]:
    """(video frames, video seconds, audio seconds) decoded from the file."""
    with av.open(str(path)) as container:
        video = container.streams.video[0]
        frames = sum(1 for _ in container.decode(video=0))
        video_s = float(frames / video.average_rate)
    with av.open(str(path)) as container:
        audio_s = sum(frame.samples / frame.sample_rate for frame in container.decode(audio=0))
    return frames, video_s, audio_s


def segment_ids(doc: dict[str, Any]) -> set[str]:
    return {seg["id"] for track in doc["tracks"] for seg in track["segments"]}


HEALTH = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture]


@settings(deadline=None, suppress_health_check=HEALTH)
@given(data=st.data())
def test_every_built_draft_renders_at_its_duration(
    media: Media, heap_checked: dict[str, str], data: st.DataObject
) -> None:
    doc = data.draw(drafts(media, data.draw(st.sampled_from(APPS))))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out.mp4"
        options = RenderOptions(preset="ultrafast", work_dir=Path(tmp) / "work")
        report = render_draft(doc, DraftMediaResolver(Path(tmp)), out, options)
        frames, video_s, audio_s = stream_lengths(out)
        sizes = layer_frame_sizes(doc, Path(tmp), Path(tmp) / "work")
    assert all(len(seen) == 1 for seen in sizes.values()), sizes
    assert frames == expected_frames(doc["duration"], doc["fps"]), (frames, doc["duration"], doc["fps"])
    assert report.duration_us == round(video_s * 1_000_000)
    # AAC works in 1024-sample packets: the audio may overhang by one packet, never fall short of a frame.
    assert -1 / doc["fps"] <= audio_s - video_s <= 1024 / 48000 + 1e-3, (audio_s, video_s)
    known = segment_ids(doc)
    for warning in report.warnings:
        assert warning["segment_id"] in known, warning
