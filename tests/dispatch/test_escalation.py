from __future__ import annotations

import pytest

from dispatch.actions import (
    Accepted,
    Action,
    Arrived,
    CallTeam,
    Closed,
    Declined,
    Escalated,
    Exhausted,
    PageLeader,
    PageResponsible,
    Prompt119,
    Remind,
    StoodDown,
    TeamRemoved,
    TimedOut,
)
from dispatch.config import EscalationConfig
from dispatch.errors import CommandRejected
from dispatch.escalation import CallUp
from dispatch.measures import measure
from dispatch.ranking import IncidentSite, rank
from dispatch.responders import ResponderRegistry
from tests.dispatch.township import RESPONSIBLE_A, T0, FakeClock, build_grid, build_registry

# In community A, near B: own cell a2 then a1; neighbours b1 (B) and c1 (C); far e1 (E).
FIRE = (120.1095, 30.205)


def make(
    registry: ResponderRegistry | None = None, remind: float | None = None, **policy: object
) -> tuple[CallUp, ResponderRegistry]:
    reg = registry or build_registry(FakeClock())
    site = IncidentSite.build(build_grid(), "inc-1", "A", FIRE, T0, "cam-1", "flame")
    cfg = EscalationConfig.model_validate(policy)
    return CallUp(site, cfg, lambda: rank(site, reg, cfg.comparable_eta_s, T0), remind), reg


def called(actions: list[Action]) -> list[str]:
    return [a.team_id for a in actions if isinstance(a, CallTeam)]


def test_tier_one_calls_the_own_cell_and_pages_its_responsible_person() -> None:
    callup, _ = make()
    actions = callup.start(T0)
    assert actions[0] == PageResponsible(RESPONSIBLE_A, 1)
    assert called(actions) == ["a2", "a1"]
    call = actions[1]
    assert isinstance(call, CallTeam)
    assert (call.tier, call.deadline, call.reason) == (1, T0 + 45, "tier 1: own cell")
    assert call.candidate is not None and call.candidate.team_id == "a2"
    assert callup.next_deadline() == T0 + 45
    assert callup.start(T0 + 1) == []  # starting twice does nothing


def test_silence_escalates_tier_by_tier_then_pages_the_leader() -> None:
    callup, _ = make()
    callup.start(T0)
    assert callup.tick(T0 + 44.9) == []
    actions = callup.tick(T0 + 45)
    assert actions[:2] == [TimedOut("a2", 1), TimedOut("a1", 1)]
    assert actions[2] == Escalated(1, 2, "no acceptance within 45 s")
    assert called(actions) == ["b1", "c1"]  # tier 2 widens to the neighbouring cells
    assert callup.tier == 2 and not callup.leader_paged

    actions = callup.tick(T0 + 90)
    assert actions[2:5] == [
        Escalated(2, 3, "no acceptance within 45 s"),
        PageLeader(2),
        Prompt119(2),
    ]
    assert called(actions) == ["e1"]
    assert callup.leader_paged

    actions = callup.tick(T0 + 135)
    assert actions == [TimedOut("e1", 3), Exhausted(3, 0, 1)]
    assert callup.exhausted and callup.next_deadline() is None
    assert callup.tick(T0 + 500) == []


def test_the_leader_is_paged_after_the_configured_tier() -> None:
    callup, _ = make(page_leader_after_tier=1)
    callup.start(T0)
    actions = callup.tick(T0 + 45)
    assert actions[2:5] == [
        Escalated(1, 2, "no acceptance within 45 s"),
        PageLeader(1),
        Prompt119(1),
    ]


def test_a_decline_calls_a_replacement_at_once() -> None:
    callup, _ = make()
    callup.start(T0)
    actions = callup.on_decline("a2", "member:a2-m0", "vehicle broken", T0 + 10)
    assert actions[0] == Declined("a2", "member:a2-m0", "vehicle broken")
    replacement = actions[1]
    assert isinstance(replacement, CallTeam)
    assert replacement.team_id == "b1" and replacement.deadline == T0 + 55
    assert replacement.reason == "tier 1: neighbouring cell (no more teams within the own cell)"
    assert callup.on_decline("a2", "member:a2-m1", "", T0 + 11) == []  # already declined
    # a1 times out at 45 but b1 is still pending: no escalation until b1's deadline
    assert callup.tick(T0 + 45) == [TimedOut("a1", 1)]
    actions = callup.tick(T0 + 55)
    assert actions[:2] == [TimedOut("b1", 1), Escalated(1, 2, "no acceptance within 45 s")]
    assert called(actions) == ["c1", "e1"]  # tier 2's pool ran short: filled from farther out


def test_acceptance_stops_escalation_and_stands_the_others_down() -> None:
    callup, _ = make()
    callup.start(T0)
    actions = callup.on_accept("a1", "member:a1-m0", T0 + 12)
    assert actions == [
        Accepted("a1", "member:a1-m0", 1, 1, 12.0),
        StoodDown("a2", "enough teams accepted"),
    ]
    assert callup.satisfied and callup.next_deadline() is None
    assert callup.tick(T0 + 1000) == []


def test_two_members_of_one_team_accepting_count_once() -> None:
    callup, _ = make(required_accepts=2)
    callup.start(T0)
    first = callup.on_accept("a1", "member:a1-m0", T0 + 5)
    second = callup.on_accept("a1", "member:a1-m1", T0 + 5)
    assert first == [Accepted("a1", "member:a1-m0", 1, 2, 5.0)]
    assert second == []
    assert callup.accepted == 1 and callup.calls["a1"].answered_by == "member:a1-m0"
    # a2 stays silent: one more team is needed, so tier 2 calls max(tier_size, 1) teams
    actions = callup.tick(T0 + 45)
    assert actions[0] == TimedOut("a2", 1)
    assert called(actions) == ["b1", "c1"]


def test_a_late_accept_still_counts() -> None:
    callup, _ = make()
    callup.start(T0)
    callup.tick(T0 + 45)  # a1, a2 timed out; b1, c1 called
    actions = callup.on_accept("a2", "member:a2-m1", T0 + 50)
    assert actions[0] == Accepted("a2", "member:a2-m1", 1, 1, 50.0)
    assert [a for a in actions if isinstance(a, StoodDown)] == [
        StoodDown("b1", "enough teams accepted"),
        StoodDown("c1", "enough teams accepted"),
    ]


def test_answers_that_do_not_apply_are_rejected() -> None:
    callup, _ = make()
    callup.start(T0)
    with pytest.raises(CommandRejected, match="team e1 was not called for inc-1"):
        callup.on_accept("e1", "member:e1-m0", T0 + 1)
    callup.on_accept("a1", "member:a1-m0", T0 + 2)
    with pytest.raises(CommandRejected, match=r"already accepted inc-1 \(member:a1-m0\)"):
        callup.on_decline("a1", "member:a1-m1", "", T0 + 3)
    with pytest.raises(CommandRejected, match="already accepted"):
        callup.add_team("a1", "user:op", T0 + 3, None)
    assert callup.close("resolved") == [Closed("resolved", ("a2", "a1"))]
    assert callup.close("resolved") == []
    with pytest.raises(CommandRejected, match="closed"):
        callup.on_accept("a2", "member:a2-m0", T0 + 4)
    with pytest.raises(CommandRejected, match="closed"):
        callup.add_team("e1", "user:op", T0 + 4, None)
    assert callup.tick(T0 + 100) == [] and callup.next_deadline() is None


def test_operators_add_and_remove_teams_at_any_time() -> None:
    callup, _ = make()
    callup.start(T0)
    added = callup.add_team("e1", "user:op", T0 + 5, None)
    assert added == [CallTeam("e1", 1, "added by operator", T0 + 50, None, "user:op")]
    assert callup.remove_team("a1", "user:op", T0 + 6) == [TeamRemoved("a1", "user:op")]
    with pytest.raises(CommandRejected, match="removed from inc-1 by an operator"):
        callup.on_accept("a1", "member:a1-m0", T0 + 7)
    callup.on_accept("e1", "member:e1-m0", T0 + 8)  # stands a2 down
    assert callup.satisfied
    # removing the only accepted team resumes escalation at once: nothing else is pending
    actions = callup.remove_team("e1", "user:op", T0 + 9)
    assert actions[:2] == [TeamRemoved("e1", "user:op"), Escalated(1, 2, "operator removed e1")]
    # tier 2's pool (own + neighbouring cells) in ranking order; a2 had only been stood down
    assert called(actions) == ["b1", "a2"]
    # a removed team can be added back
    assert called(callup.add_team("a1", "user:op", T0 + 10, None)) == ["a1"]


def test_a_team_engaged_elsewhere_is_withdrawn_and_replaced() -> None:
    callup, _ = make()
    callup.start(T0)
    actions = callup.withdraw("a2", "engaged on inc-0", T0 + 3)
    assert actions[0] == StoodDown("a2", "engaged on inc-0", withdrawn=True)
    assert called(actions) == ["b1"]
    assert callup.withdraw("a2", "again", T0 + 4) == []
    assert callup.withdraw("zz", "unknown", T0 + 4) == []


def test_arrival_implies_acceptance_and_is_measured() -> None:
    callup, _ = make(required_accepts=2)
    callup.start(T0)
    callup.on_accept("a2", "member:a2-m0", T0 + 20)
    actions = callup.on_arrived("a1", "member:a1-m1", T0 + 150)
    assert actions[0] == Accepted("a1", "member:a1-m1", 2, 2, 150.0)
    assert actions[-1] == Arrived("a1", "member:a1-m1", 150.0, 150.0)
    assert callup.on_arrived("a1", "member:a1-m0", T0 + 151) == []
    assert callup.on_arrived("a2", "member:a2-m0", T0 + 170) == [
        Arrived("a2", "member:a2-m0", 20.0, 170.0)
    ]
    m = measure(callup)
    assert (m.first_accept_s, m.first_arrival_s, m.accepted) == (20.0, 150.0, 2)
    rows = {t.team_id: t for t in m.teams}
    assert (rows["a2"].time_to_accept_s, rows["a2"].time_to_arrive_s) == (20.0, 170.0)
    assert m.to_json()["teams"][0]["status"] == "accepted"


def test_nobody_to_call_pages_the_leader_at_once() -> None:
    registry = build_registry(FakeClock())
    for team in registry:
        registry.set_duty(team.id, on_duty=False, busy=False)
    callup, _ = make(registry)
    actions = callup.start(T0)
    assert actions == [
        PageResponsible(RESPONSIBLE_A, 1),
        Escalated(1, 2, "nobody left to call in tier 1"),
        Escalated(2, 3, "nobody left to call in tier 2"),
        PageLeader(2),
        Prompt119(2),
        Exhausted(3, 0, 1),
    ]
    assert measure(callup).first_accept_s is None


def test_silent_teams_get_a_reminder_before_their_deadline() -> None:
    callup, _ = make(remind=15)
    callup.start(T0)
    assert callup.next_deadline() == T0 + 15
    assert callup.tick(T0 + 15) == [Remind("a2", 1), Remind("a1", 1)]
    assert callup.next_deadline() == T0 + 45
    assert callup.tick(T0 + 20) == []
