from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from alerts.events import Event
from dispatch.config import DispatchConfig, EscalationConfig
from dispatch.errors import CommandRejected, UnknownIncident
from dispatch.service import DispatchService
from tests.conftest import UNIT
from tests.dispatch.township import (
    T0,
    FakeClock,
    ListTimeline,
    build_grid,
    build_registry,
    opened,
    transition,
)

FIRE = (120.1095, 30.205)  # in A, near B: tier 1 = a2, a1; tier 2 = b1, c1; then e1


def make(clock: FakeClock, **policy: object) -> tuple[DispatchService, ListTimeline]:
    timeline = ListTimeline()
    cfg = DispatchConfig(escalation=EscalationConfig.model_validate(policy), duty_leader="leader-1")
    service = DispatchService(build_grid(), build_registry(clock), cfg, timeline, None, clock)
    return service, timeline


async def open_fire(service: DispatchService, incident_id: str = "inc-1") -> None:
    await service.on_event(opened(incident_id, "A", FIRE))


def status_of(timeline: ListTimeline, team_id: str) -> list[str]:
    return [e.data["availability"] for e in timeline.of("dispatch.team_status") if
            e.data["team_id"] == team_id]  # fmt: skip


async def test_an_opened_incident_is_ranked_and_called_up() -> None:
    service, timeline = make(FakeClock())
    await open_fire(service)
    assert timeline.types()[:4] == [
        "dispatch.recommendation",
        "dispatch.responsible_paged",
        "dispatch.callup",
        "dispatch.callup",
    ]
    rec = timeline.events[0]
    assert [c["team_id"] for c in rec.data["candidates"]] == ["b1", "a2", "a1", "c1", "e1"]
    calls = timeline.of("dispatch.callup")
    assert [(e.audience_teams, e.grid, e.incident_id) for e in calls] == [
        (("a2",), "A", "inc-1"),
        (("a1",), "A", "inc-1"),
    ]
    assert calls[0].data["deadline"] == T0 + 45 and calls[0].data["camera_id"] == "cam-1"
    assert calls[0].data["candidate"]["why"]
    assert status_of(timeline, "a2") == ["called"]
    assert [e.seq for e in timeline.events] == list(range(1, len(timeline.events) + 1))
    await service.on_event(opened("inc-1", "A", FIRE))  # a replay changes nothing
    assert len(timeline.of("dispatch.recommendation")) == 1
    await service.on_event(Event("camera.offline", T0, "system", {}, "x"))
    assert service.recommendation("inc-1").candidates[0].team_id == "b1"


async def test_accepting_stands_the_others_down() -> None:
    service, timeline = make(FakeClock())
    await open_fire(service)
    timeline.clear()
    reply = await service.command("a1-m0", "a1", "accept", {}, incident_id="inc-1")
    assert reply == {
        "ok": True,
        "command": "accept",
        "incident_id": "inc-1",
        "team_id": "a1",
        "status": "accepted",
        "answered_by": "member:a1-m0",
        "counted": True,
    }
    accepted = timeline.of("dispatch.accepted")[0]
    assert (accepted.actor, accepted.audience_teams) == ("member:a1-m0", ("a1",))
    assert timeline.of("dispatch.stood_down")[0].data["team_id"] == "a2"
    assert status_of(timeline, "a1") == ["responding"]
    assert status_of(timeline, "a2") == ["available"]


async def test_two_members_accepting_at_once_count_once() -> None:
    service, timeline = make(FakeClock(), required_accepts=2)
    await open_fire(service)
    first, second = await asyncio.gather(
        service.command("member:a1-m0", "a1", "accept", {"incident_id": "inc-1"}),
        service.command("member:a1-m1", "a1", "accept", {"incident_id": "inc-1"}),
    )
    assert [first["counted"], second["counted"]] == [True, False]
    assert first["answered_by"] == second["answered_by"] == "member:a1-m0"
    assert len(timeline.of("dispatch.accepted")) == 1
    assert service.callup("inc-1").accepted == 1


async def test_silence_escalates_and_pages_the_leader() -> None:
    clock = FakeClock()
    service, timeline = make(clock)
    await open_fire(service)
    timeline.clear()
    clock.advance(45)
    await service.tick()
    assert timeline.types() == [
        "dispatch.timeout",
        "dispatch.timeout",
        "dispatch.escalated",
        "dispatch.callup",
        "dispatch.callup",
        "dispatch.team_status",  # the order of status events follows the actions' teams
        "dispatch.team_status",
        "dispatch.team_status",
        "dispatch.team_status",
    ]
    assert [e.audience_teams for e in timeline.of("dispatch.callup")] == [("b1",), ("c1",)]
    timeline.clear()
    clock.advance(45)
    await service.tick()
    paged = timeline.of("dispatch.leader_paged")[0]
    assert paged.data == {"leader": "leader-1", "tier": 2}
    prompt = timeline.of("dispatch.call_119")[0]
    assert prompt.data["location"] == list(FIRE) and prompt.audience_teams == ()
    assert [e.audience_teams for e in timeline.of("dispatch.callup")] == [("e1",)]
    clock.advance(45)
    await service.tick()
    assert timeline.of("dispatch.exhausted")[0].data == {"tier": 3, "accepted": 0, "required": 1}
    m = service.measures("inc-1")
    assert m.leader_paged and m.exhausted and m.first_accept_s is None


async def test_a_decline_calls_the_next_team() -> None:
    service, timeline = make(FakeClock())
    await open_fire(service)
    timeline.clear()
    reply = await service.command(
        "a2-m1", "a2", "decline", {"incident_id": "inc-1", "reason": "at another fire"}
    )
    assert reply["status"] == "declined"
    declined = timeline.of("dispatch.declined")[0]
    assert declined.data == {"team_id": "a2", "member": "member:a2-m1", "reason": "at another fire"}
    assert [e.data["team_id"] for e in timeline.of("dispatch.callup")] == ["b1"]


async def test_operators_add_and_remove_teams() -> None:
    service, timeline = make(FakeClock())
    await open_fire(service)
    timeline.clear()
    await service.command("user:op", None, "add_team", {"incident_id": "inc-1", "team_id": "e1"})
    added = timeline.of("dispatch.team_added")[0]
    assert (added.actor, added.audience_teams) == ("user:op", ("e1",))
    assert added.data["candidate"]["team_id"] == "e1"
    await service.command("op", None, "remove_team", {"incident_id": "inc-1", "team_id": "a1"})
    removed = timeline.of("dispatch.team_removed")[0]
    assert (removed.actor, removed.audience_teams) == ("user:op", ("a1",))
    assert service.registry.team("a1").availability == "available"
    with pytest.raises(CommandRejected, match="removed from inc-1"):
        await service.command("a1-m0", "a1", "accept", {"incident_id": "inc-1"})
    with pytest.raises(CommandRejected, match="no team 'zz'"):
        await service.command("op", None, "add_team", {"incident_id": "inc-1", "team_id": "zz"})


async def test_commands_that_do_not_apply_are_rejected() -> None:
    service, _ = make(FakeClock())
    await open_fire(service)
    with pytest.raises(CommandRejected, match="member 'a1-m0' is not in team 'b1'"):
        await service.command("a1-m0", "b1", "accept", {"incident_id": "inc-1"})
    with pytest.raises(UnknownIncident):
        await service.command("a1-m0", "a1", "accept", {"incident_id": "inc-9"})
    with pytest.raises(UnknownIncident):  # the incident beside the payload, as the hub sends it
        await service.command("a1-m0", "a1", "decline", {}, incident_id="inc-9")
    with pytest.raises(CommandRejected, match="payload: incident_id: Extra inputs"):
        await service.command("a1-m0", "a1", "location", {"location": [1, 2]}, incident_id="i")
    with pytest.raises(CommandRejected, match="bad 'accept' payload: extra: Extra inputs"):
        await service.command("a1-m0", "a1", "accept", {"incident_id": "inc-1", "extra": 1})
    with pytest.raises(CommandRejected, match="a member may not send 'add_team'"):
        await service.command("a1-m0", "a1", "add_team", {"incident_id": "inc-1", "team_id": "a1"})
    with pytest.raises(CommandRejected, match="a user may not send 'accept'"):
        await service.command("op", None, "accept", {"incident_id": "inc-1"})
    with pytest.raises(CommandRejected, match="unknown dispatch command 'fly'"):
        await service.command("op", None, "fly", {})
    with pytest.raises(CommandRejected, match="only set the duty of their own team"):
        await service.command("a1-m0", "a1", "set_duty", {"on_duty": False, "team_id": "b1"})
    with pytest.raises(CommandRejected, match="needs an existing team_id"):
        await service.command("op", None, "set_duty", {"on_duty": False})


async def test_locations_arrival_and_resolution() -> None:
    clock = FakeClock()
    service, timeline = make(clock)
    await open_fire(service)
    await service.command("a1-m0", "a1", "accept", {"incident_id": "inc-1"})
    timeline.clear()
    clock.advance(30)
    spot = [120.107, 30.205]
    reply = await service.command("a1-m1", "a1", "location", {"location": spot})
    assert reply["stored"] is True
    moving = timeline.of("dispatch.team_location")[0]
    assert moving.data == {"team_id": "a1", "location": spot, "engagement": "responding"}
    assert service.registry.position("a1").source == "live"
    clock.advance(100)
    reply = await service.command("a1-m1", "a1", "arrived", {"incident_id": "inc-1"})
    assert reply["status"] == "accepted"
    arrived = timeline.of("dispatch.arrived")[0].data
    assert (arrived["time_to_accept_s"], arrived["time_to_arrive_s"]) == (0.0, 130.0)
    assert status_of(timeline, "a1") == ["on_scene"]
    assert service.measures("inc-1").first_arrival_s == 130.0
    timeline.clear()
    await service.on_event(transition("inc-1", "resolved"))
    closed = timeline.of("dispatch.closed")[0]
    assert closed.audience_teams == ("a2", "a1") and closed.data["reason"] == "resolved"
    assert all(t.availability == "available" for t in service.registry)
    await service.on_event(transition("inc-1", "resolved"))
    assert len(timeline.of("dispatch.closed")) == 1


async def test_going_off_duty_withdraws_a_pending_call() -> None:
    service, timeline = make(FakeClock())
    await open_fire(service)
    timeline.clear()
    reply = await service.command("a2-m0", "a2", "set_duty", {"on_duty": False})
    assert reply["on_duty"] is False and reply["availability"] == "available"
    stood_down = timeline.of("dispatch.stood_down")[0].data
    assert stood_down == {"team_id": "a2", "reason": "off duty", "withdrawn": True}
    assert [e.data["team_id"] for e in timeline.of("dispatch.callup")] == ["b1"]
    status = [e for e in timeline.of("dispatch.team_status") if e.data["team_id"] == "a2"]
    assert status[-1].data == {
        "team_id": "a2",
        "availability": "available",
        "on_duty": False,
        "busy": False,
    }
    assert status[-1].incident_id is None and status[-1].grid == "A"
    reply = await service.command("op", None, "set_duty", {"on_duty": True, "team_id": "a2"})
    assert reply["on_duty"] is True


async def test_accepting_one_incident_withdraws_the_team_from_another() -> None:
    service, timeline = make(FakeClock())
    await open_fire(service, "inc-1")
    await open_fire(service, "inc-2")
    timeline.clear()
    await service.command("a1-m0", "a1", "accept", {"incident_id": "inc-1"})
    withdrawn = [e for e in timeline.of("dispatch.stood_down") if e.incident_id == "inc-2"]
    assert withdrawn[0].data == {"team_id": "a1", "reason": "engaged on inc-1", "withdrawn": True}
    assert service.callup("inc-2").calls["a1"].status == "withdrawn"


async def test_call_up_can_wait_for_verification() -> None:
    service, timeline = make(FakeClock(), start_on="verified")
    await open_fire(service)
    assert timeline.types() == ["dispatch.recommendation"]
    await service.on_event(transition("inc-1", "verified"))
    assert len(timeline.of("dispatch.callup")) == 2
    await service.on_event(transition("inc-9", "verified"))  # unknown: ignored


class HubLike:
    """Delivers each stored event to listeners inside publish, as a hub may do."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self.listeners: list[Any] = []

    async def publish(self, event: Event) -> Event:
        stored = event.with_seq(len(self.events) + 1)
        self.events.append(stored)
        for listener in self.listeners:
            await listener(stored)
        return stored


async def test_reentrant_publishing_keeps_order_and_does_not_deadlock() -> None:
    clock = FakeClock()
    hub = HubLike()
    service = DispatchService(
        build_grid(), build_registry(clock), DispatchConfig(), hub, None, clock
    )

    async def alerts(event: Event) -> None:  # the incident machine reacting to dispatch
        if event.type == "dispatch.accepted":
            await hub.publish(transition(event.incident_id or "", "resolved"))

    hub.listeners += [service.on_event, alerts]
    await hub.publish(opened("inc-1", "A", FIRE))
    await service.command("a1-m0", "a1", "accept", {"incident_id": "inc-1"})
    # the resolution published from inside our publish lands after it, and the events dispatch
    # had already decided keep their order around it
    assert [e.type for e in hub.events][7:] == [
        "dispatch.accepted",
        "incident.transition",
        "dispatch.stood_down",
        "dispatch.team_status",
        "dispatch.team_status",
        "dispatch.closed",
        "dispatch.team_status",
    ]
    assert [e.seq for e in hub.events] == list(range(1, len(hub.events) + 1))


class GatedTimeline(ListTimeline):
    """A store that holds every append until the gate opens (a slow disk, a Redis hiccup)."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()

    async def publish(self, event: Event) -> Event:
        await self.gate.wait()
        return await super().publish(event)


async def test_a_command_answers_only_once_its_events_are_stored() -> None:
    clock = FakeClock()
    timeline = GatedTimeline()
    service = DispatchService(
        build_grid(), build_registry(clock), DispatchConfig(), timeline, None, clock
    )
    # another task is publishing (the call-up of a new fire) and waits on the store
    opening = asyncio.create_task(service.on_event(opened("inc-1", "A", FIRE)))
    command = asyncio.create_task(service.command("e1-m0", "e1", "set_duty", {"on_duty": False}))
    for _ in range(20):  # let both tasks run as far as they can
        await asyncio.sleep(0)
    assert not command.done()  # its answer would say "off duty" before anything is stored
    timeline.gate.set()
    reply = await command
    assert reply["on_duty"] is False
    stored = [e.data for e in timeline.of("dispatch.team_status") if e.data["team_id"] == "e1"]
    assert stored and stored[-1]["on_duty"] is False
    await opening


class WatchedTimeline(ListTimeline):
    def __init__(self, wanted: str) -> None:
        super().__init__()
        self.wanted = wanted
        self.seen = asyncio.Event()

    async def publish(self, event: Event) -> Event:
        if event.type == self.wanted:
            self.seen.set()
        return await super().publish(event)


async def test_the_timer_loop_escalates_by_itself() -> None:
    """The one real-time test: the loop must wake at the deadline without being poked."""
    timeline = WatchedTimeline("dispatch.escalated")
    cfg = DispatchConfig(escalation=EscalationConfig(ack_timeout_s=0.05 * UNIT))
    registry = build_registry(FakeClock(time.time()))
    service = DispatchService(build_grid(), registry, cfg, timeline, None, time.time)
    await service.start()
    try:
        await service.on_event(opened("inc-1", "A", FIRE, time.time()))
        await asyncio.wait_for(timeline.seen.wait(), 5 * UNIT)
        assert timeline.of("dispatch.escalated")[0].data["to_tier"] == 2
    finally:
        await service.stop()
    await service.stop()  # stopping twice is harmless


class FlakyTimeline(WatchedTimeline):
    """Refuses the first publish of a timeout, as a hub whose storage hiccups would."""

    def __init__(self) -> None:
        super().__init__("dispatch.escalated")
        self.refused = 0

    async def publish(self, event: Event) -> Event:
        if event.type == "dispatch.timeout" and not self.refused:
            self.refused += 1
            raise OSError("disk full")
        return await super().publish(event)


async def test_the_timer_loop_survives_a_failing_publish(caplog: pytest.LogCaptureFixture) -> None:
    timeline = FlakyTimeline()
    cfg = DispatchConfig(escalation=EscalationConfig(ack_timeout_s=0.05 * UNIT))
    registry = build_registry(FakeClock(time.time()))
    service = DispatchService(
        build_grid(), registry, cfg, timeline, None, time.time, publish_retry_s=0.05 * UNIT
    )
    await service.start()
    try:
        await service.on_event(opened("inc-1", "A", FIRE, time.time()))
        await asyncio.wait_for(timeline.seen.wait(), 5 * UNIT)
    finally:
        await service.stop()
    assert timeline.refused == 1
    types = timeline.types()
    at = types.index("dispatch.escalated")
    assert types[at - 2 : at + 1] == ["dispatch.timeout", "dispatch.timeout", "dispatch.escalated"]
    assert "dispatch tick failed" in caplog.text
