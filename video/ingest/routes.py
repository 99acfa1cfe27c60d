"""HTTP routes for camera health: `GET /api/cameras/status` (JSON) and `GET /metrics`.

The status lists only the cameras the caller may see: the application passes a `CameraScope`
that turns a request into a test on camera ids (an operator's cells; a responder sees none).
`/metrics` is for the Prometheus scraper on the hub's own network and is not scoped.
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from video.ingest.metrics import CONTENT_TYPE
from video.ingest.supervisor import IngestSupervisor

SUPERVISOR_KEY = web.AppKey("ingest_supervisor", IngestSupervisor)
CameraScope = Callable[[web.Request], Callable[[str], bool]]
SCOPE_KEY: web.AppKey[CameraScope] = web.AppKey("ingest_camera_scope")


def every_camera(_: web.Request) -> Callable[[str], bool]:
    """The scope of a hub without users (tests, tools): every camera."""
    return lambda _: True


def add_ingest_routes(
    app: web.Application, supervisor: IngestSupervisor, scope: CameraScope = every_camera
) -> None:
    app[SUPERVISOR_KEY] = supervisor
    app[SCOPE_KEY] = scope
    app.router.add_get("/api/cameras/status", _status)
    app.router.add_get("/metrics", _metrics)


async def _status(request: web.Request) -> web.Response:
    supervisor = request.app[SUPERVISOR_KEY]
    visible = request.app[SCOPE_KEY](request)
    cameras = [h.to_json() for h in supervisor.status() if visible(h.camera_id)]
    return web.json_response({"cameras": cameras})


async def _metrics(request: web.Request) -> web.Response:
    text = request.app[SUPERVISOR_KEY].metrics_text()
    return web.Response(body=text.encode(), headers={"Content-Type": CONTENT_TYPE})
