"""Dispatch news moves the incident forward once, never backward."""

from __future__ import annotations

from typing import Any

import pytest

from alerts.events import Event
from alerts.lifecycle import State
from firegrid.progress import next_action


def event(kind: str) -> Event:
    data: dict[str, Any] = {"team_id": "t1"}
    return Event(type=kind, time=0.0, actor="system", data=data, id="e", incident_id="i")


@pytest.mark.parametrize(
    ("kind", "state", "action"),
    [
        ("dispatch.callup", "triggered", "dispatch"),
        ("dispatch.callup", "verified", "dispatch"),
        ("dispatch.team_added", "verified", "dispatch"),
        ("dispatch.callup", "dispatched", None),
        ("dispatch.callup", "responding", None),
        ("dispatch.accepted", "dispatched", "respond"),
        ("dispatch.accepted", "responding", None),
        ("dispatch.accepted", "on_scene", None),
        ("dispatch.arrived", "dispatched", "arrive"),
        ("dispatch.arrived", "responding", "arrive"),
        ("dispatch.arrived", "on_scene", None),
        ("dispatch.accepted", "resolved", None),
        ("dispatch.declined", "dispatched", None),
        ("incident.transition", "triggered", None),
    ],
)
def test_next_action(kind: str, state: State, action: str | None) -> None:
    assert next_action(event(kind), state) == action
