"""Which app a draft is written for: JianYing (剪映, mainland China) or CapCut (international).

Both apps open the same draft_content.json shape, but each serves its own effect catalogue: a transition, filter,
animation or font has one resource id in JianYing and another (or none) in CapCut, and an id the app does not
know is an effect it cannot download. pyJianYingDraft carries JianYing's catalogues and draft templates, pyCapCut
(same author, same API) CapCut's, so every name resolves through the package of the draft's app.

A draft records its app the way the apps themselves do, in ``last_modified_platform.app_source`` ("lv" is
JianYing, "cc" CapCut: the app writes it on every save, and each package's template carries it). Every edit
reads it from the document, so a draft imported from either app is edited against its own catalogue too, and
no extra field is needed.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any, Literal, cast, get_args

AppName = Literal["jianying", "capcut"]
APPS: tuple[AppName, ...] = get_args(AppName)
DEFAULT_APP: AppName = "jianying"
_PACKAGES: dict[AppName, str] = {"jianying": "pyJianYingDraft", "capcut": "pycapcut"}
_APP_SOURCES: dict[str, AppName] = {"lv": "jianying", "cc": "capcut"}


def library(app: AppName) -> ModuleType:
    """The draft package of `app` (pyJianYingDraft or pycapcut): its templates, catalogues and exporters."""
    return importlib.import_module(_PACKAGES[app])


def app_of(doc: dict[str, Any]) -> AppName:
    """The app a document was written for, from its ``last_modified_platform`` (JianYing when unmarked)."""
    for key in ("last_modified_platform", "platform"):
        marks = doc.get(key)  # an imported draft may hold anything here
        source = marks.get("app_source") if isinstance(marks, dict) else None
        if source in _APP_SOURCES:
            return _APP_SOURCES[cast(str, source)]
    return DEFAULT_APP
