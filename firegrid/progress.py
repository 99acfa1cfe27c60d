"""Dispatch's news moves the incident along its lifecycle (and so stops the 1-3-5 timers).

Dispatch owns call-ups; alerts owns the incident's state. This glue maps one to the other: the
first call-up makes the incident `dispatched`, the first acceptance `responding` (the 1-minute
response timer stops), the first arrival `on_scene` (the 3-minute timer stops). Later events of
the same kind change nothing.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from alerts.errors import ClientError
from alerts.events import Event
from alerts.lifecycle import STATES, State

# dispatch event -> (incident action, the state it brings the incident to)
PROGRESS: dict[str, tuple[str, State]] = {
    "dispatch.callup": ("dispatch", "dispatched"),
    "dispatch.team_added": ("dispatch", "dispatched"),
    "dispatch.accepted": ("respond", "responding"),
    "dispatch.arrived": ("arrive", "on_scene"),
}


def next_action(event: Event, state: State) -> str | None:
    """The incident action `event` calls for, or None if the incident is already there."""
    step = PROGRESS.get(event.type)
    if step is None or state == "resolved":
        return None
    action, target = step
    if STATES.index(state) >= STATES.index(target):
        return None
    if action == "dispatch" and state not in ("triggered", "verified"):
        return None
    return action


StateOf = Callable[[str], State]
Act = Callable[[str, str], Awaitable[object]]


def progress_listener(state_of: StateOf, act: Act) -> Callable[[Event], Awaitable[None]]:
    async def on_event(event: Event) -> None:
        if event.incident_id is None or event.type not in PROGRESS:
            return
        action = next_action(event, state_of(event.incident_id))
        if action is None:
            return
        # an operator may have moved the incident meanwhile: a refusal is not a failure here
        try:
            await act(event.incident_id, action)
        except ClientError:
            return

    return on_event
