"""The timeline's sound: each clip's filter chain, and the mix of all clips, in one graph or in windows.

A clip's chain (trim, speed, layout to stereo, resample, volume, fades, placement) is the same either way. A
single-pass render mixes the clips in the video's own graph. A chunked render mixes them in windows: clips
grouped by start, at most MAX_WINDOW_CLIPS to an ffmpeg run, each run rendering its clips whole into float PCM
from its first clip's start; the windows are added into one float mix here, block by block, and the mix is
encoded once. amix with normalize=0 is a plain float sum and every clip is placed at the same integer sample
either way, so the windowed mix equals the one-graph mix up to float rounding, with no seam; and no run holds
more than a window's decoders, so the memory stops growing with the timeline (287 inputs at once for a
10-minute short before).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import BinaryIO

import numpy as np

from capcut_mate.render import formats
from capcut_mate.render.errors import RenderError
from capcut_mate.render.graph import ducking, loudness
from capcut_mate.render.graph.expr import num, piecewise
from capcut_mate.render.options import RenderOptions
from capcut_mate.render.prepare.inputs import AudioSource

SAMPLE_RATE = 48000
CHANNELS = 2
# Clips mixed by one ffmpeg run: each holds an open demuxer and decoder for the whole run.
MAX_WINDOW_CLIPS = 12
# Samples added per step when folding a window into the mix (1 s of stereo float: 384 KB).
BLOCK_SAMPLES = SAMPLE_RATE
SAMPLE_BYTES = 4 * CHANNELS
MIX_FILE = "mix.f32"
VOICE_FILE = "voice.f32"  # the voice clips' own mix, when the rest is ducked under them
WINDOW_GRAPH = "window.txt"

# Downmix to stereo, per channel of the source layout: (left gain, right gain). Front left/right and the
# centre at full level, so dialogue in a 5.1 centre plays as loud as the same voice from a mono file (which
# plays at full level on both sides); surrounds, backs and heights at -3 dB on their side; the LFE dropped,
# as ITU-R BS.775 does. Channels not named here (unknown layouts) fall back to ffmpeg's own downmix.
HALF = 1 / math.sqrt(2)
DOWNMIX: dict[str, tuple[float, float]] = {
    "FL": (1.0, 0.0),
    "FR": (0.0, 1.0),
    "FC": (1.0, 1.0),
    "FLC": (1.0, 0.0),
    "FRC": (0.0, 1.0),
    "LFE": (0.0, 0.0),
    "LFE2": (0.0, 0.0),
    "BL": (HALF, 0.0),
    "BR": (0.0, HALF),
    "SL": (HALF, 0.0),
    "SR": (0.0, HALF),
    "BC": (HALF, HALF),
    "TC": (HALF, HALF),
    "TFL": (HALF, 0.0),
    "TFR": (0.0, HALF),
    "TFC": (HALF, HALF),
    "TBL": (HALF, 0.0),
    "TBR": (0.0, HALF),
    "TBC": (HALF, HALF),
    "WL": (HALF, 0.0),
    "WR": (0.0, HALF),
    "SDL": (HALF, 0.0),
    "SDR": (0.0, HALF),
}

OnFraction = Callable[[float], None]


def _atempo(speed: float) -> list[str]:
    """atempo accepts 0.5..100 per instance; chain halves for slower rates."""
    chain = []
    while speed < 0.5:
        chain.append("atempo=0.5")
        speed /= 0.5
    chain.append(f"atempo={num(speed)}")
    return chain


def to_stereo(channels: int, names: Sequence[str]) -> list[str]:
    """The pan that brings a source layout to stereo (see DOWNMIX), or nothing where stereo already is or
    where the layout has a channel DOWNMIX does not know (ffmpeg's downmix then)."""
    if channels == 1:
        # A mono source plays at full level on both sides, as in the app; the automatic upmix would
        # treat it as a centre channel and lower it by 3 dB.
        return ["pan=stereo|c0=c0|c1=c0"]
    if channels <= 2 or len(names) != channels or not all(name in DOWNMIX for name in names):
        return []
    sides = []
    for side in (0, 1):
        terms = [f"{num(DOWNMIX[name][side])}*c{i}" for i, name in enumerate(names) if DOWNMIX[name][side] > 0]
        sides.append(f"c{side}=" + "+".join(terms))
    return [f"pan=stereo|{'|'.join(sides)}"]


def clip_input(item: AudioSource) -> list[str]:
    """The `-i` group reading a clip's source range (its sound only)."""
    clip = item.clip
    read = clip.duration_us / 1e6 * clip.speed + 0.1
    return ["-vn", "-ss", num(clip.source_start_us / 1e6), "-t", num(read), "-i", str(item.path.resolve())]


def clip_chain(item: AudioSource, skip: float = 0.0, origin: int = 0) -> list[str]:
    """A clip's filters, from its decoded sound to stereo float at SAMPLE_RATE placed on the timeline.

    `skip` seconds are dropped first (a shared video input opened before the clip); `origin` is the sample the
    output starts at (0 for the whole timeline, a window's first sample otherwise).
    """
    clip = item.clip
    speed = clip.speed
    seconds = num(clip.duration_us / 1e6)
    chain = [f"atrim=start={num(skip)}"] if skip > 0 else []
    chain.append("asetpts=PTS-STARTPTS")
    if speed != 1.0:
        if clip.pitch_follows_speed:
            chain += [f"asetrate={round(item.info.sample_rate * speed)}"]
        else:
            chain += _atempo(speed)
    chain += to_stereo(item.info.channels, item.info.channel_names)
    chain += [
        f"aresample={SAMPLE_RATE}",
        "aformat=sample_fmts=fltp:channel_layouts=stereo",
        f"apad=whole_dur={seconds}",
        f"atrim=duration={seconds}",
    ]
    if clip.volume_keyframes:
        chain.append(f"volume='max(0,{piecewise(clip.volume_keyframes, 't')})':eval=frame")
    elif clip.volume != 1.0:
        chain.append(f"volume={num(max(0.0, clip.volume))}")
    fade_in = min(clip.fade_in_us, clip.duration_us)
    fade_out = min(clip.fade_out_us, clip.duration_us)
    if fade_in > 0:
        chain.append(f"afade=t=in:st=0:d={num(fade_in / 1e6)}")
    if fade_out > 0:
        chain.append(f"afade=t=out:st={num((clip.duration_us - fade_out) / 1e6)}:d={num(fade_out / 1e6)}")
    delay = start_sample(item) - origin
    if delay > 0:
        chain.append(f"adelay=delays={delay}S:all=1")
    # Sample-counted timestamps: adelay can emit its silence with no pts after a clip of a few samples
    # (atempo on 100 µs), and amix then stamps garbage that the muxer writes as the audio's start.
    chain.append("asetpts=N/SR/TB")
    return chain


def start_sample(item: AudioSource) -> int:
    """The timeline sample a clip starts at: the one rounding rule both mixes share."""
    return round(item.clip.start_us * SAMPLE_RATE / 1e6)


def mix(labels: Sequence[str], out: str, duration_s: float | None) -> str:
    """The line summing `labels` into `out`, padded and trimmed to `duration_s` when given."""
    if len(labels) > 1:
        # amix stamps its output from whichever input arrived first (a race between decoders):
        # recount from the samples, or apad sometimes sees the end early and pads nothing.
        head = (
            "".join(f"[{x}]" for x in labels)
            + f"amix=inputs={len(labels)}:normalize=0:duration=longest:dropout_transition=0,asetpts=N/SR/TB"
        )
    else:
        head = f"[{labels[0]}]anull"
    if duration_s is not None:
        head += f",apad=whole_dur={num(duration_s)},atrim=duration={num(duration_s)}"
    return f"{head}[{out}]"


def silence(out: str, duration_s: float) -> str:
    return f"anullsrc=r={SAMPLE_RATE}:cl=stereo,atrim=duration={num(duration_s)}[{out}]"


def windows(items: Sequence[AudioSource], size: int = MAX_WINDOW_CLIPS) -> list[list[AudioSource]]:
    """Clips in order of start (ties in plan order), `size` to a window."""
    ordered = sorted(items, key=start_sample)
    return [ordered[i : i + size] for i in range(0, len(ordered), max(1, size))]


def mix_windows(
    ffmpeg: str,
    items: Sequence[AudioSource],
    duration_s: float,
    work_dir: Path,
    stall_seconds: float,
    size: int = MAX_WINDOW_CLIPS,
    on_fraction: OnFraction | None = None,
    name: str = MIX_FILE,
) -> Path:
    """All clips mixed into `work_dir`/`name`: stereo float32 at SAMPLE_RATE, timeline sample 0 first, at
    least `duration_s` long (silence where nothing plays). Each window is rendered, added and deleted in turn,
    so the scratch space is the mix plus one window."""
    from capcut_mate.render.run import execute

    total = math.ceil(duration_s * SAMPLE_RATE)
    path = work_dir / name
    groups = windows(items, size)
    try:
        with path.open("w+b") as mixed:
            mixed.truncate(total * SAMPLE_BYTES)
            for number, group in enumerate(groups):
                origin = start_sample(group[0])
                part = work_dir / f"window{number:04d}-{Path(name).stem}.f32"
                args, script = _window_command(ffmpeg, group, origin, part)
                (work_dir / WINDOW_GRAPH).write_text(script, encoding="utf-8")
                execute(args, work_dir, part, 0.0, None, stall_seconds)
                _add(mixed, part, origin, total)
                part.unlink()
                if on_fraction is not None:
                    on_fraction((number + 1) / len(groups))
    except OSError as exc:
        if exc.errno == 28:
            raise RenderError("DISK_FULL", f"no space left on the device while mixing the audio: {exc}") from exc
        raise RenderError("FFMPEG_FAILED", f"cannot write the audio mix: {exc}") from exc
    return path


def _window_command(ffmpeg: str, group: Sequence[AudioSource], origin: int, output: Path) -> tuple[list[str], str]:
    """The ffmpeg run mixing one window's clips from sample `origin` into raw float PCM; (args, graph script)."""
    args = [ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-nostats", "-progress", "pipe:1"]
    lines, labels = [], []
    for j, item in enumerate(group):
        args += clip_input(item)
        lines.append(f"[{j}:a:0]{','.join(clip_chain(item, origin=origin))}[a{j}]")
        labels.append(f"a{j}")
    lines.append(mix(labels, "aout", None))
    args += ["-filter_complex_threads", "1", "-/filter_complex", WINDOW_GRAPH, "-map", "[aout]"]
    args += ["-c:a", "pcm_f32le", "-ar", str(SAMPLE_RATE), "-ac", str(CHANNELS), "-f", "f32le", str(output.resolve())]
    return args, ";\n".join(lines) + "\n"


def _add(mixed: BinaryIO, part: Path, origin: int, total: int) -> None:
    """Add the window file `part` into the open mix at sample `origin`, one block at a time (past `total` is
    never heard: the encode trims there)."""
    length = min(part.stat().st_size // SAMPLE_BYTES, max(0, total - origin))
    with part.open("rb") as window:
        done = 0
        while done < length:
            count = min(BLOCK_SAMPLES, length - done)
            block = np.frombuffer(window.read(count * SAMPLE_BYTES), dtype="<f4")
            at = (origin + done) * SAMPLE_BYTES
            mixed.seek(at)
            current = np.frombuffer(mixed.read(count * SAMPLE_BYTES), dtype="<f4")
            mixed.seek(at)
            mixed.write((current + block).astype("<f4").tobytes())
            done += count


def duck_under_voice(mixed: Path, voice: Path, spans: Sequence[ducking.Window]) -> None:
    """`mixed` (the non-voice sound) lowered under the voice `spans`, then the `voice` mix added into it, block
    by block; both files as mix_windows writes them, the same length."""
    windows = ducking.merged(spans)
    with mixed.open("r+b") as rest, voice.open("rb") as speech:
        at = 0
        while block := speech.read(BLOCK_SAMPLES * SAMPLE_BYTES):
            spoken = np.frombuffer(block, dtype="<f4").reshape(-1, CHANNELS)
            rest.seek(at * SAMPLE_BYTES)
            sound = np.frombuffer(rest.read(len(block)), dtype="<f4").reshape(-1, CHANNELS)
            times = (at + np.arange(len(spoken), dtype=np.float64)) / SAMPLE_RATE
            lowered = sound * ducking.gain(times, windows)[:, None] + spoken
            rest.seek(at * SAMPLE_BYTES)
            rest.write(lowered.astype("<f4").tobytes())
            at += len(spoken)


def encode_command(
    ffmpeg: str, mix_path: Path, duration_s: float, output: Path, options: RenderOptions, extra: Sequence[str] = ()
) -> list[str]:
    """The one encode of the mix, padded and trimmed to the video's length as the one-graph mix is; `extra`
    filters (loudness normalisation) after that."""
    seconds = num(duration_s)
    args = [ffmpeg, "-hide_banner", "-nostdin", "-y", "-loglevel", "error", "-nostats", "-progress", "pipe:1"]
    args += mix_input(mix_path)
    args += ["-af", ",".join([f"apad=whole_dur={seconds}", f"atrim=duration={seconds}", *extra])]
    return [*args, *formats.audio_args(options.format), str(output.resolve())]


def mix_input(mix_path: Path) -> list[str]:
    """The `-i` group reading a mix file (raw stereo float32 at SAMPLE_RATE)."""
    return ["-f", "f32le", "-ar", str(SAMPLE_RATE), "-ac", str(CHANNELS), "-i", str(mix_path.resolve())]


def render_mix(
    ffmpeg: str,
    items: Sequence[AudioSource],
    duration_s: float,
    work_dir: Path,
    output: Path,
    options: RenderOptions,
    on_fraction: OnFraction | None = None,
) -> None:
    """The windowed mix of `items`, encoded once to `output`: `duration_s` of sound, silence if no clip.

    With `options.duck` the voice clips are mixed apart and the rest lowered under them; with
    `options.loudness` the mix is measured, then normalised to that many LUFS as it is encoded."""
    from capcut_mate.render.run import execute

    report = on_fraction or (lambda fraction: None)
    voice = [item for item in items if item.clip.role == "voice"] if options.duck else []
    rest = [item for item in items if item.clip.role != "voice"] if voice else list(items)
    if not rest:  # nothing to duck under the voice
        rest, voice = voice, []
    share = 0.8 / (2 if voice else 1)
    mixed = mix_windows(
        ffmpeg, rest, duration_s, work_dir, options.stall_seconds, on_fraction=lambda f: report(share * f)
    )
    if voice:
        spoken = mix_windows(
            ffmpeg,
            voice,
            duration_s,
            work_dir,
            options.stall_seconds,
            on_fraction=lambda f: report(share * (1 + f)),
            name=VOICE_FILE,
        )
        duck_under_voice(mixed, spoken, [_seconds(item) for item in voice])
        spoken.unlink()
    extra: list[str] = []
    if options.loudness is not None:
        measured = loudness.measure(ffmpeg, mix_input(mixed), options.loudness)
        extra = loudness.normalise_filter(options.loudness, measured)
    report(0.85)
    args = encode_command(ffmpeg, mixed, duration_s, output, options, extra)
    execute(args, work_dir, output, duration_s * 1e6, lambda f: report(0.85 + 0.15 * f), options.stall_seconds)
    mixed.unlink(missing_ok=True)


def _seconds(item: AudioSource) -> ducking.Window:
    """A clip's span on the timeline in seconds."""
    return item.clip.start_us / 1e6, (item.clip.start_us + item.clip.duration_us) / 1e6
