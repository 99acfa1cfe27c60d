"""How fast a call-up worked: per team, time to accept and time to arrive.

Pure, read from a `CallUp`. Time to accept counts from the team's call (how quickly people
answer their phones); time to arrive counts from the incident's opening, because the township's
3-minute target is from the alarm, not from the call.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dispatch.escalation import CallStatus, CallUp

SCHEMA_VERSION = 1


@dataclass(frozen=True, slots=True)
class TeamMeasure:
    team_id: str
    tier: int
    status: CallStatus
    called_at: float
    time_to_accept_s: float | None
    time_to_arrive_s: float | None

    def to_json(self) -> dict[str, Any]:
        return {
            "team_id": self.team_id,
            "tier": self.tier,
            "status": self.status,
            "called_at": self.called_at,
            "time_to_accept_s": _round(self.time_to_accept_s),
            "time_to_arrive_s": _round(self.time_to_arrive_s),
        }


@dataclass(frozen=True, slots=True)
class IncidentMeasures:
    incident_id: str
    opened_at: float
    tier: int
    accepted: int
    leader_paged: bool
    exhausted: bool
    first_accept_s: float | None  # from the opening to the first acceptance
    first_arrival_s: float | None  # from the opening to the first team on scene
    teams: tuple[TeamMeasure, ...]

    def to_json(self) -> dict[str, Any]:
        return {
            "v": SCHEMA_VERSION,
            "incident_id": self.incident_id,
            "opened_at": self.opened_at,
            "tier": self.tier,
            "accepted": self.accepted,
            "leader_paged": self.leader_paged,
            "exhausted": self.exhausted,
            "first_accept_s": _round(self.first_accept_s),
            "first_arrival_s": _round(self.first_arrival_s),
            "teams": [t.to_json() for t in self.teams],
        }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def measure(callup: CallUp) -> IncidentMeasures:
    opened = callup.site.opened_at
    teams = tuple(
        TeamMeasure(
            team_id=call.team_id,
            tier=call.tier,
            status=call.status,
            called_at=call.called_at,
            time_to_accept_s=(
                call.answered_at - call.called_at
                if call.status == "accepted" and call.answered_at is not None
                else None
            ),
            time_to_arrive_s=None if call.arrived_at is None else call.arrived_at - opened,
        )
        for call in callup.calls.values()
    )
    accepts = [c.answered_at for c in callup.calls.values() if c.status == "accepted"]
    arrivals = [c.arrived_at for c in callup.calls.values() if c.arrived_at is not None]
    return IncidentMeasures(
        incident_id=callup.site.incident_id,
        opened_at=opened,
        tier=callup.tier,
        accepted=callup.accepted,
        leader_paged=callup.leader_paged,
        exhausted=callup.exhausted,
        first_accept_s=min((a - opened for a in accepts if a is not None), default=None),
        first_arrival_s=min((a - opened for a in arrivals if a is not None), default=None),
        teams=teams,
    )
