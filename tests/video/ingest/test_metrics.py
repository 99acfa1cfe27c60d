"""Prometheus text exposition of camera health."""

from __future__ import annotations

from video.detection import CameraHealth
from video.ingest.metrics import render_metrics
from video.ingest.stats import DecodeStats


def health(camera_id: str, state: str = "online", age: float | None = 0.04) -> CameraHealth:
    return CameraHealth(camera_id, state, 1.0, 25.0, 10.0, 3, 2, 1, age, 1500.0)  # type: ignore[arg-type]


def test_every_camera_has_every_series_with_labels() -> None:
    stats = [
        DecodeStats("a", packets=100, decoded_frames=40, resolution_changes=1, keyframes_only=True)
    ]
    text = render_metrics(
        [health("a"), health('we"ird', state="offline", age=None)], stats, workers=2
    )
    lines = text.splitlines()
    assert "firegrid_ingest_workers 2" in lines
    assert 'firegrid_camera_state{camera="a",state="online"} 1' in lines
    assert 'firegrid_camera_state{camera="a",state="offline"} 0' in lines
    assert 'firegrid_camera_state{camera="we\\"ird",state="offline"} 1' in lines
    assert 'firegrid_camera_dropped_frames_total{camera="a"} 3' in lines
    assert 'firegrid_camera_decode_errors_total{camera="a"} 2' in lines
    assert 'firegrid_camera_input_fps{camera="a"} 25' in lines
    assert 'firegrid_camera_last_frame_age_seconds{camera="a"} 0.04' in lines
    # An unknown age is left out rather than reported as a number.
    assert not any(
        line.startswith('firegrid_camera_last_frame_age_seconds{camera="we') for line in lines
    )
    assert 'firegrid_camera_decoded_frames_total{camera="a"} 40' in lines
    assert 'firegrid_camera_keyframes_only{camera="a"} 1' in lines
    assert text.endswith("\n")
    for line in lines:
        assert line.startswith("#") or len(line.rsplit(" ", 1)) == 2
