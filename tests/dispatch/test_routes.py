from __future__ import annotations

from typing import Any

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from alerts.principals import Principal
from dispatch.config import DispatchConfig
from dispatch.coverage import CameraStatus
from dispatch.routes import UNSCOPED, ReadScope, add_dispatch_routes
from dispatch.service import DispatchService
from tests.dispatch.township import FakeClock, ListTimeline, build_grid, build_registry, opened


async def test_the_read_api() -> None:
    clock = FakeClock()
    service = DispatchService(
        build_grid(), build_registry(clock), DispatchConfig(), ListTimeline(), None, clock
    )
    await service.on_event(opened("inc-1", "A", (120.1095, 30.205)))
    await service.command("a1-m0", "a1", "accept", {"incident_id": "inc-1"})
    app = web.Application()
    add_dispatch_routes(
        app, service, lambda: [CameraStatus("cam-a", "A", True)], lambda _: UNSCOPED
    )
    async with TestClient(TestServer(app)) as client:
        resp = await client.get("/api/incidents/inc-1/recommendation")
        assert resp.status == 200
        rec = await resp.json()
        assert rec["v"] == 1 and rec["incident_id"] == "inc-1"
        assert [e["team_id"] for e in rec["excluded"]] == ["a1"]  # responding now

        resp = await client.get("/api/incidents/inc-1/dispatch")
        measures = await resp.json()
        assert measures["accepted"] == 1 and measures["first_accept_s"] == 0.0

        resp = await client.get("/api/incidents/nope/recommendation")
        assert resp.status == 404
        assert "has not seen incident 'nope'" in (await resp.json())["message"]
        assert (await client.get("/api/incidents/nope/dispatch")).status == 404

        coverage = await (await client.get("/api/coverage")).json()
        assert [c["code"] for c in coverage["unwatched"]] == ["B", "C", "D", "E"]

        teams = await (await client.get("/api/teams")).json()
        rows = {t["id"]: t for t in teams["teams"]}
        assert rows["a1"]["availability"] == "responding"
        assert rows["a1"]["engaged"] == {"inc-1": "responding"}
        assert rows["b1"]["location_source"] == "base"


SCOPES = {
    # an operator of community A, a responder of team b1, a leader of the whole township
    "op-a": ReadScope(
        Principal("op-a", "operator", "operator of A", "t-op-a", frozenset({"A"})),
        lambda incident_id: incident_id == "inc-1",
    ),
    "b1": ReadScope(
        Principal("b1-m0", "responder", "member of b1", "t-b1", team_id="b1"), lambda _: False
    ),
    "leader": ReadScope(Principal("boss", "leader", "duty leader", "t-boss"), lambda _: True),
}


def _scope_from_header(request: web.Request) -> ReadScope:
    return SCOPES[request.headers["X-Caller"]]


async def test_each_caller_reads_only_their_scope() -> None:
    clock = FakeClock()
    service = DispatchService(
        build_grid(), build_registry(clock), DispatchConfig(), ListTimeline(), None, clock
    )
    await service.on_event(opened("inc-1", "A", (120.1095, 30.205)))
    await service.on_event(opened("inc-2", "B", (120.1195, 30.205)))
    app = web.Application()
    cameras = [CameraStatus("cam-a", "A", True), CameraStatus("cam-x", "X", True)]
    add_dispatch_routes(app, service, lambda: cameras, _scope_from_header)
    async with TestClient(TestServer(app)) as client:

        async def get(caller: str, path: str) -> tuple[int, Any]:
            resp = await client.get(path, headers={"X-Caller": caller})
            return resp.status, await resp.json()

        status, body = await get("op-a", "/api/teams")
        assert {t["id"] for t in body["teams"]} == {"a1", "a2"}
        status, body = await get("b1", "/api/teams")
        assert [t["id"] for t in body["teams"]] == ["b1"]
        status, body = await get("leader", "/api/teams")
        assert {t["id"] for t in body["teams"]} == {"a1", "a2", "b1", "c1", "e1"}

        # an incident out of scope answers like an unknown one: its id cannot be probed
        for path in ("/api/incidents/inc-2/recommendation", "/api/incidents/inc-2/dispatch"):
            status, body = await get("op-a", path)
            assert status == 404 and body == {
                "v": 1,
                "type": "error",
                "code": "not_found",
                "message": "no incident 'inc-2' visible to you",
            }
        assert (await get("op-a", "/api/incidents/inc-1/recommendation"))[0] == 200
        assert (await get("b1", "/api/incidents/inc-1/dispatch"))[0] == 404
        assert (await get("leader", "/api/incidents/inc-2/dispatch"))[0] == 200

        status, body = await get("op-a", "/api/coverage")
        assert status == 200
        assert [c["code"] for c in body["cells"]] == ["A"]
        assert body["unknown_camera_cells"] == []
        status, body = await get("leader", "/api/coverage")
        assert [c["code"] for c in body["cells"]] == ["A", "B", "C", "D", "E"]
        assert body["unknown_camera_cells"] == ["X"]
        status, body = await get("b1", "/api/coverage")
        assert status == 403 and body["code"] == "forbidden"
        assert "operators and leaders" in body["message"]
