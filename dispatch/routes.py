"""Dispatch's read-only HTTP API, added to the hub's aiohttp application.

- `GET /api/incidents/{id}/recommendation`: `Recommendation.to_json()` as of now
- `GET /api/incidents/{id}/dispatch`: the call-up's measures (`IncidentMeasures.to_json()`)
- `GET /api/coverage`: `CoverageReport.to_json()` from live team positions and camera health
- `GET /api/teams`: `{"v": 1, "teams": [ResponderRegistry.snapshot(...), …]}`

Authentication is the application's middleware's job; scoping is done here, from the
`ReadScope` the application derives from each request: an operator or leader sees the cells of
their scope (the whole grid when unscoped), a responder only their own team and the incidents
their team was called to. An incident the caller may not see answers exactly as an unknown one,
a 404, so ids cannot be probed; coverage is refused to responders (403). Errors have the alert
API's shape, `{"v": 1, "type": "error", "code": ..., "message": ...}`, so a client reads one.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from aiohttp import web

from alerts.principals import Principal, sees
from dispatch.coverage import CameraStatus, coverage_report, spots_from_registry
from dispatch.errors import UnknownIncident
from dispatch.service import DispatchService

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class ReadScope:
    """What one caller may read, by the alert API's own visibility rule (`alerts.principals`).

    `principal`: the caller (None where there is none to tell: tools, tests; they see all).
    `sees_incident`: whether the caller may see an incident, by id (the alert hub's answer).
    """

    principal: Principal | None
    sees_incident: Callable[[str], bool]

    @property
    def responder(self) -> bool:
        return self.principal is not None and self.principal.role == "responder"

    @property
    def whole_grid(self) -> bool:
        return self.principal is None or self.principal.scope_cells is None

    def sees_cell(self, code: str) -> bool:
        return self.principal is None or sees(self.principal, code, ())

    def sees_team(self, team_id: str, cell: str) -> bool:
        return self.principal is None or sees(self.principal, cell, (team_id,))


UNSCOPED = ReadScope(None, lambda _: True)
ScopeOf = Callable[[web.Request], ReadScope]


def add_dispatch_routes(
    app: web.Application,
    service: DispatchService,
    cameras: Callable[[], Sequence[CameraStatus]],
    scope_of: ScopeOf,
) -> None:
    """`cameras` returns each camera's id, cell and whether it is online right now; `scope_of`
    tells what the caller of a request may read (`UNSCOPED` where there is no caller to tell)."""

    def visible_incident(request: web.Request) -> str:
        incident_id = request.match_info["incident_id"]
        if not scope_of(request).sees_incident(incident_id):
            raise _error(
                web.HTTPNotFound, "not_found", f"no incident {incident_id!r} visible to you"
            )
        return incident_id

    async def recommendation(request: web.Request) -> web.Response:
        try:
            rec = service.recommendation(visible_incident(request))
        except UnknownIncident as exc:
            raise _error(web.HTTPNotFound, "not_found", str(exc)) from None
        return web.json_response(rec.to_json())

    async def dispatch_measures(request: web.Request) -> web.Response:
        try:
            measures = service.measures(visible_incident(request))
        except UnknownIncident as exc:
            raise _error(web.HTTPNotFound, "not_found", str(exc)) from None
        return web.json_response(measures.to_json())

    async def coverage(request: web.Request) -> web.Response:
        scope = scope_of(request)
        if scope.responder:
            raise _error(web.HTTPForbidden, "forbidden", "coverage is for operators and leaders")
        report = coverage_report(
            service.grid,
            spots_from_registry(service.registry),
            cameras(),
            service.registry.travel,
        )
        if not scope.whole_grid:
            report = dataclasses.replace(
                report,
                cells=tuple(c for c in report.cells if scope.sees_cell(c.code)),
                unknown_camera_cells=(),  # cameras outside the grid are the admin's to see
            )
        return web.json_response(report.to_json())

    async def teams(request: web.Request) -> web.Response:
        scope = scope_of(request)
        rows = [
            service.registry.snapshot(team.id)
            for team in service.registry
            if scope.sees_team(team.id, team.config.grid)
        ]
        return web.json_response({"v": SCHEMA_VERSION, "teams": rows})

    app.router.add_get("/api/incidents/{incident_id}/recommendation", recommendation)
    app.router.add_get("/api/incidents/{incident_id}/dispatch", dispatch_measures)
    app.router.add_get("/api/coverage", coverage)
    app.router.add_get("/api/teams", teams)


def _error(status: type[web.HTTPException], code: str, message: str) -> web.HTTPException:
    body = {"v": SCHEMA_VERSION, "type": "error", "code": code, "message": message}
    return status(text=json.dumps(body), content_type="application/json")
