"""A fire on a camera calls up the nearest teams, escalates when they stay silent, and a phone
that accepts and arrives moves the incident to on-scene; all on the real hub, phones being real
websocket clients."""

from __future__ import annotations

import asyncio
import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import websockets
from websockets.asyncio.client import ClientConnection

from tests.conftest import UNIT
from tests.hub_process import HubProcess, camera, township
from video.footage import shipped_clip

DONGSHAN = "330106003001"
# one member's phone per team of the demo township
PHONES = {
    "team-dongshan-patrol": "demo-member-zhou",
    "team-dongshan-security": "demo-member-zheng",
    "team-xixi-patrol": "demo-member-sun",
    "team-nantang-volunteers": "demo-member-qian",
    "team-township-brigade": "demo-member-he",
    "team-beiyuan-station": "demo-member-lv",
}


class Phone:
    """A member's phone: collects the events it is shown, sends commands."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.events: list[dict[str, Any]] = []
        self.results: dict[str, dict[str, Any]] = {}
        self._changed = asyncio.Event()
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for raw in self.ws:
            frame = json.loads(raw)
            if "seq" in frame:
                self.events.append(frame)
            elif frame.get("type") in ("result", "error"):
                self.results[frame.get("ref") or ""] = frame
            self._changed.set()

    async def wait_for(self, predicate: Any, within: float) -> dict[str, Any]:
        async with asyncio.timeout(within):
            while True:
                for item in [*self.events, *self.results.values()]:
                    if predicate(item):
                        return item
                self._changed.clear()
                await self._changed.wait()

    async def command(
        self, name: str, incident_id: str | None, data: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        ref = f"{name}-{(incident_id or '')[:8]}"
        frame = {
            "v": 1,
            "type": "command",
            "id": ref,
            "name": name,
            "incident_id": incident_id,
            "data": data or {},
        }
        await self.ws.send(json.dumps(frame))
        return await self.wait_for(lambda f: f.get("ref") == ref, 10 * UNIT)

    async def close(self) -> None:
        await self.ws.close()
        await self._reader


def yard_township(ack_timeout_s: float) -> dict[str, Any]:
    return township(
        [camera("cam-yard", str(shipped_clip("house6.mp4")), grid=DONGSHAN)],
        dispatch={
            "duty_leader": "leader-wang",
            "escalation": {
                "ack_timeout_s": ack_timeout_s,
                "tier_size": 2,
                "page_leader_after_tier": 1,
            },
        },
    )


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[HubProcess]:
    process = HubProcess(yard_township(4 * UNIT), tmp_path).start()
    yield process
    process.stop()


async def connect(hub: HubProcess, token: str) -> Phone:
    return Phone(await websockets.connect(f"{hub.ws_url}?token={token}&since=0"))


def called(team: str) -> Any:
    return lambda f: f.get("type") == "dispatch.callup" and f["data"]["team_id"] == team


async def test_silence_escalates_and_an_accepting_phone_brings_the_incident_on_scene(
    hub: HubProcess,
) -> None:
    console = await connect(hub, hub.token)  # the operator sees every event of the township
    phones = {team: await connect(hub, token) for team, token in PHONES.items()}
    try:
        first = await phones["team-dongshan-patrol"].wait_for(
            called("team-dongshan-patrol"), 60 * UNIT
        )
        incident = first["incident_id"]
        assert first["data"]["tier"] == 1
        await phones["team-dongshan-security"].wait_for(called("team-dongshan-security"), 5 * UNIT)
        # nobody in Dongshan answers: tier 2 reaches beyond the cell by itself
        escalated = await console.wait_for(
            lambda f: f.get("type") == "dispatch.callup" and f["data"]["tier"] == 2,
            20 * UNIT,
        )
        team = escalated["data"]["team_id"]
        assert team not in ("team-dongshan-patrol", "team-dongshan-security")
        responder = phones[team]
        await responder.wait_for(called(team), 5 * UNIT)
        accepted = await responder.command("accept", incident)
        assert accepted["type"] == "result", accepted
        arrived = await responder.command("arrived", incident)
        assert arrived["type"] == "result", arrived
        on_scene = await responder.wait_for(
            lambda f: f.get("type") == "incident.transition" and f["data"]["to"] == "on_scene",
            10 * UNIT,
        )
        assert on_scene["incident_id"] == incident
        # each phone sees only its own team's call-ups
        for own, phone in phones.items():
            callups = [e for e in phone.events if e["type"] == "dispatch.callup"]
            assert all(e["data"]["team_id"] == own for e in callups), (own, callups)
        never_called = [
            own
            for own, phone in phones.items()
            if not any(e["type"] == "dispatch.callup" for e in phone.events)
        ]
    finally:
        for phone in (console, *phones.values()):
            await phone.close()

    # the dispatch API answers each phone within its team's reach, as the event stream does
    assert never_called, "every team was called: nobody left to check the scoping with"
    outsider = PHONES[never_called[0]]
    for token, status in ((PHONES[team], 200), (outsider, 404), (hub.token, 200)):
        got, _ = await asyncio.to_thread(
            get_json, hub, f"/api/incidents/{incident}/dispatch", token
        )
        assert got == status, (token, got)
    _, teams = await asyncio.to_thread(get_json, hub, "/api/teams", PHONES[team])
    assert [t["id"] for t in teams["teams"]] == [team]
    got, _ = await asyncio.to_thread(get_json, hub, "/api/coverage", PHONES[team])
    assert got == 403

    timeline = await asyncio.to_thread(fetch_timeline, hub, incident)
    kinds = [e["type"] for e in timeline]
    for expected in (
        "incident.opened",
        "dispatch.callup",
        "dispatch.timeout",
        "dispatch.escalated",
        "dispatch.leader_paged",
        "dispatch.call_119",
        "dispatch.accepted",
        "dispatch.arrived",
    ):
        assert expected in kinds, (expected, kinds)
    moves = [e["data"] for e in timeline if e["type"] == "incident.transition"]
    states = [m["to"] for m in moves if m["action"] != "assign"]
    assert states == ["dispatched", "responding", "on_scene"], states
    # every team called up joined the incident, the tier-2 one included
    assert any(team in m.get("teams", []) for m in moves), moves


async def test_a_hub_killed_mid_call_up_carries_it_on_after_a_restart(tmp_path: Path) -> None:
    config = yard_township(15 * UNIT)
    crashed = HubProcess(config, tmp_path).start()
    try:
        phone = await connect(crashed, PHONES["team-dongshan-patrol"])
        station = await connect(crashed, PHONES["team-beiyuan-station"])
        try:
            callup = await phone.wait_for(called("team-dongshan-patrol"), 60 * UNIT)
            off = await station.command("set_duty", None, {"on_duty": False})
            assert off["type"] == "result" and off["data"]["on_duty"] is False, off
        finally:
            await phone.close()
            await station.close()
    finally:
        crashed.kill()
    incident = callup["incident_id"]

    restarted = HubProcess(config, tmp_path).start()  # the same data directory
    try:
        console = await connect(restarted, restarted.token)
        patrol = await connect(restarted, PHONES["team-dongshan-patrol"])
        try:
            # the call's deadline survived: the silent tier-1 team times out after the restart
            timeout = await console.wait_for(
                lambda f: (
                    f.get("type") == "dispatch.timeout"
                    and f["data"]["team_id"] == "team-dongshan-security"
                ),
                40 * UNIT,
            )
            assert timeout["incident_id"] == incident
            # and the phone's late accept of the old incident is counted, not refused
            accepted = await patrol.command("accept", incident)
            assert accepted["type"] == "result", accepted
            assert accepted["data"]["status"] == "accepted"
            # a team sent off duty before the crash is still off duty
            _, body = await asyncio.to_thread(get_json, restarted, "/api/teams", restarted.token)
            duty = {t["id"]: t["on_duty"] for t in body["teams"]}
            assert duty["team-beiyuan-station"] is False and duty["team-dongshan-patrol"] is True
        finally:
            await console.close()
            await patrol.close()
    finally:
        restarted.stop()


def get_json(hub: HubProcess, path: str, token: str) -> tuple[int, Any]:
    request = urllib.request.Request(
        f"{hub.base}{path}", headers={"Authorization": f"Bearer {token}"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        try:
            return err.code, json.loads(err.read())
        finally:
            err.close()


def fetch_timeline(hub: HubProcess, incident: str) -> list[dict[str, Any]]:
    request = urllib.request.Request(
        f"{hub.base}/api/incidents/{incident}/timeline",
        headers={"Authorization": f"Bearer {hub.token}"},
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        body: dict[str, Any] = json.loads(response.read())
    events: list[dict[str, Any]] = body["events"]
    return events
