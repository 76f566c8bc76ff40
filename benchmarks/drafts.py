"""The reference compositions: plans (what happens when) and the draft_content.json built from them.

Our renderer (via the draft) and MoviePy (moviepy_comp.py) are fed from the same plan, so the two get exactly
the same work; the faceless short (issue 13's long, busy timeline) has no MoviePy twin. Drafts are plain
dicts in the shape pyJianYingDraft 0.3.1 writes (see shared/spec/DRAFT_FORMAT.md); ids are deterministic so
two runs produce identical files.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.media import (
    FPS,
    PHOTO_SIZES,
    SEC,
    BrollMedia,
    FacelessMedia,
    Photo,
    SlideshowMedia,
    Sound,
    TalkingHeadMedia,
    Video,
)
from capcut_mate.drafts import document

CAPTIONS = (
    "清晨的第一缕阳光\n照进安静的小院",
    "我们沿着河边散步\n听风吹过柳树",
    "老街的石板路\n藏着很多故事",
    "午后的咖啡馆里\n时间仿佛慢了下来",
    "孩子们在广场上奔跑\n笑声传得很远",
    "远处的山峦\n被薄雾轻轻笼罩",
    "一碗热腾腾的面\n是家的味道",
    "夕阳把天空\n染成了橘红色",
    "湖面上的倒影\n像一幅水墨画",
    "夜晚的城市\n灯火一盏盏亮起",
    "和老朋友重逢\n聊起从前的日子",
    "感谢这一路的陪伴\n我们下次再见",
)

SUBTITLES = (
    "大家好，欢迎回到我的频道",
    "今天想和大家聊一聊剪辑效率",
    "很多朋友问我每天怎么做视频",
    "其实答案很简单",
    "就是把重复的工作交给程序",
    "先说说素材的整理",
    "我会把所有素材按日期分好",
    "然后用脚本生成草稿",
    "字幕也是自动识别出来的",
    "这样能省下大量时间",
    "接下来看一下具体的流程",
    "第一步，准备好口播视频",
    "第二步，挑选背景音乐",
    "音乐的音量要压低一些",
    "不要盖过人声",
    "第三步，加上画中画",
    "画中画适合展示操作细节",
    "第四步，检查字幕的断句",
    "每一条字幕不要太长",
    "最后一步就是导出",
    "导出的时候注意分辨率",
    "横屏视频一般用一零八零P",
    "码率也不要设得太低",
    "好了，今天的分享就到这里",
    "如果觉得有帮助",
    "记得点赞和收藏",
    "有问题可以在评论区留言",
    "我会一一回复大家",
    "我们下期再见",
    "拜拜",
)

# Caption look shared by both drafts: white fill, black stroke (UI stroke 40 -> 0.08 em).
CAPTION_STROKE = 0.08
# Speeds of the six talking-head cuts: two at 1.5x, as the issue asks.
CUT_SPEEDS = (1.0, 1.0, 1.5, 1.0, 1.5, 1.0)


@dataclass(frozen=True)
class Slide:
    """One photo on the timeline, zooming and panning linearly from the first to the second value."""

    start_us: int
    duration_us: int
    scale: tuple[float, float]
    x: tuple[float, float]
    y: tuple[float, float]


@dataclass(frozen=True)
class Caption:
    start_us: int
    duration_us: int
    text: str
    size: float
    y: float


@dataclass(frozen=True)
class MusicBed:
    duration_us: int
    volume: float
    fade_in_us: int
    fade_out_us: int


@dataclass(frozen=True)
class Cut:
    """A piece of the source video: `source_start_us` onwards at `speed`, for `duration_us` of output."""

    start_us: int
    duration_us: int
    source_start_us: int
    speed: float

    @property
    def source_duration_us(self) -> int:
        return round(self.duration_us * self.speed)


@dataclass(frozen=True)
class Overlay:
    """The picture-in-picture window: fitted size × `scale`, centre at (x, y) in half-canvas units."""

    start_us: int
    duration_us: int
    scale: float
    x: float
    y: float


@dataclass(frozen=True)
class SlideshowPlan:
    width: int
    height: int
    slides: tuple[Slide, ...]
    captions: tuple[Caption, ...]
    music: MusicBed

    @property
    def duration_us(self) -> int:
        return self.music.duration_us


@dataclass(frozen=True)
class TalkingHeadPlan:
    width: int
    height: int
    cuts: tuple[Cut, ...]
    overlay: Overlay
    subtitles: tuple[Caption, ...]
    music: MusicBed

    @property
    def duration_us(self) -> int:
        return self.music.duration_us

    @property
    def source_needed_us(self) -> int:
        return max(c.source_start_us + c.source_duration_us for c in self.cuts)


def _split(total_us: int, parts: int) -> list[tuple[int, int]]:
    """(start, duration) of `parts` back-to-back pieces covering `total_us` exactly."""
    bounds = [round(total_us * i / parts) for i in range(parts + 1)]
    return [(a, b - a) for a, b in itertools.pairwise(bounds)]


def _music_bed(duration_us: int, volume: float, fade_in_s: float, fade_out_s: float) -> MusicBed:
    """Fades are capped to a tenth of the video so short smoke runs keep the same shape."""
    cap = duration_us // 10
    return MusicBed(duration_us, volume, min(round(fade_in_s * SEC), cap), min(round(fade_out_s * SEC), cap))


def slideshow_plan(duration_s: float) -> SlideshowPlan:
    """(a) 1080×1920: 12 photos with alternating zoom-in/zoom-out and pan, a caption per photo, music."""
    total = round(duration_s * SEC)
    slides, captions = [], []
    for i, (start, dur) in enumerate(_split(total, len(PHOTO_SIZES))):
        sign = 1 if i % 2 == 0 else -1
        scale = (1.0, 1.15) if sign > 0 else (1.15, 1.0)
        slides.append(Slide(start, dur, scale, (-0.04 * sign, 0.04 * sign), (0.02 * sign, -0.02 * sign)))
        margin = dur // 20
        captions.append(Caption(start + margin, dur - 2 * margin, CAPTIONS[i], 9.0, -0.75))
    return SlideshowPlan(1080, 1920, tuple(slides), tuple(captions), _music_bed(total, 0.8, 1.5, 3.0))


def talking_head_plan(duration_s: float) -> TalkingHeadPlan:
    """(b) 1920×1080: six cuts of one source (skipping a little between cuts), a PiP, 30 subtitles, music."""
    total = round(duration_s * SEC)
    skip = total // 60
    cuts, source_pos = [], skip
    for (start, dur), speed in zip(_split(total, len(CUT_SPEEDS)), CUT_SPEEDS, strict=True):
        cut = Cut(start, dur, source_pos, speed)
        cuts.append(cut)
        source_pos += cut.source_duration_us + skip
    overlay = Overlay(total // 4, round(total * 0.35), 0.32, 0.62, 0.55)
    subtitles = tuple(
        Caption(start, dur - dur // 20, SUBTITLES[i], 6.0, -0.8)
        for i, (start, dur) in enumerate(_split(total, len(SUBTITLES)))
    )
    return TalkingHeadPlan(1920, 1080, tuple(cuts), overlay, subtitles, _music_bed(total, 0.25, 1.0, 2.0))


@dataclass(frozen=True)
class Still:
    """A photo segment: `photo` indexes the media's photos; `scale`/`x`/`y`/`rotation` go from -> to."""

    start_us: int
    duration_us: int
    photo: int
    scale: tuple[float, float]
    x: tuple[float, float]
    y: tuple[float, float]
    rotation: tuple[float, float] = (0.0, 0.0)


@dataclass(frozen=True)
class FacelessPlan:
    """The mass-produced "faceless short": Ken Burns photos, a PiP track, a spinning badge, subtitles, 2 sounds."""

    width: int
    height: int
    duration_us: int
    photos: tuple[Still, ...]
    pip: tuple[Still, ...]
    badges: tuple[Still, ...]
    subtitles: tuple[Caption, ...]
    music: MusicBed

    @property
    def narration(self) -> tuple[tuple[int, int], ...]:
        """(start, duration) of the voice-over clips: one per subtitle, as TTS tools deliver them."""
        return tuple((c.start_us, c.duration_us) for c in self.subtitles)


# Portrait photos for the full-screen track (PHOTO_SIZES indices) and square-ish ones for the small tracks.
FULL_SCREEN_PHOTOS = (1, 3, 5, 8, 11)
SMALL_PHOTOS = (0, 4, 9, 10)
PHOTO_EVERY_US = 1_500_000
PIP_EVERY_US = 3_000_000
SUBTITLE_EVERY_US = 2_100_000


def _every(total_us: int, step_us: int) -> list[tuple[int, int]]:
    """(start, duration) pieces of `step_us` covering `total_us`, the last one shorter if need be."""
    return [(start, min(step_us, total_us - start)) for start in range(0, total_us, step_us)]


def faceless_plan(duration_s: float) -> FacelessPlan:
    """Issue 13's draft: 1080×1920, a photo every 1.5 s zooming in or out, a PiP photo every 3 s in the upper
    right, a small badge spinning once per 3 s in the upper left, a subtitle every 2.1 s, narration and music."""
    total = round(duration_s * SEC)
    photos, pip, badges = [], [], []
    for i, (start, dur) in enumerate(_every(total, PHOTO_EVERY_US)):
        sign = 1 if i % 2 == 0 else -1
        scale = (1.0, 1.12) if sign > 0 else (1.12, 1.0)
        photo = FULL_SCREEN_PHOTOS[i % len(FULL_SCREEN_PHOTOS)]
        photos.append(Still(start, dur, photo, scale, (-0.03 * sign, 0.03 * sign), (0.02 * sign, -0.02 * sign)))
    for i, (start, dur) in enumerate(_every(total, PIP_EVERY_US)):
        photo = SMALL_PHOTOS[i % len(SMALL_PHOTOS)]
        pip.append(Still(start, dur, photo, (0.33, 0.33), (0.55, 0.55), (0.55, 0.55)))
        badges.append(Still(start, dur, SMALL_PHOTOS[-1 - i % 2], (0.2, 0.2), (-0.65, -0.65), (0.7, 0.7), (0, 360)))
    subtitles = tuple(
        Caption(start, dur - dur // 10, SUBTITLES[i % len(SUBTITLES)], 7.0, -0.6)
        for i, (start, dur) in enumerate(_every(total, SUBTITLE_EVERY_US))
    )
    return FacelessPlan(
        1080, 1920, total, tuple(photos), tuple(pip), tuple(badges), subtitles, _music_bed(total, 0.3, 1.0, 2.0)
    )


BROLL_CLIPS = 10
BROLL_CUTS_PER_MINUTE = 100
BROLL_CLIP_S = 12.0


@dataclass(frozen=True)
class BrollPlan:
    """A B-roll montage: many short full-screen cuts taken in turn from a few landscape clips (their own sound
    kept), narration and music under them. `cuts[i].source_start_us` is in clip `i % clips`."""

    width: int
    height: int
    clips: int
    clip_s: float  # each clip's length
    cuts: tuple[Cut, ...]
    music: MusicBed

    @property
    def duration_us(self) -> int:
        return self.music.duration_us


def broll_plan(duration_s: float) -> BrollPlan:
    """1080×1920: 100 cuts a minute from 10 clips (clip i % 10, each next visit 1 s further into it), a voice-over
    cut per cut and music. A clip is visited every 10 cuts, so a chunk shows most clips several times."""
    total = round(duration_s * SEC)
    count = max(BROLL_CLIPS, round(duration_s / 60 * BROLL_CUTS_PER_MINUTE))
    clip_s = min(BROLL_CLIP_S, duration_s + 2)  # short smoke runs need short clips only
    source_span = round((clip_s - 1) * SEC)
    cuts = tuple(
        Cut(start, dur, (i // BROLL_CLIPS) * SEC % max(1, source_span - dur), 1.0)
        for i, (start, dur) in enumerate(_split(total, count))
    )
    return BrollPlan(1080, 1920, BROLL_CLIPS, clip_s, cuts, _music_bed(total, 0.3, 1.0, 2.0))


class _DraftBuilder:
    """Accumulates materials and tracks; emits the JSON shapes of pyJianYingDraft 0.3.1."""

    def __init__(self, name: str, width: int, height: int) -> None:
        self.name = name
        self.width = width
        self.height = height
        self.materials: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.tracks: list[dict[str, Any]] = []
        self._count = 0

    def new_id(self) -> str:
        self._count += 1
        return uuid.uuid5(uuid.NAMESPACE_URL, f"capcut-mate-bench/{self.name}/{self._count}").hex

    def video_material(self, media: Photo | Video) -> str:
        kind = "photo" if isinstance(media, Photo) else "video"
        duration = 0 if isinstance(media, Photo) else media.duration_us
        material = document.video_material(
            str(media.path), media.path.name, kind=kind, width=media.width, height=media.height, duration=duration
        )
        self.materials["videos"].append(material)
        return material["id"]

    def audio_material(self, sound: Sound) -> str:
        material = document.audio_material(str(sound.path), sound.path.name, duration=sound.duration_us)
        self.materials["audios"].append(material)
        return material["id"]

    def text_material(self, caption: Caption) -> str:
        mid = self.new_id()
        style = {
            "fill": {
                "alpha": 1.0,
                "content": {"render_type": "solid", "solid": {"alpha": 1.0, "color": [1.0, 1.0, 1.0]}},
            },
            "range": [0, len(caption.text)],
            "size": caption.size,
            "bold": False,
            "italic": False,
            "underline": False,
            "strokes": [{"content": {"solid": {"alpha": 1.0, "color": [0, 0, 0]}}, "width": CAPTION_STROKE}],
        }
        self.materials["texts"].append(
            {
                "id": mid,
                "content": json.dumps({"styles": [style], "text": caption.text}, ensure_ascii=False),
                "typesetting": 0,
                "alignment": 1,
                "letter_spacing": 0.0,
                "line_spacing": 0.02,
                "line_feed": 1,
                "line_max_width": 0.82,
                "force_apply_line_max_width": False,
                "check_flag": 15,
                "type": "subtitle",
                "global_alpha": 1.0,
            }
        )
        return mid

    def speed(self, speed: float) -> str:
        sid = self.new_id()
        self.materials["speeds"].append({"curve_speed": None, "id": sid, "mode": 0, "speed": speed, "type": "speed"})
        return sid

    def audio_fade(self, fade_in_us: int, fade_out_us: int) -> str:
        fid = self.new_id()
        self.materials["audio_fades"].append(
            {
                "id": fid,
                "fade_in_duration": fade_in_us,
                "fade_out_duration": fade_out_us,
                "fade_type": 0,
                "type": "audio_fade",
            }
        )
        return fid

    def keyframes(self, prop: str, duration_us: int, values: tuple[float, float]) -> dict[str, Any]:
        """A linear two-point keyframe curve over the whole segment."""
        return {
            "id": self.new_id(),
            "material_id": "",
            "property_type": prop,
            "keyframe_list": [
                {
                    "curveType": "Line",
                    "graphID": "",
                    "left_control": {"x": 0.0, "y": 0.0},
                    "right_control": {"x": 0.0, "y": 0.0},
                    "id": self.new_id(),
                    "time_offset": offset,
                    "values": [value],
                }
                for offset, value in ((0, values[0]), (duration_us, values[1]))
            ],
        }

    def segment(
        self,
        material_id: str,
        start_us: int,
        duration_us: int,
        *,
        source: tuple[int, int] | None = None,
        speed: float = 1.0,
        volume: float = 1.0,
        visual: tuple[float, float, float] | None = (1.0, 0.0, 0.0),
        extra_refs: tuple[str, ...] = (),
        keyframes: tuple[dict[str, Any], ...] = (),
    ) -> dict[str, Any]:
        """`source` = (start, duration) for media; `visual` = (scale, x, y), None for audio.

        render_index is set by `track()`, which knows the track's position."""
        clip = None
        if visual is not None:
            scale, x, y = visual
            clip = document.clip_settings(scale_x=scale, scale_y=scale, x=x, y=y)
        seg = document.segment(
            material_id,
            target=(start_us, duration_us),
            source=source,
            render_index=0,
            speed=speed,
            volume=volume,
            clip=clip,
            extra_refs=list(extra_refs),
        )
        seg["common_keyframes"] = list(keyframes)
        return seg

    def track(self, kind: str, name: str, segments: list[dict[str, Any]]) -> None:
        """Track order is layer order (pyJianYingDraft 0.3.1): render_index = track position."""
        for seg in segments:
            seg["render_index"] = len(self.tracks)
        self.tracks.append(
            {
                "attribute": 0,
                "flag": 0,
                "id": self.new_id(),
                "is_default_name": False,
                "name": name,
                "segments": segments,
                "type": kind,
            }
        )

    def captions(self, captions: tuple[Caption, ...]) -> None:
        segments = [
            self.segment(self.text_material(c), c.start_us, c.duration_us, visual=(1.0, 0.0, c.y)) for c in captions
        ]
        self.track("text", "captions", segments)

    def music(self, sound: Sound, bed: MusicBed) -> None:
        refs = (self.speed(1.0), self.audio_fade(bed.fade_in_us, bed.fade_out_us))
        seg = self.segment(
            self.audio_material(sound),
            0,
            bed.duration_us,
            source=(0, bed.duration_us),
            volume=bed.volume,
            visual=None,
            extra_refs=refs,
        )
        self.track("audio", "music", [seg])

    def document(self) -> dict[str, Any]:
        duration = max(
            s["target_timerange"]["start"] + s["target_timerange"]["duration"]
            for t in self.tracks
            for s in t["segments"]
        )
        return {
            "canvas_config": {"width": self.width, "height": self.height, "ratio": "original"},
            "color_space": 0,
            "config": {"maintrack_adsorb": True, "video_mute": False},
            "cover": None,
            "create_time": 0,
            "duration": duration,
            "fps": float(FPS),
            "free_render_index_mode_on": False,
            "id": self.new_id().upper(),
            "keyframe_graph_list": [],
            "keyframes": {k: [] for k in ("adjusts", "audios", "effects", "filters", "stickers", "texts", "videos")},
            "materials": dict(self.materials),
            "name": self.name,
            "new_version": "110.0.0",
            "platform": {"app_id": 3704, "app_source": "lv", "app_version": "5.9.0", "os": "linux"},
            "relationships": [],
            "render_index_track_mode_on": False,
            "tracks": self.tracks,
            "version": 360000,
        }


def slideshow_draft(plan: SlideshowPlan, media: SlideshowMedia) -> dict[str, Any]:
    """Photos on the main track with Ken Burns keyframes (scale + position), captions above, music."""
    b = _DraftBuilder("bench_slideshow", plan.width, plan.height)
    segments = []
    for slide, photo in zip(plan.slides, media.photos, strict=True):
        kfs = (
            b.keyframes("KFTypeScaleX", slide.duration_us, slide.scale),
            b.keyframes("KFTypePositionX", slide.duration_us, slide.x),
            b.keyframes("KFTypePositionY", slide.duration_us, slide.y),
        )
        segments.append(
            b.segment(
                b.video_material(photo),
                slide.start_us,
                slide.duration_us,
                source=(0, slide.duration_us),
                visual=(slide.scale[0], slide.x[0], slide.y[0]),
                extra_refs=(b.speed(1.0),),
                keyframes=kfs,
            )
        )
    b.track("video", "photos", segments)
    b.captions(plan.captions)
    b.music(media.music, plan.music)
    return b.document()


def talking_head_draft(plan: TalkingHeadPlan, media: TalkingHeadMedia) -> dict[str, Any]:
    """Six cuts of one source on the main track (voice kept), a PiP track, subtitles, music under the voice."""
    b = _DraftBuilder("bench_talking_head", plan.width, plan.height)
    source_id = b.video_material(media.source)
    cuts = [
        b.segment(
            source_id,
            cut.start_us,
            cut.duration_us,
            source=(cut.source_start_us, cut.source_duration_us),
            speed=cut.speed,
            extra_refs=(b.speed(cut.speed),),
        )
        for cut in plan.cuts
    ]
    b.track("video", "main", cuts)
    ov = plan.overlay
    pip = b.segment(
        b.video_material(media.overlay),
        ov.start_us,
        ov.duration_us,
        source=(0, ov.duration_us),
        visual=(ov.scale, ov.x, ov.y),
        extra_refs=(b.speed(1.0),),
    )
    b.track("video", "pip", [pip])
    b.captions(plan.subtitles)
    b.music(media.music, plan.music)
    return b.document()


def faceless_draft(plan: FacelessPlan, media: FacelessMedia) -> dict[str, Any]:
    """Each photo its own material and keyframed segment (as pyJianYingDraft writes them), tracks bottom up."""
    b = _DraftBuilder("bench_faceless_short", plan.width, plan.height)
    props = (
        ("KFTypeScaleX", "scale"),
        ("KFTypePositionX", "x"),
        ("KFTypePositionY", "y"),
        ("KFTypeRotation", "rotation"),
    )
    for name, stills in (("photos", plan.photos), ("pip", plan.pip), ("badge", plan.badges)):
        segments = []
        for still in stills:
            kfs = tuple(
                b.keyframes(prop, still.duration_us, getattr(still, field))
                for prop, field in props
                if getattr(still, field)[0] != getattr(still, field)[1]
            )
            segments.append(
                b.segment(
                    b.video_material(media.photos[still.photo]),
                    still.start_us,
                    still.duration_us,
                    source=(0, still.duration_us),
                    visual=(still.scale[0], still.x[0], still.y[0]),
                    extra_refs=(b.speed(1.0),),
                    keyframes=kfs,
                )
            )
        b.track("video", name, segments)
    b.captions(plan.subtitles)
    voice = b.audio_material(media.narration)
    clips = [
        b.segment(voice, start, dur, source=(start, dur), visual=None, extra_refs=(b.speed(1.0),))
        for start, dur in plan.narration
    ]
    b.track("audio", "narration", clips)
    b.music(media.music, plan.music)
    return b.document()


def broll_draft(plan: BrollPlan, media: BrollMedia) -> dict[str, Any]:
    """The cuts on the main track (each clip one material, as the app keeps it), then narration and music."""
    b = _DraftBuilder("bench_broll", plan.width, plan.height)
    ids = [b.video_material(clip) for clip in media.clips]
    cuts = [
        b.segment(
            ids[i % plan.clips],
            cut.start_us,
            cut.duration_us,
            source=(cut.source_start_us, cut.source_duration_us),
            volume=0.5,
            extra_refs=(b.speed(cut.speed),),
        )
        for i, cut in enumerate(plan.cuts)
    ]
    b.track("video", "broll", cuts)
    voice = b.audio_material(media.narration)
    clips = [
        b.segment(voice, c.start_us, c.duration_us, source=(c.start_us, c.duration_us), visual=None) for c in plan.cuts
    ]
    b.track("audio", "narration", clips)
    b.music(media.music, plan.music)
    return b.document()


def write_draft(draft: dict[str, Any], folder: Path) -> Path:
    """Write the draft folder the way capcut-mate does: draft_content.json and an identical draft_info.json."""
    folder.mkdir(parents=True, exist_ok=True)
    text = json.dumps(draft, ensure_ascii=False, indent=2)
    for name in ("draft_content.json", "draft_info.json"):
        (folder / name).write_text(text, encoding="utf-8")
    return folder
