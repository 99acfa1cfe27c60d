"""Responder teams: who is on duty, who is free, and where each team is now.

Pure and single-threaded: the registry holds state and answers questions; the service changes
it through the methods below. A team's position is the newest fix any of its members' phones
reported (members of a team travel together). A fix older than `location_max_age_s` is stale:
the team's base is used instead and the position says so.

Availability is derived, never stored, so it cannot drift from the facts it summarises:
on_scene or responding (engaged by an incident) > busy (operator/team said so) > called
(a call-up is waiting for its answer) > available. Duty (on/off) is separate: an off-duty team
keeps its availability but is never ranked.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal, NamedTuple

from dispatch.config import Coordinate, TeamConfig, TravelConfig
from dispatch.errors import DispatchConfigError
from dispatch.travel import Clock

Availability = Literal["available", "called", "responding", "on_scene", "busy"]
Engagement = Literal["responding", "on_scene"]
LocationSource = Literal["live", "base"]


@dataclass(frozen=True, slots=True)
class Fix:
    location: Coordinate
    at: float
    member_id: str


class Position(NamedTuple):
    """Where a team is taken to be: its live fix, or its base when the fix is stale or absent.

    A NamedTuple because ranking builds one per team per call (see `dispatch.ranking`)."""

    location: Coordinate
    source: LocationSource
    fix_age_s: float | None  # age of the newest fix; None when no member ever reported one

    @property
    def stale(self) -> bool:
        return self.source == "base" and self.fix_age_s is not None


class TeamState:
    """One team's live state. Read it freely; change it only through `ResponderRegistry`."""

    __slots__ = ("_at_base", "busy", "called_for", "config", "engaged", "fix", "on_duty")

    def __init__(self, config: TeamConfig) -> None:
        self.config = config
        self._at_base = Position(config.base, "base", None)  # built once: ranking asks often
        self.on_duty = config.on_duty
        self.busy = False
        self.called_for: set[str] = set()
        self.engaged: dict[str, Engagement] = {}
        self.fix: Fix | None = None

    @property
    def id(self) -> str:
        return self.config.id

    @property
    def availability(self) -> Availability:
        if self.engaged:
            return "on_scene" if "on_scene" in self.engaged.values() else "responding"
        if self.busy:
            return "busy"
        return "called" if self.called_for else "available"

    def position(self, now: float, max_age_s: float) -> Position:
        fix = self.fix
        if fix is None:
            return self._at_base
        age = max(0.0, now - fix.at)
        if age > max_age_s:
            return Position(self.config.base, "base", age)
        return Position(fix.location, "live", age)


class ResponderRegistry:
    """All teams of the township, by id, with their members."""

    def __init__(self, teams: Sequence[TeamConfig], travel: TravelConfig, clock: Clock) -> None:
        self._travel = travel
        self._clock = clock
        self._teams: dict[str, TeamState] = {}
        self._member_team: dict[str, str] = {}
        self._phone_teams: dict[str, set[str]] = {}
        for cfg in teams:
            if cfg.id in self._teams:
                raise DispatchConfigError(f"team id {cfg.id!r} appears twice")
            self._teams[cfg.id] = TeamState(cfg)
            for member in cfg.members:
                if member.id in self._member_team:
                    raise DispatchConfigError(
                        f"member {member.id!r} is in both {self._member_team[member.id]!r} "
                        f"and {cfg.id!r}"
                    )
                self._member_team[member.id] = cfg.id
                self._phone_teams.setdefault(member.phone, set()).add(cfg.id)

    @property
    def travel(self) -> TravelConfig:
        return self._travel

    def __contains__(self, team_id: object) -> bool:
        return team_id in self._teams

    def __len__(self) -> int:
        return len(self._teams)

    def __iter__(self) -> Iterator[TeamState]:
        return iter(self._teams.values())

    def team(self, team_id: str) -> TeamState:
        try:
            return self._teams[team_id]
        except KeyError:
            raise KeyError(f"no team {team_id!r}") from None

    def team_of_member(self, member_id: str) -> str | None:
        return self._member_team.get(member_id)

    def teams_with_phone(self, phone: str) -> frozenset[str]:
        """Teams that count a member with this phone number (e.g. a cell's responsible person)."""
        return frozenset(self._phone_teams.get(phone, ()))

    def position(self, team_id: str) -> Position:
        return self.team(team_id).position(self._clock(), self._travel.location_max_age_s)

    def report_location(
        self, member_id: str, location: Coordinate, at: float | None = None
    ) -> bool:
        """Record a member's fix; False when it is older than the fix the team already has."""
        team = self.team(self._member_team[member_id])
        when = self._clock() if at is None else at
        if team.fix is not None and team.fix.at > when:
            return False
        team.fix = Fix(location, when, member_id)
        return True

    def set_duty(self, team_id: str, *, on_duty: bool, busy: bool) -> None:
        team = self.team(team_id)
        team.on_duty = on_duty
        team.busy = busy

    def mark_called(self, team_id: str, incident_id: str) -> None:
        self.team(team_id).called_for.add(incident_id)

    def engage(self, team_id: str, incident_id: str, how: Engagement) -> None:
        team = self.team(team_id)
        team.called_for.discard(incident_id)
        team.engaged[incident_id] = how

    def release(self, team_id: str, incident_id: str) -> None:
        """The incident no longer needs the team (declined, stood down, removed, closed)."""
        team = self.team(team_id)
        team.called_for.discard(incident_id)
        team.engaged.pop(incident_id, None)

    def snapshot(self, team_id: str) -> dict[str, Any]:
        """The team as the console's team list shows it (JSON-ready)."""
        team = self.team(team_id)
        pos = self.position(team_id)
        cfg = team.config
        return {
            "id": cfg.id,
            "name": cfg.name,
            "kind": cfg.kind,
            "grid": cfg.grid,
            "travel_mode": cfg.travel_mode,
            "on_duty": team.on_duty,
            "availability": team.availability,
            "called_for": sorted(team.called_for),
            "engaged": dict(sorted(team.engaged.items())),
            "location": list(pos.location),
            "location_source": pos.source,
            "location_stale": pos.stale,
            "fix_age_s": None if pos.fix_age_s is None else round(pos.fix_age_s, 1),
            "members": [{"id": m.id, "name": m.name} for m in cfg.members],
        }
