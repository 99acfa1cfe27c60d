"""The console's static pages, served by the hub next to the API they call."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

STATIC = Path(__file__).parent / "static"


async def _index(request: web.Request) -> web.FileResponse:
    return web.FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-cache"})


def add_console_routes(app: web.Application) -> None:
    """`/` is the dispatch console; its token comes in the URL (`/?token=…`) or local storage."""
    app.router.add_get("/", _index)
    app.router.add_static("/static/", STATIC, append_version=False)
