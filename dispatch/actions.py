"""What the call-up policy decides: plain frozen records, one per step of a call-up.

`dispatch.escalation.CallUp` returns lists of these; the service turns each into a timeline
event (`dispatch.timeline.event_for`), a change of the responder registry and, for pages and
reminders, a webhook notification. `by` is an actor string: "system", "user:ID", "member:ID".
"""

from __future__ import annotations

from dataclasses import dataclass

from dispatch.config import Person
from dispatch.ranking import Candidate


@dataclass(frozen=True, slots=True)
class CallTeam:
    """Ask a team to go. `candidate` is None when an operator added a team ranking excluded."""

    team_id: str
    tier: int
    reason: str
    deadline: float
    candidate: Candidate | None
    by: str = "system"


@dataclass(frozen=True, slots=True)
class PageResponsible:
    """Page the incident cell's responsible person (SMS/voice; they may have no app)."""

    person: Person
    tier: int


@dataclass(frozen=True, slots=True)
class Remind:
    """A called team has not answered on the app: send the SMS/voice fallback."""

    team_id: str
    tier: int


@dataclass(frozen=True, slots=True)
class TimedOut:
    team_id: str
    tier: int


@dataclass(frozen=True, slots=True)
class Escalated:
    from_tier: int
    to_tier: int
    reason: str


@dataclass(frozen=True, slots=True)
class PageLeader:
    tier: int


@dataclass(frozen=True, slots=True)
class Prompt119:
    """Tell the console operator to call the fire brigade (119) now."""

    tier: int


@dataclass(frozen=True, slots=True)
class Exhausted:
    """Every tier was tried and not enough teams accepted; operators must act."""

    tier: int
    accepted: int
    required: int


@dataclass(frozen=True, slots=True)
class Accepted:
    team_id: str
    by: str
    accepted: int
    required: int
    time_to_accept_s: float


@dataclass(frozen=True, slots=True)
class Declined:
    team_id: str
    by: str
    reason: str


@dataclass(frozen=True, slots=True)
class StoodDown:
    """A team no longer needed: enough teams accepted, or (`withdrawn`) it became unavailable."""

    team_id: str
    reason: str
    withdrawn: bool = False


@dataclass(frozen=True, slots=True)
class TeamRemoved:
    team_id: str
    by: str


@dataclass(frozen=True, slots=True)
class Arrived:
    team_id: str
    by: str
    time_to_accept_s: float | None
    time_to_arrive_s: float  # from the incident's opening: the 3-minute target counts from there


@dataclass(frozen=True, slots=True)
class Closed:
    reason: str
    teams: tuple[str, ...]


Action = (
    CallTeam
    | PageResponsible
    | Remind
    | TimedOut
    | Escalated
    | PageLeader
    | Prompt119
    | Exhausted
    | Accepted
    | Declined
    | StoodDown
    | TeamRemoved
    | Arrived
    | Closed
)


def teams_of(action: Action) -> tuple[str, ...]:
    """The teams an action concerns (whose availability it may change)."""
    if isinstance(action, Closed):
        return action.teams
    team_id: str | None = getattr(action, "team_id", None)
    return () if team_id is None else (team_id,)
