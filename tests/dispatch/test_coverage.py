from __future__ import annotations

import io
import json

from dispatch.config import TravelConfig
from dispatch.coverage import (
    CameraStatus,
    cli_main,
    coverage_report,
    spots_from_config,
    spots_from_registry,
)
from tests.dispatch.township import FakeClock, build_grid, build_registry, teams_config

CAMERAS = [
    CameraStatus("cam-a", "A", True),
    CameraStatus("cam-b", "B", False),
    CameraStatus("cam-c", "C", True),
    CameraStatus("cam-e", "E", True),
    CameraStatus("cam-z", "ZZ", True),
]


def test_cells_without_an_online_camera_and_cells_out_of_reach() -> None:
    teams = [t if t.id != "b1" else t.model_copy(update={"on_duty": False}) for t in teams_config()]
    report = coverage_report(build_grid(), spots_from_config(teams), CAMERAS, TravelConfig())
    assert [c.code for c in report.cells] == ["A", "B", "C", "D", "E"]
    assert [(c.code, c.cameras, c.cameras_online) for c in report.unwatched] == [
        ("B", 1, 0),
        ("D", 0, 0),
    ]
    # without b1 (the only vehicle nearby) B and D are more than 3 minutes from anyone
    slow = {c.code: c for c in report.too_slow}
    assert set(slow) == {"B", "D"}
    assert slow["D"].fastest_team == "a2" and slow["D"].fastest_eta_s is not None
    assert slow["D"].fastest_eta_s > 180
    assert report.unknown_camera_cells == ("ZZ",)
    assert not report.complete
    out = report.to_json()
    assert out["v"] == 1 and out["cells_total"] == 5 and len(out["too_slow"]) == 2


def test_b1_alone_keeps_d_within_three_minutes() -> None:
    report = coverage_report(
        build_grid(), spots_from_config(teams_config()), CAMERAS, TravelConfig()
    )
    d = next(c for c in report.cells if c.code == "D")
    assert d.fastest_team == "b1" and d.fastest_eta_s is not None and 170 < d.fastest_eta_s < 180
    assert report.too_slow == ()


def test_the_live_view_counts_only_teams_free_to_go() -> None:
    registry = build_registry(FakeClock())
    for team in registry:
        registry.engage(team.id, "inc-1", "responding")
    report = coverage_report(build_grid(), spots_from_registry(registry), [], TravelConfig())
    assert len(report.too_slow) == 5
    assert all(c.fastest_team is None for c in report.cells)


def test_cli_prints_the_report_and_fails_on_blind_spots() -> None:
    grid, teams = build_grid(), teams_config()
    out = io.StringIO()
    assert cli_main(grid, teams, CAMERAS, TravelConfig(), ["--json"], out) == 1
    report = json.loads(out.getvalue())
    assert [c["code"] for c in report["unwatched"]] == ["B", "D"]

    out = io.StringIO()
    assert cli_main(grid, teams, CAMERAS, TravelConfig(), ["--config", "x.yaml"], out) == 1
    text = out.getvalue()
    assert "NO CAMERA  D community D: 0 cameras, none online" in text
    assert "UNKNOWN    cameras assigned to ZZ" in text

    everywhere = [CameraStatus(f"cam-{c}", c, True) for c in "ABCDE"]
    out = io.StringIO()
    assert cli_main(grid, teams, everywhere, TravelConfig(), ["--limit-s", "200"], out) == 0
    assert out.getvalue().endswith("every cell is watched and reachable in time\n")

    out = io.StringIO()
    assert cli_main(grid, teams, everywhere, TravelConfig(), ["--limit-s", "60"], out) == 1
    assert "TOO SLOW   D community D: fastest b1 in 17" in out.getvalue()
