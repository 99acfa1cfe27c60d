"""Who should go: on-duty, free teams ranked by estimated time of arrival.

Pure. ETA = haversine distance × road factor / speed of the team's travel mode. Teams of the
incident's own cell (or below it) and teams that count the cell's responsible person among their
members go first when their ETA is within `comparable_eta_s` of the fastest team's: local people
know the ground and the cell is theirs. Anyone clearly faster still goes ahead of them.

Off-duty, busy and engaged (responding / on scene) teams are excluded; each excluded team is
listed with its reason, and each ranked row carries the facts behind its place (distance, ETA,
live or stale or base location, cell), rendered by `Candidate.why()`.

Speed (target: 1,000 teams in < 5 ms, `firegrid bench ranking`): the distance maths and the
sort are vectorised with numpy, rows are NamedTuples, and a team without a fix reuses its
prebuilt base position; what remains is one pass over the teams in Python.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any, NamedTuple

import numpy as np

from dispatch.config import Coordinate, Person, TeamKind, TravelMode
from dispatch.grid import Grid
from dispatch.responders import (
    Availability,
    LocationSource,
    Position,
    ResponderRegistry,
    TeamState,
)
from dispatch.travel import EARTH_RADIUS_M, metres_per_second

SCHEMA_VERSION = 1
DIAMETER_M = 2 * EARTH_RADIUS_M


@dataclass(frozen=True, slots=True)
class IncidentSite:
    """What dispatch needs to know about an incident: where it is and whose cell it is."""

    incident_id: str
    grid: str | None
    cell_name: str | None
    location: Coordinate
    opened_at: float
    responsible: Person | None
    own_cells: frozenset[str]
    neighbour_cells: frozenset[str]
    camera_id: str | None = None
    kind: str | None = None

    @classmethod
    def build(
        cls,
        grid: Grid,
        incident_id: str,
        cell_code: str | None,
        location: Coordinate,
        opened_at: float,
        camera_id: str | None = None,
        kind: str | None = None,
    ) -> IncidentSite:
        """Resolve the incident's cell (the one given, else the one containing the point)."""
        if cell_code not in grid:
            found = grid.locate(location)
            cell_code = None if found is None else found.code
        unplaced = cls(
            incident_id=incident_id,
            grid=None,
            cell_name=None,
            location=location,
            opened_at=opened_at,
            responsible=None,
            own_cells=frozenset(),
            neighbour_cells=frozenset(),
            camera_id=camera_id,
            kind=kind,
        )
        if cell_code is None:
            return unplaced
        cell = grid.cell(cell_code)
        own = grid.within(cell_code)
        near: set[str] = set()
        for other in grid.neighbours(cell_code):
            near |= grid.within(other)
        return replace(
            unplaced,
            grid=cell_code,
            cell_name=cell.name,
            responsible=cell.responsible,
            own_cells=own,
            neighbour_cells=frozenset(near - own),
        )


class Candidate(NamedTuple):
    """One ranked team. A NamedTuple, not a frozen dataclass: it is built once per team per
    ranking, and frozen dataclasses cost 4× more to build (1,000 teams must rank in < 5 ms)."""

    team_id: str
    team_name: str
    kind: TeamKind
    grid: str
    travel_mode: TravelMode
    availability: Availability
    distance_m: float
    eta_s: float
    location: Coordinate
    source: LocationSource
    fix_age_s: float | None
    own_cell: bool
    neighbour_cell: bool
    responsible_team: bool
    preferred: bool  # placed ahead of faster teams: own cell / responsible person, comparable ETA

    @property
    def stale(self) -> bool:
        return self.source == "base" and self.fix_age_s is not None

    def why(self) -> str:
        if self.source == "live":
            where = f"live location {self.fix_age_s:.0f} s old"
        elif self.fix_age_s is not None:
            where = f"base location (last fix stale, {self.fix_age_s:.0f} s old)"
        else:
            where = "base location (no fix from members)"
        cell = (
            "own cell"
            if self.own_cell
            else "neighbouring cell"
            if self.neighbour_cell
            else ("other cell")
        )
        parts = [
            f"{self.distance_m:.0f} m straight line",
            f"ETA {self.eta_s:.0f} s by {self.travel_mode}",
            where,
            f"{cell} {self.grid}",
        ]
        if self.responsible_team:
            parts.append("team of the cell's responsible person")
        if self.preferred:
            parts.append("ahead of faster teams: local and ETA comparable")
        if self.availability == "called":
            parts.append("already called for another incident")
        return "; ".join(parts)

    def to_json(self) -> dict[str, Any]:
        return {
            "team_id": self.team_id,
            "team_name": self.team_name,
            "kind": self.kind,
            "grid": self.grid,
            "travel_mode": self.travel_mode,
            "availability": self.availability,
            "distance_m": round(self.distance_m, 1),
            "eta_s": round(self.eta_s, 1),
            "location": list(self.location),
            "location_source": self.source,
            "location_stale": self.stale,
            "fix_age_s": None if self.fix_age_s is None else round(self.fix_age_s, 1),
            "own_cell": self.own_cell,
            "neighbour_cell": self.neighbour_cell,
            "responsible_team": self.responsible_team,
            "preferred": self.preferred,
            "why": self.why(),
        }


@dataclass(frozen=True, slots=True)
class Excluded:
    team_id: str
    team_name: str
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {"team_id": self.team_id, "team_name": self.team_name, "reason": self.reason}


@dataclass(frozen=True, slots=True)
class Recommendation:
    incident_id: str
    computed_at: float
    candidates: tuple[Candidate, ...]
    excluded: tuple[Excluded, ...]

    def to_json(self, limit: int | None = None) -> dict[str, Any]:
        """`limit` keeps the first rows only (timeline events stay small; the API sends all)."""
        return {
            "v": SCHEMA_VERSION,
            "incident_id": self.incident_id,
            "computed_at": self.computed_at,
            "candidates_total": len(self.candidates),
            "excluded_total": len(self.excluded),
            "candidates": [c.to_json() for c in self.candidates[:limit]],
            "excluded": [e.to_json() for e in self.excluded[:limit]],
        }


RANKABLE: frozenset[Availability] = frozenset({"available", "called"})


def _exclusion(team: TeamState, availability: Availability) -> str:
    if not team.on_duty:
        return "off duty"
    if availability == "busy":
        return "busy"
    return f"{availability} at {', '.join(sorted(team.engaged))}"


def rank(
    site: IncidentSite, registry: ResponderRegistry, comparable_eta_s: float, now: float
) -> Recommendation:
    """Rank every team of the registry for the incident at `site`, as of `now`.

    Equal ETAs keep the registry's (configuration) order, so a ranking is reproducible.
    """
    travel = registry.travel
    speeds = metres_per_second(travel)
    max_age = travel.location_max_age_s
    kept: list[tuple[TeamState, Availability, Position]] = []
    excluded: list[Excluded] = []
    for team in registry:
        availability = team.availability
        if team.on_duty and availability in RANKABLE:
            kept.append((team, availability, team.position(now, max_age)))
        else:
            reason = _exclusion(team, availability)
            excluded.append(Excluded(team.config.id, team.config.name, reason))
    if not kept:
        return Recommendation(site.incident_id, now, (), tuple(excluded))
    # The distance maths is vectorised: it was a third of the time as a Python loop.
    lon, lat = np.radians(np.array([pos.location for _, _, pos in kept])).T
    lon0, lat0 = math.radians(site.location[0]), math.radians(site.location[1])
    h = np.sin((lat - lat0) / 2) ** 2 + math.cos(lat0) * np.cos(lat) * np.sin((lon - lon0) / 2) ** 2
    distance = DIAMETER_M * np.arcsin(np.sqrt(h))
    eta = distance / np.array([speeds[team.config.travel_mode] for team, _, _ in kept])
    order = np.argsort(eta, kind="stable").tolist()
    distances, etas = distance.tolist(), eta.tolist()
    own, near = site.own_cells, site.neighbour_cells
    responsible = (
        frozenset()
        if site.responsible is None
        else registry.teams_with_phone(site.responsible.phone)
    )
    rows: list[Candidate] = []
    for i in order:
        team, availability, pos = kept[i]
        cfg = team.config
        rows.append(
            Candidate(
                cfg.id, cfg.name, cfg.kind, cfg.grid, cfg.travel_mode, availability, distances[i],
                etas[i], pos.location, pos.source, pos.fix_age_s, cfg.grid in own,
                cfg.grid in near, cfg.id in responsible, False,
            )
        )  # fmt: skip
    return Recommendation(
        site.incident_id, now, _prefer_local(rows, comparable_eta_s), tuple(excluded)
    )


def _prefer_local(rows: list[Candidate], comparable_eta_s: float) -> tuple[Candidate, ...]:
    """Move local teams (own cell, responsible person's) with a comparable ETA to the front.

    `rows` is already in ETA order.
    """
    limit = rows[0].eta_s + comparable_eta_s
    local = [c for c in rows if (c.own_cell or c.responsible_team) and c.eta_s <= limit]
    if not local:
        return tuple(rows)
    local.sort(key=lambda c: (not c.responsible_team, not c.own_cell))
    chosen = {c.team_id for c in local}
    # "preferred" marks only rows that actually overtook a faster team.
    first_other = next((c.eta_s for c in rows if c.team_id not in chosen), math.inf)
    promoted = [c if c.eta_s <= first_other else c._replace(preferred=True) for c in local]
    return tuple(promoted) + tuple(c for c in rows if c.team_id not in chosen)
