"""Headless renderer: a draft document + a media resolver -> an MP4 and a render report.

Knows nothing about HTTP, jobs or stores; see plan.py (draft -> plan), prepare.py, graph.py, run.py.
"""

from capcut_mate.render.engine import render_draft
from capcut_mate.render.errors import RenderError
from capcut_mate.render.options import RenderOptions
from capcut_mate.render.paths import DraftMediaResolver, load_draft
from capcut_mate.render.report import RenderReport

__all__ = ["DraftMediaResolver", "RenderError", "RenderOptions", "RenderReport", "load_draft", "render_draft"]
