from __future__ import annotations

import json

import pytest

from tests.video.detector.clipfiles import house6
from video.detector.bench import cli_main


def test_bench_prints_both_sizes_with_a_baseline(capsys: pytest.CaptureFixture[str]) -> None:
    clip = house6()
    assert cli_main(["--json", "--clip", str(clip), "--frames", "20"]) == 0
    report = json.loads(capsys.readouterr().out)
    sizes = [(s["width"], s["height"]) for s in report["sizes"]]
    assert sizes == [(640, 360), (1280, 720)]
    for size in report["sizes"]:
        assert size["frames"] == 20
        assert size["ms_per_frame"] > 0 and size["baseline_cvtcolor_gray_ms"] > 0
        assert size["ratio_to_baseline"] == pytest.approx(
            size["ms_per_frame"] / size["baseline_cvtcolor_gray_ms"], rel=0.05
        )
    assert report["ms_per_frame_640x360"] == report["sizes"][0]["ms_per_frame"]
    quiet = report["quiet_scene"]["sizes"]
    assert [(s["width"], s["height"], s["frames"]) for s in quiet] == [
        (640, 360, 20),
        (1280, 720, 20),
    ]
    assert report["quiet_ms_per_frame_640x360"] == quiet[0]["ms_per_frame"] > 0
