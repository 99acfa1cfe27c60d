"""The hub without a network: publishing, listeners, timers, camera events, restarts."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from alerts.config import AlertsConfig, StorageConfig, TimersConfig
from alerts.errors import Forbidden, NotFound
from alerts.events import Event
from alerts.fanout import Fanout
from alerts.hub import AlertHub
from alerts.messages import CommandRequest
from alerts.principals import Directory, Principal
from alerts.store import EventStore, open_store
from tests.alerts.conftest import CAM_A, counter_ids, detection, plain_event
from tests.alerts.hubfixtures import OPERATOR, PRINCIPALS, RESPONDER, SCOPED
from tests.conftest import UNIT
from video.detection import CameraHealth


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def make_hub(store: EventStore, clock: FakeClock) -> AlertHub:
    cfg = AlertsConfig(timers=TimersConfig(response_s=60, arrival_s=180, control_s=300))
    return AlertHub(store, cfg, Directory(PRINCIPALS), clock, counter_ids())


async def test_listeners_get_every_event_in_order(store: EventStore) -> None:
    got_sync: list[int] = []
    got_async: list[int] = []
    all_in = asyncio.Event()

    async def slow(event: Event) -> None:
        await asyncio.sleep(0)
        got_async.append(event.seq or 0)
        if len(got_async) == 30:
            all_in.set()

    async with make_hub(store, FakeClock()) as hub:
        hub.subscribe(lambda e: got_sync.append(e.seq or 0))
        hub.subscribe(slow)
        await asyncio.gather(*(hub.publish(plain_event(n)) for n in range(30)))
        async with asyncio.timeout(5 * UNIT):
            await all_in.wait()
    assert got_sync == got_async == list(range(1, 31))


async def test_timers_breach_through_tick(store: EventStore) -> None:
    clock = FakeClock()
    async with make_hub(store, clock) as hub:
        opened = await hub.on_detection(detection(CAM_A), CAM_A)
        incident_id = opened[0].incident_id
        assert incident_id is not None
        clock.now += 61
        (breach,) = await hub.tick()
        assert breach.type == "incident.timer_breach" and breach.data["timer"] == "response"
        assert await hub.tick() == []
        await hub.act(incident_id, "false_alarm", OPERATOR, {})
        clock.now += 1000
        assert await hub.tick() == []
        assert hub.incident(incident_id).breaches == ("response",)


async def test_state_survives_a_restart(storage: StorageConfig, data_dir: Path) -> None:
    clock = FakeClock()
    async with open_store(storage, data_dir) as store, make_hub(store, clock) as hub:
        opened = await hub.on_detection(detection(CAM_A), CAM_A)
        incident_id = opened[0].incident_id
        assert incident_id is not None
        await hub.act(incident_id, "dispatch", OPERATOR, {"teams": ["t1"]})
    async with open_store(storage, data_dir) as store, make_hub(store, clock) as hub:
        assert hub.incident(incident_id).state == "dispatched"
        assert hub.fanout.last_seq == 2 and [d.seq for d in hub.fanout.recent] == [1, 2]
        # The restored incident still absorbs detections of its cell.
        again = await hub.on_detection(detection(CAM_A, 2), CAM_A)
        assert again[0].type == "incident.corroborated" and again[0].seq == 3


async def test_visibility_of_incidents_and_actions(store: EventStore) -> None:
    async with make_hub(store, FakeClock()) as hub:
        opened = await hub.on_detection(detection(CAM_A), CAM_A)
        incident_id = opened[0].incident_id
        assert incident_id is not None
        assert hub.incidents(SCOPED) == [] and len(hub.incidents(OPERATOR)) == 1
        with pytest.raises(NotFound):
            await hub.act(incident_id, "verify", SCOPED, {})
        with pytest.raises(NotFound):
            hub.incident("inc-missing")
        await hub.act(incident_id, "dispatch", None, {"teams": ["t1"]})
        assert [i.id for i in hub.incidents(RESPONDER)] == [incident_id]
        with pytest.raises(Forbidden):
            await hub.act(incident_id, "assign", RESPONDER, {"teams": ["t2"]})
        with pytest.raises(Forbidden):
            hub.record_ack(OPERATOR, 99)


async def test_camera_health_changes_become_events(store: EventStore) -> None:
    def health(state: str) -> CameraHealth:
        return CameraHealth("cam-a", state, 1.0, 0, 0, 0, 0, 3, None, 0, "timeout")  # type: ignore[arg-type]

    async with make_hub(store, FakeClock()) as hub:
        assert await hub.on_camera_health(health("online"), CAM_A) is None
        down = await hub.on_camera_health(health("offline"), CAM_A)
        assert down is not None and down.type == "camera.offline" and down.seq == 1
        assert down.data["error"] == "timeout"
        up = await hub.on_camera_health(health("online"), CAM_A)
        assert up is not None and up.type == "camera.online"


def test_fanout_releases_in_seq_order() -> None:
    fanout = Fanout(last_seq=0, recent=3)
    seen: list[int] = []
    fanout.add_listener(lambda item: seen.append(item.seq))
    for seq in (2, 3, 1, 5, 4):
        fanout.release(plain_event(seq).with_seq(seq))
    assert seen == [1, 2, 3, 4, 5]
    assert [d.seq for d in fanout.recent] == [3, 4, 5]
    with pytest.raises(ValueError, match="twice"):
        fanout.release(plain_event(9).with_seq(4))
    with pytest.raises(ValueError, match="no seq"):
        fanout.release(plain_event(9))


async def test_a_command_needs_the_incident_visible_unless_its_handler_authorises(
    store: EventStore,
) -> None:
    ran: list[str] = []

    async def handler(principal: Principal, request: CommandRequest) -> dict[str, str]:
        ran.append(request.name)
        return {"by": principal.id}

    async with make_hub(store, FakeClock()) as hub:
        incident_id = (await hub.on_detection(detection(CAM_A), CAM_A))[0].incident_id
        assert incident_id is not None
        hub.register_command("note", handler)
        hub.register_command("accept", handler, authorises=True)
        # the responder's team is not (yet) on the incident: only the authorising handler runs
        with pytest.raises(NotFound):
            await hub.command(RESPONDER, CommandRequest(v=1, name="note", incident_id=incident_id))
        answer = await hub.command(
            RESPONDER, CommandRequest(v=1, name="accept", incident_id=incident_id)
        )
    assert answer == {"by": RESPONDER.id}
    assert ran == ["accept"]
