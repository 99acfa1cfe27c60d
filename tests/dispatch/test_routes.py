from __future__ import annotations

from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from dispatch.config import DispatchConfig
from dispatch.coverage import CameraStatus
from dispatch.routes import add_dispatch_routes
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
    add_dispatch_routes(app, service, lambda: [CameraStatus("cam-a", "A", True)])
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
        assert "has not seen incident 'nope'" in (await resp.json())["error"]
        assert (await client.get("/api/incidents/nope/dispatch")).status == 404

        coverage = await (await client.get("/api/coverage")).json()
        assert [c["code"] for c in coverage["unwatched"]] == ["B", "C", "D", "E"]

        teams = await (await client.get("/api/teams")).json()
        rows = {t["id"]: t for t in teams["teams"]}
        assert rows["a1"]["availability"] == "responding"
        assert rows["a1"]["engaged"] == {"inc-1": "responding"}
        assert rows["b1"]["location_source"] == "base"
