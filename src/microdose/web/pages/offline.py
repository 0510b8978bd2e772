"""The installable app: its manifest, its service worker (at the root, so its scope is the
whole app) and the page shown offline for a page not kept on the device.

These are public like ``/static``: they hold no personal data.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse

from microdose.web.platform.views import render

STATIC = Path(__file__).resolve().parents[1] / "static"

router = APIRouter(include_in_schema=False)


@router.get("/manifest.webmanifest")
def manifest() -> FileResponse:
    """The web app manifest (name, icons, start page), so the app installs to a home screen."""
    return FileResponse(STATIC / "manifest.webmanifest", media_type="application/manifest+json")


@router.get("/sw.js")
def service_worker() -> FileResponse:
    """The service worker, never cached by HTTP: a new version takes over at the next visit."""
    return FileResponse(STATIC / "sw.js", media_type="text/javascript",
                        headers={"Cache-Control": "no-cache"})


@router.get("/offline", response_class=HTMLResponse)
def offline_page(request: Request) -> HTMLResponse:
    """What a page not kept on this device shows while offline (the worker keeps a copy)."""
    return render(request, "offline.html", {"theme": None})
