"""Dispatch's news moves the incident along its lifecycle (and so stops the 1-3-5 timers).

Dispatch owns call-ups; alerts owns the incident's state. This glue maps one to the other: the
first call-up makes the incident `dispatched`, the first acceptance `responding` (the 1-minute
response timer stops), the first arrival `on_scene` (the 3-minute timer stops). Every team called
up joins the incident's teams, so its members' phones see the incident's own events too (its
resolution first of all). Later events of the same kind change nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from alerts.errors import ClientError
from alerts.events import Event
from alerts.lifecycle import STATES, Incident, State

CALLS = ("dispatch.callup", "dispatch.team_added")
# dispatch event -> (incident action, the state it brings the incident to)
ADVANCES: dict[str, tuple[str, State]] = {
    "dispatch.accepted": ("respond", "responding"),
    "dispatch.arrived": ("arrive", "on_scene"),
}


@dataclass(frozen=True, slots=True)
class Step:
    action: str
    data: dict[str, Any]


def next_step(event: Event, incident: Incident) -> Step | None:
    """The incident action `event` calls for, or None when the incident is already there."""
    state = incident.state
    if state == "resolved":
        return None
    if event.type in CALLS:
        added = [t for t in event.audience_teams if t not in incident.teams]
        if state in ("triggered", "verified"):
            return Step("dispatch", {"teams": [*incident.teams, *added]})
        return Step("assign", {"teams": [*incident.teams, *added]}) if added else None
    if event.type in ADVANCES:
        action, target = ADVANCES[event.type]
        if STATES.index(state) < STATES.index(target):
            return Step(action, {})
    return None


IncidentOf = Callable[[str], Incident]
Act = Callable[[str, str, dict[str, Any]], Awaitable[object]]


def progress_listener(incident_of: IncidentOf, act: Act) -> Callable[[Event], Awaitable[None]]:
    async def on_event(event: Event) -> None:
        if event.incident_id is None or event.type not in (*CALLS, *ADVANCES):
            return
        step = next_step(event, incident_of(event.incident_id))
        if step is None:
            return
        # an operator may have moved the incident meanwhile: a refusal is not a failure here
        try:
            await act(event.incident_id, step.action, step.data)
        except ClientError:
            return

    return on_event
