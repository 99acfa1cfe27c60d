from __future__ import annotations

import pytest

from dispatch.config import TravelConfig
from dispatch.errors import DispatchConfigError
from dispatch.responders import ResponderRegistry
from tests.dispatch.township import A, FakeClock, build_registry, centre, team, teams_config


def test_a_fresh_fix_is_the_position_and_an_old_one_falls_back_to_base() -> None:
    clock = FakeClock()
    registry = build_registry(clock)
    base = registry.team("a1").config.base
    assert registry.position("a1") == (base, "base", None)
    assert not registry.position("a1").stale

    spot = (A[0] + 0.001, A[1] + 0.001)
    assert registry.report_location("a1-m0", spot)
    clock.advance(119)
    pos = registry.position("a1")
    assert (pos.location, pos.source, pos.fix_age_s) == (spot, "live", 119)

    clock.advance(2)  # the default maximum age is 120 s
    pos = registry.position("a1")
    assert (pos.location, pos.source, pos.stale) == (base, "base", True)
    assert pos.fix_age_s == pytest.approx(121)


def test_any_member_moves_the_team_but_an_older_fix_does_not_win() -> None:
    clock = FakeClock()
    registry = build_registry(clock)
    assert registry.report_location("a1-m1", (120.105, 30.205), at=clock.now - 5)
    assert not registry.report_location("a1-m0", (120.0, 30.0), at=clock.now - 10)
    assert registry.position("a1").location == (120.105, 30.205)
    assert registry.snapshot("a1")["fix_age_s"] == 5.0


def test_availability_is_derived_from_calls_engagements_and_busy() -> None:
    registry = build_registry(FakeClock())
    assert registry.team("b1").availability == "available"
    registry.mark_called("b1", "inc-1")
    assert registry.team("b1").availability == "called"
    registry.set_duty("b1", on_duty=True, busy=True)
    assert registry.team("b1").availability == "busy"
    registry.engage("b1", "inc-1", "responding")
    assert registry.team("b1").availability == "responding"
    registry.engage("b1", "inc-2", "on_scene")
    assert registry.team("b1").availability == "on_scene"
    registry.release("b1", "inc-2")
    registry.release("b1", "inc-1")
    registry.set_duty("b1", on_duty=False, busy=False)
    snap = registry.snapshot("b1")
    assert (snap["availability"], snap["on_duty"], snap["called_for"]) == ("available", False, [])


def test_members_and_phones_map_to_teams() -> None:
    registry = build_registry(FakeClock())
    assert registry.team_of_member("a2-m0") == "a2"
    assert registry.team_of_member("nobody") is None
    assert registry.teams_with_phone("13800000001") == {"a2"}
    assert len(registry) == 5 and "e1" in registry and "zz" not in registry


def test_inconsistent_teams_are_refused() -> None:
    clock = FakeClock()
    teams = teams_config()
    with pytest.raises(DispatchConfigError, match="team id 'a1' appears twice"):
        ResponderRegistry([*teams, teams[0]], TravelConfig(), clock)
    stray = team("x1", "A", centre(*A)).model_copy(update={"members": teams[0].members})
    with pytest.raises(DispatchConfigError, match="member 'a1-m0' is in both"):
        ResponderRegistry([teams[0], stray], TravelConfig(), clock)
