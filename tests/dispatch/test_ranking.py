from __future__ import annotations

import pytest

from dispatch.config import TravelConfig
from dispatch.ranking import IncidentSite, Recommendation, rank
from dispatch.responders import ResponderRegistry
from dispatch.travel import eta_s, haversine_m
from tests.dispatch.township import T0, FakeClock, build_grid, build_registry

# In community A, 450 m west of B's centre: b1 (vehicle, B) is fastest, a2 (e-bike, A, the
# responsible person's team) is 100 s slower, a1 (on foot, A) 320 s slower.
FIRE = (120.1095, 30.205)


def site() -> IncidentSite:
    return IncidentSite.build(build_grid(), "inc-1", "A", FIRE, T0, "cam-1", "flame")


def ranked(registry: ResponderRegistry, comparable: float) -> Recommendation:
    return rank(site(), registry, comparable, T0)


def order(rec: Recommendation) -> list[str]:
    return [c.team_id for c in rec.candidates]


def test_eta_is_straight_line_times_road_factor_over_speed() -> None:
    registry = build_registry(FakeClock())
    rec = ranked(registry, comparable=0)
    b1 = rec.candidates[0]
    distance = haversine_m(FIRE, registry.team("b1").config.base)
    assert b1.team_id == "b1"
    assert b1.distance_m == pytest.approx(distance)
    assert b1.eta_s == pytest.approx(distance * 1.3 / (30_000 / 3600))
    assert b1.eta_s == pytest.approx(eta_s(distance, "vehicle", TravelConfig()))
    assert order(rec) == ["b1", "a2", "a1", "c1", "e1"]
    assert not any(c.preferred for c in rec.candidates)


def test_local_teams_go_first_only_when_their_eta_is_comparable() -> None:
    registry = build_registry(FakeClock())
    # 120 s: a2 (responsible person's team, own cell) is within reach of b1, a1 is not.
    rec = ranked(registry, comparable=120)
    assert order(rec) == ["a2", "b1", "a1", "c1", "e1"]
    a2 = rec.candidates[0]
    assert a2.preferred and a2.responsible_team and a2.own_cell
    assert "team of the cell's responsible person" in a2.why()
    assert "ahead of faster teams" in a2.why()
    # 400 s: both A teams are comparable; the responsible person's team leads.
    rec = ranked(registry, comparable=400)
    assert order(rec) == ["a2", "a1", "b1", "c1", "e1"]
    assert [c.preferred for c in rec.candidates[:3]] == [True, True, False]


def test_rows_say_why() -> None:
    rec = ranked(build_registry(FakeClock()), comparable=0)
    rows = {c.team_id: c for c in rec.candidates}
    assert rows["b1"].neighbour_cell and not rows["b1"].own_cell
    assert "neighbouring cell B" in rows["b1"].why()
    assert "base location (no fix from members)" in rows["b1"].why()
    assert "other cell E" in rows["e1"].why()
    row = rows["a1"].to_json()
    assert row["location_source"] == "base" and row["own_cell"] is True
    assert row["why"].startswith(f"{rows['a1'].distance_m:.0f} m straight line; ETA ")


def test_live_and_stale_locations() -> None:
    clock = FakeClock()
    registry = build_registry(clock)
    registry.report_location("a1-m0", FIRE, at=T0 - 30)  # a1 is standing at the fire
    rec = ranked(registry, comparable=0)
    a1 = rec.candidates[0]
    assert (a1.team_id, a1.source, a1.eta_s) == ("a1", "live", 0.0)
    assert "live location 30 s old" in a1.why()

    registry.report_location("a1-m0", FIRE, at=T0 - 500)  # ignored: older than the last fix
    clock.advance(200)  # now the fix is 230 s old: stale
    rec = rank(site(), registry, 0, clock.now)
    a1 = next(c for c in rec.candidates if c.team_id == "a1")
    assert a1.source == "base" and a1.stale and a1.eta_s > 300
    assert "base location (last fix stale, 230 s old)" in a1.why()
    assert a1.to_json()["location_stale"] is True


def test_off_duty_busy_and_engaged_teams_are_excluded_with_reasons() -> None:
    registry = build_registry(FakeClock())
    registry.set_duty("b1", on_duty=False, busy=False)
    registry.set_duty("a2", on_duty=True, busy=True)
    registry.engage("c1", "inc-0", "on_scene")
    registry.mark_called("a1", "inc-0")
    rec = ranked(registry, comparable=0)
    assert order(rec) == ["a1", "e1"]
    assert "already called for another incident" in rec.candidates[0].why()
    reasons = {e.team_id: e.reason for e in rec.excluded}
    assert reasons == {"b1": "off duty", "a2": "busy", "c1": "on_scene at inc-0"}
    out = rec.to_json()
    assert out["v"] == 1 and len(out["candidates"]) == 2 and len(out["excluded"]) == 3


def test_no_candidates() -> None:
    registry = build_registry(FakeClock())
    for t in registry:
        registry.set_duty(t.id, on_duty=False, busy=False)
    rec = ranked(registry, comparable=30)
    assert rec.candidates == () and len(rec.excluded) == 5


def test_site_resolution() -> None:
    grid = build_grid()
    s = site()
    assert (s.grid, s.cell_name, s.own_cells, s.neighbour_cells) == (
        "A",
        "community A",
        frozenset({"A"}),
        frozenset({"B", "C", "D"}),
    )
    by_point = IncidentSite.build(grid, "inc-2", "no-such-cell", FIRE, T0)
    assert by_point.grid == "A" and by_point.responsible is not None
    township = IncidentSite.build(grid, "inc-3", "T", FIRE, T0)
    assert township.own_cells == {"T", "A", "B", "C", "D", "E"}
    nowhere = IncidentSite.build(grid, "inc-4", None, (0.0, 0.0), T0)
    assert nowhere.grid is None and nowhere.own_cells == frozenset()


def test_the_json_form_can_keep_only_the_first_rows() -> None:
    registry = build_registry(FakeClock())
    registry.set_duty("e1", on_duty=False, busy=False)
    out = ranked(registry, comparable=0).to_json(limit=2)
    assert [c["team_id"] for c in out["candidates"]] == ["b1", "a2"]
    assert (out["candidates_total"], out["excluded_total"], len(out["excluded"])) == (4, 1, 1)
