"""The capacity bench: its search on made-up limits, and one short real run."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from pathlib import Path

import pytest

from video.capacity_bench import Trial, limit_of, parse_args, run, search_limit
from video.ingest import bench_parts
from video.ingest.bench_parts import whole_cctv_loops


def fake_side(limit: int, cpu_ms: float) -> tuple[list[int], Callable[[int], Trial]]:
    """A side that keeps up with at most `limit` streams and reports `cpu_ms` per stream-s."""
    asked: list[int] = []

    def trial(n: int) -> Trial:
        asked.append(n)
        return Trial(n, 1, n <= limit, cpu_ms, 25.0 if n <= limit else 20.0)

    return asked, trial


@pytest.mark.parametrize(("limit", "cpu_ms"), [(150, 12.0), (150, 6.0), (40, 50.0), (3, 500.0)])
def test_the_search_brackets_the_limit_within_a_step(limit: int, cpu_ms: float) -> None:
    asked, trial = fake_side(limit, cpu_ms)
    trials = search_limit(trial, 16, 2, 600)
    found = limit_of(trials)
    assert found <= limit
    assert found >= limit / 1.1 - 1  # within one step of the truth
    assert len(asked) == len(set(asked)) and len(asked) <= 8


def test_the_first_trial_estimates_from_its_cpu() -> None:
    asked, trial = fake_side(150, 12.0)
    search_limit(trial, 16, 2, 600)
    # 2 cores, 90% of them, 12 ms per stream-second: 150 streams
    assert asked[:2] == [16, 150]


def test_the_search_never_passes_the_cap() -> None:
    asked, trial = fake_side(1000, 1.0)
    trials = search_limit(trial, 16, 2, 100)
    assert max(asked) == 100 and limit_of(trials) == 100


def test_a_failure_below_a_success_bounds_the_limit() -> None:
    """Near the limit trials are noisy: a kept-up trial above a failed one does not count."""
    trials = [Trial(100, 1, False, 1, 20), Trial(110, 1, True, 1, 25), Trial(90, 1, True, 1, 25)]
    assert limit_of(trials) == 90
    assert limit_of([Trial(5, 1, False, 1, 10)]) == 0


def test_start_must_be_within_the_cap() -> None:
    with pytest.raises(SystemExit):
        parse_args(["--start", "0"])
    with pytest.raises(SystemExit):
        parse_args(["--start", "50", "--max-streams", "10"])


def test_the_cctv_scene_is_generated_not_played() -> None:
    assert parse_args(["--scene", "cctv"]).scene == "cctv"
    with pytest.raises(SystemExit):
        parse_args(["--scene", "cctv", "--source", "clip.mp4"])


@pytest.mark.parametrize(
    ("asked", "window"), [(1.0, 40.0), (15.0, 40.0), (40.0, 40.0), (40.3, 40.0), (41.0, 80.0)]
)
def test_cctv_windows_are_whole_loops(asked: float, window: float) -> None:
    assert whole_cctv_loops(asked) == window


@pytest.mark.usefixtures("generated_bench_footage")
def test_a_short_real_run_reports_both_limits() -> None:
    """Real playback, real decoders and the real hub, capped at a few small streams."""
    args = parse_args(["--size", "320x180", "--seconds", "2", "--start", "1", "--max-streams", "2"])
    report = run(dataclasses.replace(args, workers=1))
    assert report["baseline_max_streams"] == 2 and report["hub_max_streams"] == 2
    assert report["target_met"] is None  # the baseline reached the cap: its limit is unknown
    assert report["target_streams"] == 2
    for side in ("baseline_trials", "hub_trials"):
        assert all(t["kept_up"] and t["cpu_ms_per_stream_s"] > 0 for t in report[side])


def test_a_short_real_cctv_run_gates_the_hub(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The still street (shortened to 4 s loops) on the real hub with its activity gate: it
    decodes only part of the frames, over whole loops, and keeps up."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setattr(bench_parts, "CCTV_SECONDS", 4.0)
    argv = ["--scene", "cctv", "--size", "320x180", "--seconds", "3", "--max-streams", "1"]
    args = parse_args([*argv, "--start", "1"])
    report = run(dataclasses.replace(args, workers=1))
    assert report["activity_gate"] and report["seconds_per_trial"] == 4.0
    assert report["hub_max_streams"] == 1
    (hub,) = report["hub_trials"]
    assert hub["kept_up"] and 0.0 < hub["decoded_fraction"] < 1.0
    (baseline,) = report["baseline_trials"]
    assert baseline["kept_up"] and baseline["decoded_fraction"] is None
