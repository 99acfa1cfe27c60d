from __future__ import annotations

import pytest

from dispatch.actions import CallTeam, PageLeader, Remind
from dispatch.timeline import event_for, make_event, site_from_opened
from tests.dispatch.township import T0, build_grid, opened


def test_an_opened_incident_is_placed_by_its_location() -> None:
    grid = build_grid()
    site = site_from_opened(grid, opened("inc-1", "B", (120.1095, 30.205)))
    assert site is not None
    # the cell the alarm names wins over the point (a camera in B may look into A)
    assert (site.grid, site.location, site.camera_id, site.kind) == (
        "B",
        (120.1095, 30.205),
        "cam-1",
        "flame",
    )
    assert site.opened_at == T0


@pytest.mark.parametrize("location", [None, "nowhere", [1], ["x", "y"], [500, 30]])
def test_without_a_usable_location_the_cell_centre_is_used(location: object) -> None:
    event = make_event("incident.opened", T0, {"location": location}, incident_id="i", grid="E")
    site = site_from_opened(build_grid(), event)
    assert site is not None
    assert site.location == pytest.approx(build_grid().cell("E").centroid)
    assert site.camera_id is None


def test_nothing_to_place() -> None:
    grid = build_grid()
    assert site_from_opened(grid, make_event("incident.opened", T0, {}, grid="E")) is None
    assert site_from_opened(grid, make_event("incident.opened", T0, {}, incident_id="i")) is None


def test_actions_become_events_for_the_right_audience() -> None:
    site = site_from_opened(build_grid(), opened("inc-1", "A", (120.105, 30.205)))
    assert site is not None
    call = event_for(CallTeam("a1", 1, "tier 1: own cell", T0 + 45, None), site, T0, None)
    assert call is not None
    assert (call.type, call.actor, call.audience_teams, call.grid) == (
        "dispatch.callup",
        "system",
        ("a1",),
        "A",
    )
    assert call.data["candidate"] is None and len(call.id) == 32
    leader = event_for(PageLeader(2), site, T0, "leader-1")
    assert leader is not None and leader.audience_teams == ()
    assert event_for(Remind("a1", 1), site, T0, None) is None
