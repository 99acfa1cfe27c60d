"""Reading dispatch's stored events back as the decisions they record, after a restart.

Call-ups live in memory, but every decision of one is published to the incident's timeline,
which the store keeps. When the hub starts again, `DispatchService.restore` feeds each open
incident's timeline through `action_of` (the inverse of `dispatch.timeline.event_for`) and
`CallUp.replay`, so pending calls keep their deadlines and escalation carries on where it
stopped instead of falling silent. `registry_follows` is the one place that says how a decision
changes the teams' availability, used live and on replay alike.

Only fields that change state are read back. Pages and the 119 prompt carry nothing to restore
but the "leader paged" flag; a reminder is no event at all.

Duty (`set_duty`: off duty, or on duty but busy) belongs to no incident: `restore_duty` reads it
back from each team's latest `dispatch.team_status` event in the whole stream, so a team sent
off duty before a restart is not called up after it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from alerts.events import Event
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
    StoodDown,
    TeamRemoved,
    TimedOut,
)
from dispatch.responders import ResponderRegistry
from dispatch.timeline import SYSTEM

log = logging.getLogger(__name__)

TEAM_STATUS = "dispatch.team_status"


@dataclass(frozen=True, slots=True)
class Duty:
    on_duty: bool
    busy: bool


def action_of(event: Event) -> Action | None:
    """The decision a stored dispatch event records; None for events that change no call-up."""
    try:
        return _read(event.type, event.data, event.actor)
    except (KeyError, TypeError, ValueError) as exc:
        # An event this version did not write (or a damaged one): skip it, loudly.
        log.warning("cannot read back %s event %s: %r", event.type, event.id, exc)
        return None


def _read(type_: str, data: dict[str, Any], actor: str) -> Action | None:
    match type_:
        case "dispatch.callup" | "dispatch.team_added":
            by = SYSTEM if type_ == "dispatch.callup" else actor
            tier, deadline = int(data["tier"]), float(data["deadline"])
            return CallTeam(str(data["team_id"]), tier, str(data["reason"]), deadline, None, by)
        case "dispatch.accepted":
            return Accepted(
                str(data["team_id"]),
                str(data["member"]),
                int(data["accepted"]),
                int(data["required"]),
                float(data["time_to_accept_s"]),
            )
        case "dispatch.declined":
            return Declined(str(data["team_id"]), str(data["member"]), str(data["reason"]))
        case "dispatch.timeout":
            return TimedOut(str(data["team_id"]), int(data["tier"]))
        case "dispatch.stood_down":
            withdrawn = bool(data.get("withdrawn", False))
            return StoodDown(str(data["team_id"]), str(data["reason"]), withdrawn)
        case "dispatch.team_removed":
            return TeamRemoved(str(data["team_id"]), actor)
        case "dispatch.escalated":
            return Escalated(int(data["from_tier"]), int(data["to_tier"]), str(data["reason"]))
        case "dispatch.leader_paged":
            return PageLeader(int(data["tier"]))
        case "dispatch.exhausted":
            return Exhausted(int(data["tier"]), int(data["accepted"]), int(data["required"]))
        case "dispatch.arrived":
            accept_s = data["time_to_accept_s"]
            return Arrived(
                str(data["team_id"]),
                str(data["member"]),
                None if accept_s is None else float(accept_s),
                float(data["time_to_arrive_s"]),
            )
        case "dispatch.closed":
            return Closed(str(data["reason"]), tuple(str(t) for t in data["teams"]))
    return None


def registry_follows(registry: ResponderRegistry, action: Action, incident_id: str) -> None:
    """Change the teams' standing for `incident_id` as `action` decided."""
    match action:
        case CallTeam():
            registry.mark_called(action.team_id, incident_id)
        case Accepted():
            registry.engage(action.team_id, incident_id, "responding")
        case Arrived():
            registry.engage(action.team_id, incident_id, "on_scene")
        case Declined() | TimedOut() | StoodDown() | TeamRemoved():
            registry.release(action.team_id, incident_id)
        case Closed():
            for team_id in action.teams:
                registry.release(team_id, incident_id)


def duty_of(events: Iterable[Event]) -> dict[str, Duty]:
    """Each team's duty as its latest `dispatch.team_status` event (in stream order) left it."""
    duty: dict[str, Duty] = {}
    for event in events:
        if event.type != TEAM_STATUS:
            continue
        data = event.data
        try:
            # Events written before `busy` was carried: a busy team showed as "busy" unless
            # it was engaged, which a restart's call-up replay restores anyway.
            busy = bool(data["busy"]) if "busy" in data else data["availability"] == "busy"
            duty[str(data["team_id"])] = Duty(bool(data["on_duty"]), busy)
        except (KeyError, TypeError) as exc:
            log.warning("cannot read back %s event %s: %r", event.type, event.id, exc)
    return duty


def restore_duty(registry: ResponderRegistry, events: Iterable[Event]) -> None:
    """Set every known team's duty as the stored events last showed it."""
    for team_id, duty in duty_of(events).items():
        if team_id in registry:  # a team since removed from the township file
            registry.set_duty(team_id, on_duty=duty.on_duty, busy=duty.busy)
