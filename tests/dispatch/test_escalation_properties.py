"""Invariants of the call-up policy under any order of answers, operator moves and time."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from dispatch.actions import Accepted, CallTeam
from dispatch.config import EscalationConfig
from dispatch.errors import CommandRejected
from dispatch.escalation import CallUp
from dispatch.ranking import IncidentSite, rank
from tests.dispatch.township import T0, FakeClock, build_grid, build_registry

TEAMS = ["a1", "a2", "b1", "c1", "e1"]
Op = tuple[str, str, int]
ops = st.lists(
    st.tuples(
        st.sampled_from(["accept", "decline", "tick", "add", "remove", "withdraw"]),
        st.sampled_from(TEAMS),
        st.integers(min_value=0, max_value=60),  # seconds since the previous step
    ),
    max_size=25,
)


@settings(max_examples=150, deadline=None)
@given(ops, st.integers(min_value=1, max_value=3), st.integers(min_value=1, max_value=2))
def test_the_call_up_never_stalls_and_counts_each_team_once(
    steps: list[Op], tier_size: int, required: int
) -> None:
    registry = build_registry(FakeClock())
    site = IncidentSite.build(build_grid(), "inc-1", "A", (120.1095, 30.205), T0)
    cfg = EscalationConfig(tier_size=tier_size, required_accepts=required)
    callup = CallUp(site, cfg, lambda: rank(site, registry, cfg.comparable_eta_s, T0))
    now = T0
    callup.start(now)
    for op, team, dt in steps:
        now += dt
        pending_before = {t for t, c in callup.calls.items() if c.status == "pending"}
        satisfied_before = callup.satisfied
        try:
            if op == "accept":
                actions = callup.on_accept(team, f"member:{team}-m0", now)
            elif op == "decline":
                actions = callup.on_decline(team, f"member:{team}-m0", "", now)
            elif op == "tick":
                actions = callup.tick(now)
            elif op == "add":
                actions = callup.add_team(team, "user:op", now, None)
            elif op == "remove":
                actions = callup.remove_team(team, "user:op", now)
            else:
                actions = callup.withdraw(team, "engaged elsewhere", now)
        except CommandRejected:
            continue
        for action in actions:
            if isinstance(action, CallTeam) and action.by == "system":
                assert action.team_id not in pending_before, "called a team already waiting"
                assert not satisfied_before or op == "remove", "called after enough accepted"
            if isinstance(action, Accepted):
                assert action.accepted == callup.accepted
        accepted = [c for c in callup.calls.values() if c.status == "accepted"]
        assert callup.accepted == len(accepted) <= len(TEAMS)
        pending = any(c.status == "pending" for c in callup.calls.values())
        # the core promise: while too few teams accepted, someone is always being waited for,
        # or every tier was tried (and the leader paged)
        if not callup.satisfied:
            assert pending or callup.exhausted
        if callup.exhausted:
            assert callup.leader_paged
        deadline = callup.next_deadline()
        assert deadline is None or pending
