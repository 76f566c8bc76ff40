"""Headless renderer: a draft document + a media resolver -> an MP4 and a render report.

Knows nothing about HTTP, jobs or stores. The pipeline, one sub-package a stage: plan/ (draft -> plan), prepare/
(media and stills), graph/ (the ffmpeg filter graph), run.py (the ffmpeg process); text/ draws captions;
chunking/ splits long timelines; engine.py and preview.py drive it.
"""

from capcut_mate.render.engine import render_draft, render_plan
from capcut_mate.render.errors import RenderError
from capcut_mate.render.options import RenderOptions
from capcut_mate.render.plan.model import Plan
from capcut_mate.render.prepare.paths import DraftMediaResolver, load_draft
from capcut_mate.render.report import RenderReport

__all__ = [
    "DraftMediaResolver",
    "Plan",
    "RenderError",
    "RenderOptions",
    "RenderReport",
    "load_draft",
    "render_draft",
    "render_plan",
]
