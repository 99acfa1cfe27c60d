"""The HTTP API against a real hub on a loopback port: reads, media, actions, commands."""

from __future__ import annotations

from pathlib import Path

import aiohttp

from alerts.messages import CommandRequest
from alerts.principals import Principal
from tests.alerts.conftest import CAM_A, CAM_C, detection
from tests.alerts.hubfixtures import OPERATOR, RESPONDER, SCOPED, RunningHub
from video.detection import ClipReady


def auth(principal: Principal) -> dict[str, str]:
    return {"Authorization": f"Bearer {principal.token}"}


async def test_openapi_is_served_and_reads_need_a_token(
    running: RunningHub, http: aiohttp.ClientSession
) -> None:
    async with http.get(f"{running.url}/api/openapi.json") as resp:
        spec = await resp.json()
    assert spec["openapi"].startswith("3.")
    assert "/api/incidents/{id}/actions" in spec["paths"]
    async with http.get(f"{running.url}/api/incidents") as resp:
        assert resp.status == 401
    async with http.get(f"{running.url}/api/me?token={SCOPED.token}") as resp:
        assert (await resp.json())["principal"]["scope_cells"] == ["cell-2"]


async def test_incidents_timeline_and_media(
    running: RunningHub, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    snapshot = tmp_path / "snap.jpg"
    snapshot.write_bytes(b"\xff\xd8jpeg")
    clip = tmp_path / "clip.mp4"
    clip.write_bytes(b"mp4 bytes")
    opened = await running.hub.on_detection(detection(CAM_A, snapshot=str(snapshot)), CAM_A)
    incident_id = opened[0].incident_id
    assert incident_id is not None
    await running.hub.on_clip(ClipReady("det-cam-a-1", "cam-a", str(clip), 0.0, 20.0))
    await running.hub.on_detection(detection(CAM_C), CAM_C)
    base = f"{running.url}/api/incidents"

    async with http.get(base, headers=auth(OPERATOR)) as resp:
        assert len((await resp.json())["incidents"]) == 2
    async with http.get(base, headers=auth(SCOPED)) as resp:
        assert [i["grid"] for i in (await resp.json())["incidents"]] == ["cell-2"]
    async with http.get(f"{base}/{incident_id}", headers=auth(OPERATOR)) as resp:
        read = (await resp.json())["incident"]
    # Media as URLs, never the host's file paths.
    assert read["snapshots"] == [f"/api/incidents/{incident_id}/snapshot/0"]
    assert read["clips"] == [f"/api/incidents/{incident_id}/clip/0"]
    async with http.get(f"{base}/{incident_id}", headers=auth(SCOPED)) as resp:
        assert resp.status == 404
        assert (await resp.json())["code"] == "not_found"
    async with http.get(f"{base}/{incident_id}/timeline", headers=auth(OPERATOR)) as resp:
        types = [e["type"] for e in (await resp.json())["events"]]
    assert types == ["incident.opened", "incident.media"]
    async with http.get(f"{base}/{incident_id}/snapshot/0", headers=auth(OPERATOR)) as resp:
        assert resp.status == 200 and await resp.read() == b"\xff\xd8jpeg"
    async with http.get(f"{base}/{incident_id}/clip/0", headers=auth(OPERATOR)) as resp:
        assert resp.status == 200 and await resp.read() == b"mp4 bytes"
    async with http.get(f"{base}/{incident_id}/clip/1", headers=auth(OPERATOR)) as resp:
        assert resp.status == 404
    async with http.get(f"{running.url}/api/events?since=1", headers=auth(SCOPED)) as resp:
        page = await resp.json()
    assert [e["type"] for e in page["events"]] == ["incident.opened"]
    assert (page["through"], page["last_seq"]) == (3, 3)


async def test_actions_and_commands(running: RunningHub, http: aiohttp.ClientSession) -> None:
    async def locate(principal: Principal, request: CommandRequest) -> dict[str, object]:
        return {"who": principal.id, "where": request.data.get("at")}

    running.hub.register_command("location", locate)
    opened = await running.hub.on_detection(detection(CAM_A), CAM_A)
    actions = f"{running.url}/api/incidents/{opened[0].incident_id}/actions"
    body = {"v": 1, "action": "dispatch", "data": {"teams": ["t1"]}}
    async with http.post(actions, json=body, headers=auth(OPERATOR)) as resp:
        events = (await resp.json())["events"]
    assert events[0]["data"]["to"] == "dispatched" and events[0]["audience_teams"] == ["t1"]
    # Now the responder's team is on it: the responder sees it and may act.
    async with http.post(
        actions, json={"v": 1, "action": "arrive"}, headers=auth(RESPONDER)
    ) as resp:
        assert (await resp.json())["events"][0]["actor"] == "member:m1"
    async with http.post(
        actions, json={"v": 1, "action": "verify"}, headers=auth(OPERATOR)
    ) as resp:
        assert resp.status == 409
        assert "'on_scene'" in (await resp.json())["message"]
    async with http.post(actions, json={"v": 1}, headers=auth(OPERATOR)) as resp:
        assert resp.status == 400 and "action" in (await resp.json())["message"]
    async with http.post(actions, data=b"{", headers=auth(OPERATOR)) as resp:
        assert resp.status == 400
    command = {"v": 1, "name": "location", "data": {"at": [120.0, 30.0]}}
    async with http.post(
        f"{running.url}/api/commands", json=command, headers=auth(RESPONDER)
    ) as resp:
        assert (await resp.json())["data"] == {"who": "m1", "where": [120.0, 30.0]}
