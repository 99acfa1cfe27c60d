"""The fan-out benchmark runs end to end on a tiny load (its numbers are not asserted)."""

from __future__ import annotations

import json

import pytest

from alerts.bench_fanout import cli_main


def test_tiny_run_with_churn_loses_nothing(capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--clients", "20", "--rate", "20", "--seconds", "1", "--churn", "0.5"]
    code = cli_main([*args, "--baseline-seconds", "0.5", "--json"])
    result = json.loads(capsys.readouterr().out)
    assert code == 0
    assert (result["clients"], result["events"], result["deliveries"]) == (20, 20, 400)
    assert (result["lost"], result["duplicates"]) == (0, 0)
    # Ten clients drop once; one whose drop comes after its last event has nothing to resume.
    assert 5 <= result["reconnects"] <= 10
    assert result["baseline"]["events"] == 10
    assert {"p50_ms", "p99_ms", "server_cpu_s", "p99_vs_baseline"} <= set(result)
