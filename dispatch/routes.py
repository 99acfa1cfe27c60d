"""Dispatch's read-only HTTP API, added to the hub's aiohttp application.

- `GET /api/incidents/{id}/recommendation`: `Recommendation.to_json()` as of now
- `GET /api/incidents/{id}/dispatch`: the call-up's measures (`IncidentMeasures.to_json()`)
- `GET /api/coverage`: `CoverageReport.to_json()` from live team positions and camera health
- `GET /api/teams`: `{"v": 1, "teams": [ResponderRegistry.snapshot(...), …]}`

Authentication and scoping are the application's middleware's job; these handlers only read.
An unknown incident is a 404 with `{"error": "..."}`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence

from aiohttp import web

from dispatch.coverage import CameraStatus, coverage_report, spots_from_registry
from dispatch.errors import UnknownIncident
from dispatch.service import DispatchService

SCHEMA_VERSION = 1


def add_dispatch_routes(
    app: web.Application,
    service: DispatchService,
    cameras: Callable[[], Sequence[CameraStatus]],
) -> None:
    """`cameras` returns each camera's id, cell and whether it is online right now."""

    async def recommendation(request: web.Request) -> web.Response:
        try:
            rec = service.recommendation(request.match_info["incident_id"])
        except UnknownIncident as exc:
            raise web.HTTPNotFound(text=_error(str(exc)), content_type="application/json") from None
        return web.json_response(rec.to_json())

    async def dispatch_measures(request: web.Request) -> web.Response:
        try:
            measures = service.measures(request.match_info["incident_id"])
        except UnknownIncident as exc:
            raise web.HTTPNotFound(text=_error(str(exc)), content_type="application/json") from None
        return web.json_response(measures.to_json())

    async def coverage(request: web.Request) -> web.Response:
        report = coverage_report(
            service.grid,
            spots_from_registry(service.registry),
            cameras(),
            service.registry.travel,
        )
        return web.json_response(report.to_json())

    async def teams(request: web.Request) -> web.Response:
        rows = [service.registry.snapshot(team.id) for team in service.registry]
        return web.json_response({"v": SCHEMA_VERSION, "teams": rows})

    app.router.add_get("/api/incidents/{incident_id}/recommendation", recommendation)
    app.router.add_get("/api/incidents/{incident_id}/dispatch", dispatch_measures)
    app.router.add_get("/api/coverage", coverage)
    app.router.add_get("/api/teams", teams)


def _error(message: str) -> str:
    return json.dumps({"error": message})
