"""`firegrid bench ranking --teams N --json`: how long ranking N teams takes.

Prints one JSON object. The baseline, measured in the same run on the same teams, is the naive
ranking open-source dispatch tools do (straight-line distance from each base, sorted); the ratio
says what the ETA model, live/stale locations and local preference cost on top of it. The target
is 5 ms for 1,000 teams.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Callable, Sequence

from dispatch.config import MemberConfig, Person, TeamConfig, TravelConfig, TravelMode
from dispatch.ranking import IncidentSite, rank
from dispatch.responders import ResponderRegistry
from dispatch.travel import haversine_m

TARGET_MS_PER_1000 = 5.0
CENTRE = (120.15, 30.28)
MODES: tuple[TravelMode, ...] = ("foot", "bicycle", "ebike", "vehicle")


def synthetic_registry(n: int, now: float, seed: int = 7) -> ResponderRegistry:
    """N teams scattered over ~10 km, a third with live fixes, a third stale, some off duty."""
    rnd = random.Random(seed)
    teams = [
        TeamConfig(
            id=f"t{i}",
            name=f"team {i}",
            kind="patrol",
            grid=f"c{i % 40}",
            base=(CENTRE[0] + rnd.uniform(-0.05, 0.05), CENTRE[1] + rnd.uniform(-0.05, 0.05)),
            travel_mode=MODES[i % 4],
            on_duty=i % 10 != 0,
            members=[MemberConfig(id=f"m{i}", name="m", phone=f"1{i:010d}", token="x" * 16)],
        )
        for i in range(n)
    ]
    registry = ResponderRegistry(teams, TravelConfig(), clock=lambda: now)
    for i, team in enumerate(teams):
        if i % 3 == 0:
            continue
        age = 10.0 if i % 3 == 1 else 600.0
        spot = (team.base[0] + 0.001, team.base[1] - 0.001)
        registry.report_location(f"m{i}", spot, at=now - age)
    return registry


def _timings(
    fns: Sequence[Callable[[], object]], runs: int
) -> list[tuple[list[float], list[float]]]:
    """Wall and CPU milliseconds of each function, interleaved run by run so that both see the
    same machine load (the machine is shared; CPU time is what the code itself costs)."""
    out: list[tuple[list[float], list[float]]] = [([], []) for _ in fns]
    for _ in range(runs):
        for fn, (wall, cpu) in zip(fns, out, strict=True):
            w, c = time.perf_counter(), time.process_time()
            fn()
            cpu.append((time.process_time() - c) * 1000)
            wall.append((time.perf_counter() - w) * 1000)
    return out


def _median(values: list[float]) -> float:
    return round(statistics.median(values), 3)


def run(teams: int, runs: int) -> dict[str, object]:
    now = 1_764_500_000.0
    registry = synthetic_registry(teams, now)
    site = IncidentSite(
        incident_id="bench",
        grid="c0",
        cell_name="c0",
        location=CENTRE,
        opened_at=now,
        responsible=Person(name="p", phone="10000000003"),
        own_cells=frozenset({"c0"}),
        neighbour_cells=frozenset({"c1", "c2"}),
    )
    bases = [(t.id, t.config.base) for t in registry]

    def baseline() -> object:
        return sorted(bases, key=lambda item: haversine_m(item[1], CENTRE))

    def ranking() -> object:
        return rank(site, registry, comparable_eta_s=30.0, now=now)

    ranking()  # warm caches once, as a running hub would be
    (base_wall, base_cpu), (rank_wall, rank_cpu) = _timings([baseline, ranking], runs)
    target = TARGET_MS_PER_1000 * teams / 1000
    return {
        "benchmark": "ranking",
        "teams": teams,
        "runs": runs,
        "ranking_ms_median": _median(rank_wall),
        "ranking_ms_p95": round(sorted(rank_wall)[int(0.95 * (runs - 1))], 3),
        "ranking_cpu_ms_median": _median(rank_cpu),
        "baseline": "straight-line distance from base, sorted",
        "baseline_ms_median": _median(base_wall),
        "baseline_cpu_ms_median": _median(base_cpu),
        "ratio_to_baseline": round(statistics.median(rank_cpu) / statistics.median(base_cpu), 2)
        if statistics.median(base_cpu) > 0
        else None,
        "target_ms": target,
        "meets_target": statistics.median(rank_wall) < target,
        "meets_target_cpu": statistics.median(rank_cpu) < target,
    }


def cli_main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="firegrid bench ranking")
    parser.add_argument("--teams", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--json", action="store_true", help="JSON output (the only format)")
    args = parser.parse_args(argv)
    result = run(args.teams, args.runs)
    print(json.dumps(result))
    return 0 if result["meets_target"] else 1
