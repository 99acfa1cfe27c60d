"""A restart loses nothing: a service rebuilt from the stored timeline decides as the one that
kept running would have, and a deadline that passed while the hub was down is acted on."""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.events import Event
from dispatch.config import DispatchConfig, EscalationConfig
from dispatch.errors import CommandRejected
from dispatch.replay import Duty, action_of, duty_of, restore_duty
from dispatch.service import DispatchService
from dispatch.timeline import make_event
from tests.dispatch.township import (
    FakeClock,
    ListTimeline,
    build_grid,
    build_registry,
    opened,
    transition,
)

FIRE = (120.1095, 30.205)  # in A: tier 1 = a2, a1; tier 2 = b1, c1; then e1
TEAMS = ["a1", "a2", "b1", "c1", "e1"]
Step = tuple[str, str, int]
steps = st.lists(
    st.tuples(
        st.sampled_from(["accept", "decline", "arrived", "add_team", "remove_team", "tick"]),
        st.sampled_from(TEAMS),
        st.integers(min_value=0, max_value=50),  # seconds before the step
    ),
    max_size=20,
)


def service_on(timeline: ListTimeline, clock: FakeClock, **policy: Any) -> DispatchService:
    cfg = DispatchConfig(escalation=EscalationConfig.model_validate(policy), duty_leader="boss")
    return DispatchService(build_grid(), build_registry(clock), cfg, timeline, None, clock)


async def hub_event(service: DispatchService, store: ListTimeline, event: Event) -> None:
    """What the alert hub does with its own incident events: store, then tell dispatch."""
    await service.on_event(await store.publish(event))


async def step(service: DispatchService, kind: str, team: str) -> str:
    """One step; its outcome ("ok" or the refusal) must be the same on both services."""
    try:
        if kind == "tick":
            await service.tick()
        elif kind in ("add_team", "remove_team"):
            payload = {"incident_id": "inc-1", "team_id": team}
            await service.command("user:op", None, kind, payload)
        else:
            await service.command(f"{team}-m0", team, kind, {"incident_id": "inc-1"})
    except CommandRejected as exc:
        return str(exc)
    return "ok"


def news(events: list[Event]) -> list[tuple[Any, ...]]:
    return [(e.type, e.actor, e.data, e.audience_teams, e.grid) for e in events]


def state(service: DispatchService, incident_id: str = "inc-1") -> tuple[Any, ...]:
    callup = service.callup(incident_id)
    calls = {
        t: (c.status, c.tier, c.called_at, c.deadline, c.answered_by, c.answered_at, c.arrived_at)
        for t, c in callup.calls.items()
    }
    teams = [service.registry.snapshot(t) for t in TEAMS]
    return calls, callup.tier, callup.leader_paged, callup.exhausted, callup.closed, teams


@settings(max_examples=120, deadline=None)
@given(steps, st.integers(min_value=0, max_value=20), st.integers(min_value=1, max_value=2))
def test_a_restored_service_carries_on_exactly_as_the_one_that_kept_running(
    plan: list[Step], restart_at: int, required: int
) -> None:
    async def run() -> None:
        clock = FakeClock()
        store = ListTimeline()
        kept = service_on(store, clock, required_accepts=required)
        await hub_event(kept, store, opened("inc-1", "A", FIRE))
        restored: DispatchService | None = None
        mirror = ListTimeline()
        mark = 0
        for index, (kind, team, dt) in enumerate([*plan, ("tick", "", 0)]):
            if index == restart_at:
                restored = service_on(mirror, clock, required_accepts=required)
                restored.restore(list(store.events))
                assert state(restored) == state(kept)
                assert mirror.events == []  # nothing was due: nothing decided again
                mark = len(store.events)
            clock.advance(dt)
            outcome = await step(kept, kind, team)
            if restored is not None:
                assert await step(restored, kind, team) == outcome, (kind, team)
                assert news(mirror.events) == news(store.events[mark:])
                assert state(restored) == state(kept)

    asyncio.run(run())


async def test_a_deadline_missed_while_down_times_out_and_escalates_at_the_first_tick() -> None:
    clock = FakeClock()
    store = ListTimeline()
    before = service_on(store, clock)
    await hub_event(before, store, opened("inc-1", "A", FIRE))
    await before.command("a2-m0", "a2", "decline", {"incident_id": "inc-1"})
    called = [e.data["team_id"] for e in store.of("dispatch.callup")]
    assert called == ["a2", "a1", "b1"]  # a2 declined: b1 replaced it

    clock.advance(120)  # the hub was down past every deadline
    news_after = ListTimeline()
    after = service_on(news_after, clock)
    after.restore(list(store.events))
    assert after.registry.team("a1").called_for == {"inc-1"}
    await after.tick()
    timeouts = [e.data["team_id"] for e in news_after.of("dispatch.timeout")]
    assert timeouts == ["a1", "b1"]
    assert news_after.of("dispatch.escalated")[0].data["to_tier"] == 2
    assert {e.data["team_id"] for e in news_after.of("dispatch.callup")} == {"c1", "e1"}
    # and a phone answering the restored incident is heard, not told "unknown incident"
    reply = await after.command("c1-m0", "c1", "accept", {"incident_id": "inc-1"})
    assert reply["status"] == "accepted"


async def test_a_team_withdrawn_by_another_incident_stays_withdrawn_after_a_restart() -> None:
    clock = FakeClock()
    store = ListTimeline()
    kept = service_on(store, clock)
    await hub_event(kept, store, opened("inc-1", "A", FIRE))
    await hub_event(kept, store, opened("inc-2", "A", FIRE))
    clock.advance(5)
    await kept.command("a1-m0", "a1", "accept", {"incident_id": "inc-1"})
    assert kept.callup("inc-2").calls["a1"].status == "withdrawn"  # not merely stood down
    restored = service_on(ListTimeline(), clock)
    for incident_id in ("inc-1", "inc-2"):  # as the app does: one stored timeline each
        restored.restore([e for e in store.events if e.incident_id == incident_id])
    for incident_id in ("inc-1", "inc-2"):
        assert state(restored, incident_id) == state(kept, incident_id)


async def test_a_start_or_close_the_restart_swallowed_is_decided_on_restore() -> None:
    clock = FakeClock()
    store = ListTimeline()
    waiting = service_on(store, clock, start_on="verified")
    await hub_event(waiting, store, opened("inc-1", "A", FIRE))
    assert store.of("dispatch.callup") == []
    # the operator verified it, and the hub stopped before dispatch heard of it
    await store.publish(transition("inc-1", "verified", "verify"))
    news_after = ListTimeline()
    after = service_on(news_after, clock, start_on="verified")
    after.restore(list(store.events))
    await after.tick()
    assert after.callup("inc-1").tier == 1
    assert len(news_after.of("dispatch.callup")) == 2

    await store.publish(transition("inc-1", "false_alarm", "false_alarm"))
    closed_news = ListTimeline()
    closing = service_on(closed_news, clock, start_on="verified")
    closing.restore(list(store.events))
    await closing.tick()
    assert closing.callup("inc-1").closed
    assert closed_news.types().count("dispatch.closed") == 1
    # restored again once its close is stored: nothing is closed twice
    for event in closed_news.events:
        await store.publish(event)
    again = ListTimeline()
    twice = service_on(again, clock, start_on="verified")
    twice.restore(list(store.events))
    await twice.tick()
    assert twice.callup("inc-1").closed and "dispatch.closed" not in again.types()


def test_events_that_change_no_call_up_read_back_as_nothing() -> None:
    for type_ in ("dispatch.recommendation", "dispatch.call_119", "dispatch.team_status"):
        assert action_of(make_event(type_, 0.0, {}, incident_id="inc-1")) is None
    damaged = make_event("dispatch.callup", 0.0, {"team_id": "a1"}, incident_id="inc-1")
    assert action_of(damaged) is None


def team_status(team: str, **data: Any) -> Event:
    return make_event("dispatch.team_status", 0.0, {"team_id": team, **data})


def test_duty_is_read_back_from_each_team_s_latest_status() -> None:
    events = [
        team_status("a1", availability="available", on_duty=False, busy=False),
        team_status("b1", availability="busy", on_duty=True, busy=True),
        transition("inc-1", "verified"),  # other events are passed over
        team_status("a1", availability="called", on_duty=True, busy=False),
        # written before `busy` was carried: read from the availability
        team_status("c1", availability="busy", on_duty=True),
        team_status("e1", availability="available"),  # damaged: skipped, not fatal
    ]
    assert duty_of(events) == {
        "a1": Duty(on_duty=True, busy=False),
        "b1": Duty(on_duty=True, busy=True),
        "c1": Duty(on_duty=True, busy=True),
    }


async def test_a_restarted_service_does_not_call_a_team_sent_off_duty() -> None:
    clock = FakeClock()
    before = ListTimeline()
    service = service_on(before, clock)
    await service.command("a2-m0", "a2", "set_duty", {"on_duty": False})
    await service.command("op", None, "set_duty", {"on_duty": True, "busy": True, "team_id": "b1"})

    after = ListTimeline()
    restarted = service_on(after, clock)
    restore_duty(restarted.registry, before.events)
    await hub_event(restarted, after, opened("inc-1", "A", FIRE))
    called = [e.data["team_id"] for e in after.of("dispatch.callup")]
    assert "a2" not in called and "b1" not in called and called  # tier 1 is a1 and c1 now


async def test_a_busy_change_of_an_engaged_team_is_still_recorded() -> None:
    timeline = ListTimeline()
    service = service_on(timeline, FakeClock())
    await hub_event(service, timeline, opened("inc-1", "A", FIRE))
    await service.command("a2-m0", "a2", "accept", {"incident_id": "inc-1"})
    await service.command("a2-m0", "a2", "set_duty", {"on_duty": True, "busy": True})
    last = [e for e in timeline.of("dispatch.team_status") if e.data["team_id"] == "a2"][-1]
    assert last.data["availability"] == "responding" and last.data["busy"] is True
    assert duty_of(timeline.events)["a2"] == Duty(on_duty=True, busy=True)
