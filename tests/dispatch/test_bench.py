from __future__ import annotations

import json

import pytest

from dispatch.bench import cli_main, run, synthetic_registry
from dispatch.ranking import IncidentSite, rank
from tests.dispatch.township import T0


def test_the_bench_reports_ranking_against_its_baseline() -> None:
    result = run(teams=50, runs=3)
    assert result["teams"] == 50 and result["runs"] == 3
    assert float(str(result["ranking_ms_median"])) > 0
    assert float(str(result["baseline_ms_median"])) > 0
    assert result["target_ms"] == 0.25


def test_the_bench_teams_are_a_realistic_mix() -> None:
    registry = synthetic_registry(300, T0)
    site = IncidentSite("b", "c0", "c0", (120.15, 30.28), T0, None, frozenset({"c0"}), frozenset())
    rec = rank(site, registry, 30.0, T0)
    assert len(rec.candidates) == 270 and len(rec.excluded) == 30  # every tenth is off duty
    sources = {c.source for c in rec.candidates}
    assert sources == {"live", "base"} and any(c.stale for c in rec.candidates)
    others = [c.eta_s for c in rec.candidates if not (c.own_cell or c.responsible_team)]
    assert others == sorted(others)


def test_cli_prints_json(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli_main(["--teams", "20", "--runs", "2", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert out["benchmark"] == "ranking" and code == (0 if out["meets_target"] else 1)
