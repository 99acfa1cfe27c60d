"""`firegrid bench ingest`'s saturated costs: three sides timed back to back on one real clip."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.video.ingest.clips import encode_h264
from video.ingest.bench_saturated import SaturatedCosts, measure_saturated, read_packets
from video.ingest.errors import CameraError

RED_PATCH = "tests.video.ingest.analyzers:make_red_patch"


def test_the_ratio_is_the_hub_against_the_baseline() -> None:
    costs = SaturatedCosts(
        baseline_ms=5.0, ingest_ms=4.0, hub_ms=12.5, stream_s=20.0, decoded_fraction=1.0
    )
    assert costs.as_json() == {
        "baseline_ms_per_stream_s": 5.0,
        "ingest_only_ms_per_stream_s": 4.0,
        "hub_ms_per_stream_s": 12.5,
        "ratio": 2.5,
        "ingest_only_ratio": 0.8,
        "stream_seconds": 20.0,
        "decoded_frame_fraction": 1.0,
    }


def test_a_clip_is_read_whole_with_the_hubs_timestamps(tmp_path: Path) -> None:
    clip = encode_h264(tmp_path / "c.264", seconds=2.0, fps=25)
    packets = read_packets(clip)
    assert len(packets) == 50
    assert packets[0].keyframe
    assert packets[-1].t - packets[0].t == pytest.approx(49 / 25, abs=1e-3)


def test_every_side_costs_something_and_analysing_costs_more(tmp_path: Path) -> None:
    clip = encode_h264(tmp_path / "c.264", width=320, height=180, seconds=2.0, fps=25)
    costs = measure_saturated(clip, RED_PATCH, repeats=3)
    assert costs.stream_s == pytest.approx(2.0, abs=1e-3)
    assert costs.baseline_ms > 0 and costs.ingest_ms > 0
    # The red-patch analyser converts every analysed frame's three planes to int16 and back:
    # whatever the machine's load, that is more work than not analysing at all.
    assert costs.hub_ms > costs.ingest_ms
    assert costs.decoded_fraction == 1.0


def test_behind_the_gate_a_still_scene_decodes_little_more_than_its_keyframes(
    tmp_path: Path,
) -> None:
    # Eight still seconds, a keyframe a second: one second to learn the scene, then keyframes.
    clip = encode_h264(tmp_path / "still.264", seconds=8.0, fps=25, gop=25, moving=False)
    costs = measure_saturated(clip, RED_PATCH, gated=True, repeats=1)
    assert (25 + 7) / 200 <= costs.decoded_fraction < 0.3
    assert measure_saturated(clip, RED_PATCH, repeats=1).decoded_fraction == 1.0


def test_a_clip_without_video_is_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.264"
    empty.write_bytes(b"")
    with pytest.raises(CameraError, match="cannot open"):
        measure_saturated(empty, RED_PATCH)


def test_a_clip_of_one_frame_cannot_be_timed(tmp_path: Path) -> None:
    clip = encode_h264(tmp_path / "one.264", seconds=1 / 25, fps=25)
    with pytest.raises(CameraError, match="too few video packets"):
        measure_saturated(clip, RED_PATCH)
