"""HTTP routes for camera health: `GET /api/cameras/status` (JSON) and `GET /metrics`."""

from __future__ import annotations

from aiohttp import web

from video.ingest.metrics import CONTENT_TYPE
from video.ingest.supervisor import IngestSupervisor

SUPERVISOR_KEY = web.AppKey("ingest_supervisor", IngestSupervisor)


def add_ingest_routes(app: web.Application, supervisor: IngestSupervisor) -> None:
    app[SUPERVISOR_KEY] = supervisor
    app.router.add_get("/api/cameras/status", _status)
    app.router.add_get("/metrics", _metrics)


async def _status(request: web.Request) -> web.Response:
    supervisor = request.app[SUPERVISOR_KEY]
    return web.json_response({"cameras": [h.to_json() for h in supervisor.status()]})


async def _metrics(request: web.Request) -> web.Response:
    text = request.app[SUPERVISOR_KEY].metrics_text()
    return web.Response(body=text.encode(), headers={"Content-Type": CONTENT_TYPE})
