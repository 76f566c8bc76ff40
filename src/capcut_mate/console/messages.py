"""The console's words in Chinese (default) and English, picked like the API's messages (Accept-Language)."""

from __future__ import annotations

from collections.abc import Callable

_TEXT: dict[str, tuple[str, str]] = {
    "title": ("capcut-mate 控制台", "capcut-mate console"),
    "drafts": ("草稿", "Drafts"),
    "filter": ("按 ID 筛选", "Filter by id"),
    "draft_id": ("草稿 ID", "Draft id"),
    "canvas": ("画布", "Canvas"),
    "duration": ("时长", "Duration"),
    "tracks": ("轨道", "Tracks"),
    "edited": ("最后编辑", "Last edit"),
    "last_render": ("最近渲染", "Last render"),
    "no_drafts": ("还没有草稿", "No drafts yet"),
    "tasks": ("渲染任务", "Render tasks"),
    "no_tasks": ("还没有渲染任务", "No render tasks yet"),
    "api_key": ("API 密钥", "API key"),
    "api_key_hint": ("仅保存在本浏览器会话中", "Kept in this browser session only"),
    "save": ("保存", "Save"),
    "need_key": ("需要 API 密钥：请在上方填写", "An API key is needed: enter it above"),
    "back": ("← 全部草稿", "← All drafts"),
    "timeline": ("时间线", "Timeline"),
    "preview": ("预览", "Preview"),
    "render": ("渲染", "Render"),
    "download_zip": ("下载草稿 zip", "Download draft zip"),
    "copy_url": ("复制 draft_url", "Copy draft_url"),
    "copied": ("已复制", "Copied"),
    "default": ("默认", "default"),
    "resolution": ("分辨率", "Resolution"),
    "fps": ("帧率", "FPS"),
    "quality": ("质量", "Quality"),
    "format": ("格式", "Format"),
    "width": ("宽", "Width"),
    "height": ("高", "Height"),
    "settings": ("渲染设置", "Render settings"),
    "warnings": ("渲染报告的警告", "Render report warnings"),
    "no_warnings": ("没有警告", "No warnings"),
    "segment": ("片段", "Segment"),
    "feature": ("特性", "Feature"),
    "download_video": ("下载视频", "Download video"),
    "none": ("无", "none"),
    "pending": ("排队中", "pending"),
    "processing": ("处理中", "processing"),
    "completed": ("已完成", "completed"),
    "failed": ("失败", "failed"),
}


def translator(lang: str) -> Callable[[str], str]:
    index = 1 if lang == "en" else 0
    return lambda key: _TEXT[key][index]
