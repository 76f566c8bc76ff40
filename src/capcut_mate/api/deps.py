"""Access to the process's Services from a request."""

from __future__ import annotations

from fastapi import Request

from capcut_mate.services import Services


def services(request: Request) -> Services:
    return request.app.state.services
