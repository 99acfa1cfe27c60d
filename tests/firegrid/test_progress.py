"""Dispatch news moves the incident forward once, never backward, and adds called teams."""

from __future__ import annotations

import pytest

from alerts.events import Event
from alerts.lifecycle import Incident, State
from firegrid.progress import Step, next_step


def event(kind: str, team: str = "t2") -> Event:
    return Event(
        type=kind,
        time=0.0,
        actor="system",
        data={"team_id": team},
        id="e",
        incident_id="i",
        audience_teams=(team,),
    )


def incident(state: State, teams: tuple[str, ...] = ()) -> Incident:
    return Incident(
        id="i",
        state=state,
        opened_at=0.0,
        updated_at=0.0,
        grid="g",
        kind="flame",
        camera_id="c",
        camera_name="c",
        location=(120.0, 30.0),
        confidence=0.9,
        last_detection_at=0.0,
        cameras=("c",),
        detections=("d",),
        teams=teams,
    )


@pytest.mark.parametrize(
    ("kind", "state", "teams", "step"),
    [
        ("dispatch.callup", "triggered", (), Step("dispatch", {"teams": ["t2"]})),
        ("dispatch.callup", "verified", ("t1",), Step("dispatch", {"teams": ["t1", "t2"]})),
        ("dispatch.team_added", "dispatched", ("t1",), Step("assign", {"teams": ["t1", "t2"]})),
        ("dispatch.callup", "responding", ("t1",), Step("assign", {"teams": ["t1", "t2"]})),
        ("dispatch.callup", "dispatched", ("t2",), None),
        ("dispatch.accepted", "dispatched", ("t2",), Step("respond", {})),
        ("dispatch.accepted", "responding", ("t2",), None),
        ("dispatch.accepted", "on_scene", ("t2",), None),
        ("dispatch.arrived", "dispatched", ("t2",), Step("arrive", {})),
        ("dispatch.arrived", "responding", ("t2",), Step("arrive", {})),
        ("dispatch.arrived", "on_scene", ("t2",), None),
        ("dispatch.callup", "resolved", (), None),
        ("dispatch.accepted", "resolved", ("t2",), None),
        ("dispatch.declined", "dispatched", ("t2",), None),
        ("incident.transition", "triggered", (), None),
    ],
)
def test_next_step(kind: str, state: State, teams: tuple[str, ...], step: Step | None) -> None:
    assert next_step(event(kind), incident(state, teams)) == step
