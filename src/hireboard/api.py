"""The /v1 API: every domain's ``endpoints.py`` router is mounted here."""

from __future__ import annotations

from fastapi import APIRouter

from hireboard.kit.routing import JSONRoute


def v1_router() -> APIRouter:
    """All versioned routes; domains add ``router.include_router(<domain>.endpoints.router)``."""
    return APIRouter(prefix="/v1", route_class=JSONRoute)
