"""Dispatch's side of the incident timeline: the port it publishes to and its event types.

Dispatch does not own the event stream; the alerts hub does. The service only needs something
with `async publish(event) -> Event` (`TimelinePort`), which keeps it testable with a list and
wireable to the hub without importing it.

Event types (all with `incident_id` and `grid` set, except `dispatch.team_status`, which has the
team's cell and no incident unless the change came from one). `audience_teams` names the teams
whose phones must see the event:

===========================  =================  ==============================================
type                         audience_teams     data
===========================  =================  ==============================================
dispatch.recommendation      –                  `Recommendation.to_json(limit=10)`
dispatch.callup              the called team    team_id, tier, reason, deadline, location,
                                                cell, camera_id, kind, candidate (or null)
dispatch.team_added          the added team     as dispatch.callup (an operator's call)
dispatch.responsible_paged   –                  name, phone, cell
dispatch.accepted            the team           team_id, member, accepted, required,
                                                time_to_accept_s
dispatch.declined            the team           team_id, member, reason
dispatch.timeout             the team           team_id, tier
dispatch.stood_down          the team           team_id, reason, withdrawn (became unavailable,
                                                not "enough accepted")
dispatch.team_removed        the team           team_id
dispatch.escalated           –                  from_tier, to_tier, reason
dispatch.leader_paged        –                  leader, tier
dispatch.call_119            –                  tier, location, cell, message
dispatch.exhausted           –                  tier, accepted, required
dispatch.arrived             the team           team_id, member, time_to_accept_s,
                                                time_to_arrive_s
dispatch.closed              every called team  reason, teams
dispatch.team_status         the team           team_id, availability, on_duty, busy
dispatch.notify              –                  `NotifyResult.to_json()` (webhook outcome)
===========================  =================  ==============================================
"""

from __future__ import annotations

import contextlib
import uuid
from typing import Any, Protocol

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
    PageResponsible,
    Prompt119,
    Remind,
    StoodDown,
    TeamRemoved,
    TimedOut,
)
from dispatch.config import Coordinate
from dispatch.grid import Grid
from dispatch.ranking import IncidentSite

SYSTEM = "system"


class TimelinePort(Protocol):
    async def publish(self, event: Event) -> Event:
        """Append the event to the stream (assigning its seq) and deliver it."""
        ...


def site_from_opened(grid: Grid, event: Event) -> IncidentSite | None:
    """Where an `incident.opened` event happened; None without an incident id or a place.

    The location is `data.location` ([lon, lat]); failing that, the centre of the event's cell.
    """
    if event.incident_id is None:
        return None
    location: Coordinate | None = None
    raw: Any = event.data.get("location")
    with contextlib.suppress(TypeError, ValueError, IndexError, KeyError):
        lon, lat = float(raw[0]), float(raw[1])
        if -180 <= lon <= 180 and -90 <= lat <= 90:
            location = (lon, lat)
    if location is None and event.grid is not None and event.grid in grid:
        location = grid.cell(event.grid).centroid
    if location is None:
        return None
    camera_id, kind = event.data.get("camera_id"), event.data.get("kind")
    return IncidentSite.build(
        grid,
        event.incident_id,
        event.grid,
        location,
        opened_at=event.time,
        camera_id=None if camera_id is None else str(camera_id),
        kind=None if kind is None else str(kind),
    )


def make_event(
    type: str,
    now: float,
    data: dict[str, Any],
    *,
    actor: str = SYSTEM,
    incident_id: str | None = None,
    grid: str | None = None,
    audience: tuple[str, ...] = (),
) -> Event:
    return Event(
        type=type,
        time=now,
        actor=actor,
        data=data,
        id=uuid.uuid4().hex,
        incident_id=incident_id,
        grid=grid,
        audience_teams=audience,
    )


def event_for(
    action: Action, site: IncidentSite, now: float, duty_leader: str | None
) -> Event | None:
    """The timeline event of one policy action; None for actions that are not news."""
    type_, actor, audience, data = _describe(action, site, duty_leader)
    if not type_:
        return None
    return make_event(
        type_, now, data, actor=actor, incident_id=site.incident_id, grid=site.grid,
        audience=audience,
    )  # fmt: skip


Described = tuple[str, str, tuple[str, ...], dict[str, Any]]


def _describe(action: Action, site: IncidentSite, duty_leader: str | None) -> Described:
    data: dict[str, Any]
    match action:
        case CallTeam():
            kind = "dispatch.callup" if action.by == SYSTEM else "dispatch.team_added"
            return kind, action.by, (action.team_id,), _call_data(action, site)
        case PageResponsible(person=person):
            data = {"name": person.name, "phone": person.phone, "cell": site.cell_name}
            return "dispatch.responsible_paged", SYSTEM, (), data
        case Accepted():
            data = {
                "team_id": action.team_id,
                "member": action.by,
                "accepted": action.accepted,
                "required": action.required,
                "time_to_accept_s": round(action.time_to_accept_s, 2),
            }
            return "dispatch.accepted", action.by, (action.team_id,), data
        case Declined():
            data = {"team_id": action.team_id, "member": action.by, "reason": action.reason}
            return "dispatch.declined", action.by, (action.team_id,), data
        case TimedOut():
            data = {"team_id": action.team_id, "tier": action.tier}
            return "dispatch.timeout", SYSTEM, (action.team_id,), data
        case StoodDown():
            data = {
                "team_id": action.team_id,
                "reason": action.reason,
                "withdrawn": action.withdrawn,
            }
            return "dispatch.stood_down", SYSTEM, (action.team_id,), data
        case TeamRemoved():
            return (
                "dispatch.team_removed",
                action.by,
                (action.team_id,),
                {"team_id": action.team_id},
            )
        case Escalated():
            data = {
                "from_tier": action.from_tier,
                "to_tier": action.to_tier,
                "reason": action.reason,
            }
            return "dispatch.escalated", SYSTEM, (), data
        case PageLeader():
            return "dispatch.leader_paged", SYSTEM, (), {"leader": duty_leader, "tier": action.tier}
        case Prompt119():
            data = {
                "tier": action.tier,
                "location": list(site.location),
                "cell": site.cell_name,
                "message": "No local team has accepted: call the fire brigade (119) now.",
            }
            return "dispatch.call_119", SYSTEM, (), data
        case Exhausted():
            data = {"tier": action.tier, "accepted": action.accepted, "required": action.required}
            return "dispatch.exhausted", SYSTEM, (), data
        case Arrived():
            data = {
                "team_id": action.team_id,
                "member": action.by,
                "time_to_accept_s": _round(action.time_to_accept_s),
                "time_to_arrive_s": round(action.time_to_arrive_s, 2),
            }
            return "dispatch.arrived", action.by, (action.team_id,), data
        case Closed():
            data = {"reason": action.reason, "teams": list(action.teams)}
            return "dispatch.closed", SYSTEM, action.teams, data
        case Remind():
            return "", SYSTEM, (), {}  # only the webhook acts on it; its result is the news


def _call_data(action: CallTeam, site: IncidentSite) -> dict[str, Any]:
    return {
        "team_id": action.team_id,
        "tier": action.tier,
        "reason": action.reason,
        "deadline": action.deadline,
        "location": list(site.location),
        "cell": site.cell_name,
        "camera_id": site.camera_id,
        "kind": site.kind,
        "candidate": None if action.candidate is None else action.candidate.to_json(),
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)
