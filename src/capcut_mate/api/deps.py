"""Access to the process's Services from a request."""

from __future__ import annotations

from fastapi import Request

from capcut_mate.services import Services


async def services(request: Request) -> Services:
    """Resolved on the event loop: no thread-pool hop, which is costly when renders keep every core busy."""
    svc: Services = request.app.state.services
    return svc
