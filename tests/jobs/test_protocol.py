"""The worker's render protocol: what crosses the process boundary, and both runners speaking it alike."""

from __future__ import annotations

import shutil
from pathlib import Path

import av
import pytest
from hypothesis import given
from hypothesis import strategies as st

from capcut_mate.config import Settings
from capcut_mate.jobs.protocol import (
    RENDER_PROCESS_SETTINGS,
    Event,
    Failure,
    Progress,
    RenderSpec,
    Result,
    UnitJobsWanted,
    UnitsRendered,
    decode_event,
    decode_spec,
    encode_event,
    encode_spec,
)
from capcut_mate.jobs.runner import RENDER_MODULE, InProcessRunner, Runner, SubprocessRunner
from tests.jobs.test_durability import wait_for
from tests.render.draftkit import Draft

finite = st.floats(allow_nan=False, allow_infinity=False)  # JSON has neither
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | finite | st.text(),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(), inner, max_size=3),
    max_leaves=10,
)
reports = st.dictionaries(st.text(), json_values, max_size=4)
events = st.one_of(
    st.builds(Progress, stage=st.text(), fraction=finite),
    st.builds(UnitJobsWanted, count=st.integers(min_value=0)),
    st.builds(Result, report=reports),
    st.builds(UnitsRendered, units=st.integers(min_value=0)),
    st.builds(Failure, code=st.text(), message=st.text(), debug=st.none() | reports),
)


@given(events)
def test_every_event_reads_back_as_written(event: Event) -> None:
    line = encode_event(event)
    assert line.endswith("\n") and "\n" not in line[:-1]  # one event, one line
    assert decode_event(line) == event


@pytest.mark.parametrize(
    "line",
    ["", "a library's chatter", "[1, 2]", "{}", '{"kind": "progress"}', '{"kind": "quit"}',
     '{"stage": "encode", "fraction": 0.5}', '{"kind": "unit_jobs", "count": 2, "extra": 1}'],
)  # fmt: skip
def test_a_line_that_is_no_event_is_skipped(line: str) -> None:
    """Anything else on stdout (a library printing, an old or garbled line) is skipped, never half-read."""
    assert decode_event(line) is None


SETTINGS = Settings(
    data_dir=Path("/srv/data"),
    database_url="postgresql://render:pw@127.0.0.1/db",
    font_dir=Path("/srv/fonts"),
    api_keys=["an-api-key"],
    callback_secret="a-callback-secret",
)


@given(
    mode=st.sampled_from(["render", "units"]),
    options=st.dictionaries(st.text(), json_values, max_size=3),
    cluster=st.booleans(),
    chunk_seconds=st.floats(min_value=0, max_value=600),
)
def test_a_spec_reads_back_with_the_settings_the_render_uses_and_no_secret(
    mode: str, options: dict[str, object], cluster: bool, chunk_seconds: float
) -> None:
    settings = SETTINGS.model_copy(update={"render_chunk_seconds": chunk_seconds})
    spec = RenderSpec.model_validate(
        {"mode": mode, "task_id": "t", "owner": "h:1:x-0", "draft_dir": "/d", "work_dir": "/w",
         "options": options, "cluster": cluster, "settings": settings}
    )  # fmt: skip
    line = encode_spec(spec)
    assert b"an-api-key" not in line and b"a-callback-secret" not in line
    back = decode_spec(line)
    assert back.model_dump(exclude={"settings"}) == spec.model_dump(exclude={"settings"})
    for name in RENDER_PROCESS_SETTINGS:
        assert getattr(back.settings, name) == getattr(settings, name), name


@pytest.fixture
def draft_dir(tmp_path: Path, media_dir: Path) -> Path:
    """A 1 s draft whose clip is inside its folder, as a checked-out draft's media is."""
    folder = tmp_path / "draft"
    (folder / "assets").mkdir(parents=True)
    shutil.copy(media_dir / "red.mp4", folder / "assets" / "red.mp4")
    draft = Draft()
    draft.video(draft.track("video"), folder / "assets" / "red.mp4", 0, 1_000_000)
    return draft.save(folder)


def render_spec(draft_dir: Path, work: Path, settings: Settings) -> RenderSpec:
    return RenderSpec(
        task_id="t",
        owner="h:1:x-0",
        draft_dir=draft_dir,
        work_dir=work / "work",
        output=work / "out.mp4",
        options={"format": "mp4"},
        settings=settings,
    )


def render_events(runner: Runner, spec: RenderSpec, log_path: Path) -> list[Event]:
    with runner.start(spec, log_path) as render:
        events = list(render.events())
        assert render.wait() == 0
    return events


@pytest.mark.parametrize("runner", [SubprocessRunner(), InProcessRunner()], ids=["subprocess", "in-process"])
def test_both_runners_render_a_spec_alike(runner: Runner, draft_dir: Path, tmp_path: Path) -> None:
    spec = render_spec(draft_dir, tmp_path, Settings(data_dir=tmp_path / "data"))
    events = render_events(runner, spec, tmp_path / "render.log")
    stages = [event.stage for event in events if isinstance(event, Progress)]
    assert stages[:2] == ["parsed", "ready"] and "encode" in stages
    *_, last = events
    assert isinstance(last, Result), events
    assert last.report["requested"] == {"format": "mp4"}
    with av.open(str(spec.output)) as video:
        assert (video.streams.video[0].width, video.streams.video[0].height) == (320, 240)


@pytest.mark.parametrize("runner", [SubprocessRunner(), InProcessRunner()], ids=["subprocess", "in-process"])
def test_a_setting_given_in_code_reaches_the_render(
    runner: Runner, draft_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Settings cross in the spec only: the environment's ffmpeg is not the one the render looks for."""
    monkeypatch.delenv("CAPCUT_MATE_FFMPEG", raising=False)
    settings = Settings(data_dir=tmp_path / "data", ffmpeg=str(tmp_path / "no-ffmpeg-here"))
    events = render_events(runner, render_spec(draft_dir, tmp_path, settings), tmp_path / "render.log")
    failure = events[-1]
    assert isinstance(failure, Failure) and failure.code == "FFMPEG_MISSING", events
    assert "no-ffmpeg-here" in failure.message


def test_the_spec_stays_off_the_command_line(draft_dir: Path, tmp_path: Path) -> None:
    """argv is readable by every user of the machine; the spec (with the database URL) goes over stdin."""
    settings = Settings(data_dir=tmp_path / "data", database_url="postgresql://render:secret-pw@127.0.0.1/none")
    spec = render_spec(draft_dir, tmp_path, settings)  # not a cluster render: the URL is carried, not used
    named: list[bytes] = []  # the render process's argv, once the kernel shows it (just after exec it is empty)
    with SubprocessRunner().start(spec, tmp_path / "render.log") as render:
        wait_for(lambda: named.extend(render_cmdlines(spec.work_dir)) or named, timeout=10)
        events = list(render.events())
    assert not any(b"secret-pw" in line for line in named), named
    assert isinstance(events[-1], Result), events


def render_cmdlines(work_dir: Path) -> list[bytes]:
    """argv of the render processes named after `work_dir` (read from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            line = (entry / "cmdline").read_bytes() if entry.name.isdigit() else b""
        except OSError:
            continue
        if RENDER_MODULE.encode() in line and str(work_dir).encode() in line:
            found.append(line)
    return found
