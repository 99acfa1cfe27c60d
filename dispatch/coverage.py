"""Blind spots of "full coverage": cells no online camera watches, cells no team reaches in time.

Pure. The report covers the grid's leaf cells (the smallest units, where cameras and teams are
placed): a leaf is unwatched when no online camera is assigned to it, and too slow when the
fastest available team's ETA from the cell's centroid exceeds `limit_s` (default 180 s, the
township's 3-minute target). `firegrid coverage --config FILE` prints it from the configuration
(`cli_main`); `GET /api/coverage` computes it from live team positions and camera health.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple, TextIO

from dispatch.config import Coordinate, TeamConfig, TravelConfig, TravelMode
from dispatch.grid import Grid
from dispatch.responders import ResponderRegistry
from dispatch.travel import eta_s, haversine_m

SCHEMA_VERSION = 1
ARRIVAL_TARGET_S = 180.0


class CameraStatus(NamedTuple):
    camera_id: str
    grid: str
    online: bool


class TeamSpot(NamedTuple):
    """A team as coverage sees it: where it is, how it moves, whether it could go now."""

    team_id: str
    location: Coordinate
    travel_mode: TravelMode
    available: bool


def spots_from_config(teams: Sequence[TeamConfig]) -> list[TeamSpot]:
    """Teams at their bases; on-duty teams count as available (the planning view)."""
    return [TeamSpot(t.id, t.base, t.travel_mode, t.on_duty) for t in teams]


def spots_from_registry(registry: ResponderRegistry) -> list[TeamSpot]:
    """Teams where they are now; only on-duty teams free to go count (the live view)."""
    return [
        TeamSpot(
            team.id,
            registry.position(team.id).location,
            team.config.travel_mode,
            team.on_duty and team.availability in ("available", "called"),
        )
        for team in registry
    ]


@dataclass(frozen=True, slots=True)
class CellCoverage:
    code: str
    name: str
    cameras: int
    cameras_online: int
    fastest_team: str | None
    fastest_eta_s: float | None

    def to_json(self) -> dict[str, Any]:
        eta = None if self.fastest_eta_s is None else round(self.fastest_eta_s, 1)
        return {
            "code": self.code,
            "name": self.name,
            "cameras": self.cameras,
            "cameras_online": self.cameras_online,
            "fastest_team": self.fastest_team,
            "fastest_eta_s": eta,
        }


@dataclass(frozen=True, slots=True)
class CoverageReport:
    limit_s: float
    cells: tuple[CellCoverage, ...]
    unknown_camera_cells: tuple[str, ...]  # camera grid codes the grid does not have

    @property
    def unwatched(self) -> tuple[CellCoverage, ...]:
        return tuple(c for c in self.cells if c.cameras_online == 0)

    @property
    def too_slow(self) -> tuple[CellCoverage, ...]:
        return tuple(
            c for c in self.cells if c.fastest_eta_s is None or c.fastest_eta_s > self.limit_s
        )

    @property
    def complete(self) -> bool:
        return not self.unwatched and not self.too_slow

    def to_json(self) -> dict[str, Any]:
        return {
            "v": SCHEMA_VERSION,
            "limit_s": self.limit_s,
            "cells_total": len(self.cells),
            "complete": self.complete,
            "unwatched": [c.to_json() for c in self.unwatched],
            "too_slow": [c.to_json() for c in self.too_slow],
            "unknown_camera_cells": list(self.unknown_camera_cells),
            "cells": [c.to_json() for c in self.cells],
        }


def coverage_report(
    grid: Grid,
    teams: Sequence[TeamSpot],
    cameras: Sequence[CameraStatus],
    travel: TravelConfig,
    limit_s: float = ARRIVAL_TARGET_S,
) -> CoverageReport:
    cells = []
    for leaf in grid.leaves():
        mine = [cam for cam in cameras if cam.grid == leaf.code]
        best: tuple[float, str] | None = None
        for spot in teams:
            if spot.available:
                eta = eta_s(haversine_m(spot.location, leaf.centroid), spot.travel_mode, travel)
                best = min(best, (eta, spot.team_id)) if best is not None else (eta, spot.team_id)
        cells.append(
            CellCoverage(
                code=leaf.code,
                name=leaf.name,
                cameras=len(mine),
                cameras_online=sum(1 for cam in mine if cam.online),
                fastest_team=None if best is None else best[1],
                fastest_eta_s=None if best is None else best[0],
            )
        )
    unknown = sorted({cam.grid for cam in cameras if cam.grid not in grid})
    return CoverageReport(limit_s, tuple(cells), tuple(unknown))


def cli_main(
    grid: Grid,
    teams: Sequence[TeamConfig],
    cameras: Sequence[CameraStatus],
    travel: TravelConfig,
    argv: Sequence[str] | None = None,
    out: TextIO | None = None,
) -> int:
    """`firegrid coverage`: the caller loads the config; exit 0 if complete, 1 if blind spots."""
    parser = argparse.ArgumentParser(prog="firegrid coverage")
    parser.add_argument("--json", action="store_true", help="print the report as JSON")
    parser.add_argument("--limit-s", type=float, default=ARRIVAL_TARGET_S)
    args, _ = parser.parse_known_args(argv)  # the caller's own options (--config) pass through
    report = coverage_report(grid, spots_from_config(teams), cameras, travel, args.limit_s)
    stream = sys.stdout if out is None else out
    if args.json:
        stream.write(json.dumps(report.to_json(), ensure_ascii=False) + "\n")
    else:
        stream.write(_text(report))
    return 0 if report.complete else 1


def _text(report: CoverageReport) -> str:
    lines = [f"{len(report.cells)} cells; arrival target {report.limit_s:g} s"]
    for c in report.unwatched:
        lines.append(f"NO CAMERA  {c.code} {c.name}: {c.cameras} cameras, none online")
    for c in report.too_slow:
        if c.fastest_eta_s is None:
            lines.append(f"NO TEAM    {c.code} {c.name}: no available team")
        else:
            lines.append(
                f"TOO SLOW   {c.code} {c.name}: fastest {c.fastest_team} in {c.fastest_eta_s:.0f} s"
            )
    for code in report.unknown_camera_cells:
        lines.append(f"UNKNOWN    cameras assigned to {code}, which the grid does not have")
    if report.complete:
        lines.append("every cell is watched and reachable in time")
    return "\n".join(lines) + "\n"
