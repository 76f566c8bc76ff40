"""The two reference compositions written with MoviePy 2.x, the way a Python user would write them.

Same plan, same media, same geometry rules as the draft (contain-fit, half-canvas centre offsets,
em = size × width / 160, stroke = 0.08 em), same x264 settings. Kept idiomatic on purpose (resized
lambdas, TextClip, CompositeVideoClip): that is the baseline the issue asks us to beat, not a tuned one.
"""

from __future__ import annotations

from pathlib import Path

from moviepy import (
    AudioFileClip,
    CompositeAudioClip,
    CompositeVideoClip,
    ImageClip,
    TextClip,
    VideoClip,
    VideoFileClip,
    afx,
)

from benchmarks.drafts import CAPTION_STROKE, Caption, MusicBed, Slide, SlideshowPlan, TalkingHeadPlan
from benchmarks.media import FPS, SEC, SlideshowMedia, Sound, TalkingHeadMedia

CJK_FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def _fit(w: int, h: int, width: int, height: int) -> tuple[float, float]:
    """Contain-fit size of a w×h picture in the canvas (the draft's scale 1.0)."""
    k = min(width / w, height / h)
    return w * k, h * k


def _captions(captions: tuple[Caption, ...], width: int, height: int) -> list[VideoClip]:
    clips: list[VideoClip] = []
    for c in captions:
        em = round(c.size * width / 160)
        clip = TextClip(
            font=CJK_FONT,
            text=c.text,
            font_size=em,
            color="white",
            stroke_color="black",
            stroke_width=round(CAPTION_STROKE * em),
            text_align="center",
            interline=round(0.02 * em),
            margin=(None, em // 4),
        )
        cy = height / 2 - c.y * height / 2
        clips.append(
            clip.with_start(c.start_us / SEC)
            .with_duration(c.duration_us / SEC)
            .with_position(("center", cy - clip.h / 2))
        )
    return clips


def _music(sound: Sound, bed: MusicBed) -> AudioFileClip:
    return (
        AudioFileClip(str(sound.path))
        .subclipped(0, bed.duration_us / SEC)
        .with_volume_scaled(bed.volume)
        .with_effects([afx.AudioFadeIn(bed.fade_in_us / SEC), afx.AudioFadeOut(bed.fade_out_us / SEC)])
    )


def _ken_burns(path: Path, fit: tuple[float, float], slide: Slide, canvas: tuple[int, int]) -> VideoClip:
    """A photo zooming (per-frame resize lambda) and panning (position lambda) over its slide."""
    (fw, fh), (w, h) = fit, canvas
    dur = slide.duration_us / SEC
    (s0, s1), (x0, x1), (y0, y1) = slide.scale, slide.x, slide.y

    def scale(t: float) -> float:
        return s0 + (s1 - s0) * t / dur

    def position(t: float) -> tuple[float, float]:
        cx = w / 2 + (x0 + (x1 - x0) * t / dur) * w / 2
        cy = h / 2 - (y0 + (y1 - y0) * t / dur) * h / 2
        return cx - fw * scale(t) / 2, cy - fh * scale(t) / 2

    clip = ImageClip(str(path)).resized((round(fw), round(fh))).resized(scale)
    return clip.with_start(slide.start_us / SEC).with_duration(dur).with_position(position)


def slideshow(plan: SlideshowPlan, media: SlideshowMedia) -> VideoClip:
    """Ken Burns photos, captions, music with fades."""
    canvas = (plan.width, plan.height)
    layers = [
        _ken_burns(photo.path, _fit(photo.width, photo.height, *canvas), slide, canvas)
        for slide, photo in zip(plan.slides, media.photos, strict=True)
    ]
    layers += _captions(plan.captions, *canvas)
    video = CompositeVideoClip(layers, size=canvas).with_duration(plan.duration_us / SEC)
    return video.with_audio(_music(media.music, plan.music))


def talking_head(plan: TalkingHeadPlan, media: TalkingHeadMedia) -> VideoClip:
    """Subclips of one camera file (two sped up), a resized PiP, subtitles, music under the voice."""
    w, h = plan.width, plan.height
    camera = VideoFileClip(str(media.source.path))
    layers: list[VideoClip] = []
    for cut in plan.cuts:
        start = cut.source_start_us / SEC
        piece = camera.subclipped(start, start + cut.source_duration_us / SEC)
        if cut.speed != 1.0:
            piece = piece.with_speed_scaled(cut.speed)
        layers.append(piece.with_start(cut.start_us / SEC))
    ov = plan.overlay
    fw, fh = _fit(media.overlay.width, media.overlay.height, w, h)
    pw, ph = round(fw * ov.scale), round(fh * ov.scale)
    pip = VideoFileClip(str(media.overlay.path), audio=False).subclipped(0, ov.duration_us / SEC)
    layers.append(
        pip.resized((pw, ph))
        .with_start(ov.start_us / SEC)
        .with_position((w / 2 + ov.x * w / 2 - pw / 2, h / 2 - ov.y * h / 2 - ph / 2))
    )
    layers += _captions(plan.subtitles, w, h)
    video = CompositeVideoClip(layers, size=(w, h)).with_duration(plan.duration_us / SEC)
    return video.with_audio(CompositeAudioClip([video.audio, _music(media.music, plan.music)]))


def write(clip: VideoClip, output: Path) -> None:
    """Our renderer's encoder settings: x264 veryfast, CRF 23, yuv420p, AAC; 2 threads for 2 cores."""
    clip.write_videofile(
        str(output),
        fps=FPS,
        codec="libx264",
        preset="veryfast",
        ffmpeg_params=["-crf", "23"],
        pixel_format="yuv420p",
        audio_codec="aac",
        threads=2,
        temp_audiofile_path=str(output.parent),
        logger=None,
    )
