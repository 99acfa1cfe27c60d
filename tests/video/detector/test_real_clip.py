"""The detector on a real fire clip (CC0 house6, FURG) and on a quiet synthetic scene."""

from __future__ import annotations

from pathlib import Path

import cv2

from tests.video.detector.clipfiles import house6, write_clip
from video.config import DetectorConfig
from video.detector import FireDetector, build_detector, make_detector
from video.detector.clips import analyse_clip
from video.detector.tuning import camera_defaults

# house6's flames are visible from its first frame: the issue's median target is 5 s.
TARGET_S = 5.0


def _first_alarm(detector: FireDetector, path: Path) -> float | None:
    cv2.setNumThreads(1)
    for frame in analyse_clip(detector, path):
        if frame.alarms:
            return frame.t
    return None


def test_production_detector_alarms_on_house6_within_target() -> None:
    """Exactly what the hub runs: default settings and the shipped verifier (if any)."""
    analyzer = make_detector(camera_defaults(), DetectorConfig())
    assert isinstance(analyzer, FireDetector)
    t = _first_alarm(analyzer, house6())
    assert t is not None and t <= TARGET_S


def test_classical_stages_alarm_on_house6_within_target() -> None:
    detector = build_detector(camera_defaults(), DetectorConfig(), disabled=["verifier"])
    t = _first_alarm(detector, house6())
    assert t is not None and t <= TARGET_S


def test_quiet_on_a_static_synthetic_clip(tmp_path: Path) -> None:
    path = write_clip(tmp_path / "quiet.mp4", seconds=15)
    detector = build_detector(camera_defaults(), DetectorConfig())
    assert _first_alarm(detector, path) is None
