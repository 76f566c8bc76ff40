"""Narration end to end: `python -m benchmarks.narration`.

A 10-sentence script becomes a draft over HTTP (`capcut-mate serve` on loopback, its own process: a still
background, add_narration with espeak-ng and karaoke captions, music generated with ffmpeg marked "music"),
then a 1080×1920 video with `loudness` -14 and `duck` on. Prints, as JSON: the time add_narration took to
synthesise, the render's time, the captions' alignment with the voice in the OUTPUT (each caption's start
against the measured speech onset of its sentence, in frames: p95 ≤ 1 is the target) and the output's
integrated loudness.

Speech onset: the output's sound high-passed at 500 Hz (the music is two tones under 200 Hz) in 10 ms
frames; a sentence's onset is the first frame, from half a gap before its caption, within 30 dB of that
sentence's loudest frame.
"""

from __future__ import annotations

import argparse
import json
import socket
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
import numpy as np

from benchmarks.status_load import start_server
from capcut_mate.drafts.ids import API_PREFIX
from capcut_mate.ffmpeg import ffmpeg_exe
from capcut_mate.jobs.demo import media_server
from capcut_mate.render.graph.loudness import measure_file

SCRIPT = [
    "Every morning the harbour wakes before the town does.",
    "Fishing boats slide out past the lighthouse in the grey light.",
    "By six the market stalls are stacked with ice and silver fish.",
    "Traders call out prices in three languages at once.",
    "Tourists arrive later, looking for coffee and a view.",
    "The old ferry still crosses the bay every hour.",
    "Its captain has made the same trip for thirty years.",
    "In the afternoon the wind turns and the water goes green.",
    "Children jump from the pier while the gulls complain.",
    "At night the lighthouse takes over, and the harbour sleeps.",
]
GAP_US = 300_000
FPS = 30
FRAME_S = 0.01
RATE = 48000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def make_media(folder: Path, width: int, height: int) -> None:
    """background.png and music.mp3 (two low tones, 5 minutes: longer than any script here)."""
    ffmpeg = ffmpeg_exe()
    run = [ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi"]
    subprocess.run([*run, "-i", f"gradients=s={width}x{height}:d=1", "-frames:v", "1", str(folder / "background.png")],
                   check=True)  # fmt: skip
    tones = "0.25*sin(2*PI*110*t)+0.2*sin(2*PI*165*t)"
    subprocess.run([*run, "-i", f"aevalsrc='{tones}':s=44100:d=300", str(folder / "music.mp3")], check=True)


def post(client: httpx.Client, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.post(f"{API_PREFIX}/{endpoint}", json=body)
    response.raise_for_status()
    data: dict[str, Any] = response.json()
    return data


def build(client: httpx.Client, media_url: str, sentences: list[str], size: tuple[int, int]) -> tuple[str, dict, float]:
    """The draft: (its URL, add_narration's answer, seconds add_narration took)."""
    url = str(post(client, "create_draft", {"width": size[0], "height": size[1]})["draft_url"])
    started = time.perf_counter()
    spoken = post(client, "add_narration", {"draft_url": url, "sentences": sentences, "gap": GAP_US,
                                             "word_highlight": "#ffd400"})  # fmt: skip
    synthesis_s = time.perf_counter() - started
    end = int(spoken["duration"]) + 500_000
    images = [{"image_url": f"{media_url}/background.png", "start": 0, "end": end}]
    post(client, "add_images", {"draft_url": url, "image_infos": json.dumps(images)})
    music = [{"audio_url": f"{media_url}/music.mp3", "start": 0, "end": end, "role": "music"}]
    post(client, "add_audios", {"draft_url": url, "audio_infos": json.dumps(music)})
    return url, spoken, synthesis_s


def render(client: httpx.Client, url: str, loudness: float) -> tuple[dict, bytes, float]:
    """gen_video with loudness and duck; (the render report, the video, seconds from submit to completed)."""
    started = time.perf_counter()
    post(client, "gen_video", {"draft_url": url, "loudness": loudness, "duck": True})
    while True:
        status = post(client, "gen_video_status", {"draft_url": url})
        if status["status"] in ("completed", "failed"):
            break
        time.sleep(0.2)
    render_s = time.perf_counter() - started
    if status["status"] != "completed":
        raise RuntimeError(f"the render failed: {status}")
    report = client.get(f"{API_PREFIX}/gen_video_report", params={"draft_url": url}).json()["report"]
    return report, httpx.get(status["video_url"], timeout=120).content, render_s


def speech_energy_db(video: Path) -> np.ndarray:
    """The output's sound above the music's band, in dB per FRAME_S frame."""
    args = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-i", str(video), "-map", "0:a:0",
            "-af", "highpass=f=500,highpass=f=500", "-ac", "1", "-ar", str(RATE), "-f", "f32le", "-"]  # fmt: skip
    samples = np.frombuffer(subprocess.run(args, capture_output=True, check=True).stdout, dtype="<f4")
    step = int(FRAME_S * RATE)
    frames = samples[: len(samples) // step * step].reshape(-1, step)
    return 10 * np.log10(np.mean(frames.astype(np.float64) ** 2, axis=1) + 1e-12)


def alignment_errors_frames(energy: np.ndarray, sentences: list[dict]) -> list[float]:
    """Each caption's start minus its sentence's measured onset, in video frames (signed)."""
    errors = []
    for sentence in sentences:
        start_s, end_s = sentence["start"] / 1e6, sentence["end"] / 1e6
        first = max(0, int((start_s - GAP_US / 2e6) / FRAME_S))
        window = energy[first : int(end_s / FRAME_S)]
        onset = first + int(np.argmax(window >= window.max() - 30.0))
        errors.append((start_s - onset * FRAME_S) * FPS)
    return errors


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=len(SCRIPT), help=f"how many (1..{len(SCRIPT)})")
    parser.add_argument("--size", default="1080x1920", help="canvas WIDTHxHEIGHT")
    parser.add_argument("--loudness", type=float, default=-14.0, help="LUFS target")
    args = parser.parse_args()
    width, height = (int(v) for v in args.size.split("x"))
    with tempfile.TemporaryDirectory(prefix="narration-bench-") as tmp:
        folder = Path(tmp)
        (folder / "media").mkdir()
        make_media(folder / "media", width, height)
        port = free_port()
        server = start_server(folder / "data", port, renders=1)
        try:
            with (
                media_server(folder / "media") as media_url,
                httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=300) as client,
            ):
                url, spoken, synthesis_s = build(client, media_url, SCRIPT[: args.sentences], (width, height))
                report, video, render_s = render(client, url, args.loudness)
        finally:
            server.terminate()
            server.wait(timeout=30)
        output = folder / "out.mp4"
        output.write_bytes(video)
        errors = alignment_errors_frames(speech_energy_db(output), spoken["sentences"])
        absolute = sorted(abs(e) for e in errors)
        print(json.dumps({
            "sentences": len(spoken["sentences"]),
            "size": f"{width}x{height}",
            "video_seconds": round(report["duration_us"] / 1e6, 2),
            "synthesis_seconds": round(synthesis_s, 2),
            "render_seconds": round(render_s, 2),
            "alignment_frames": {
                "p50": round(statistics.median(absolute), 2),
                "p95": round(absolute[min(len(absolute) - 1, int(0.95 * len(absolute)))], 2),
                "max": round(absolute[-1], 2),
                "signed": [round(e, 2) for e in errors],
            },
            "loudness_target_lufs": args.loudness,
            "loudness_lufs": measure_file(ffmpeg_exe(), output),
            "report_audio": report.get("audio"),
        }, indent=2))  # fmt: skip


if __name__ == "__main__":
    main()
