"""The production detector on the demo township's ordinary scenes (footage firegrid generates).

Each of these scenes is a hard negative a real street shows every night; none may alarm. Those
the detector still alarms on are marked as known failures (issue 4) with `strict=True`, so the
mark fails the suite the day the detector stops crying wolf on them, and must then be removed.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from firegrid.demo import SCENES
from video.config import DetectorConfig
from video.detector import make_detector
from video.detector.clips import analysed_frames
from video.detector.tuning import camera_defaults

KNOWN_FALSE_ALARM = pytest.mark.xfail(
    strict=True, reason="issue 4: the verifier calls these scenes fire (false alarm)"
)


@pytest.mark.parametrize(
    "scene",
    [
        pytest.param(name, marks=KNOWN_FALSE_ALARM) if name == "shops-warm-lights.mp4" else name
        for name in SCENES
    ],
)
def test_an_ordinary_scene_never_alarms(scene: str, tmp_path: Path) -> None:
    path = SCENES[scene](tmp_path / scene)
    detector = make_detector(camera_defaults(), DetectorConfig())
    cv2.setNumThreads(1)
    alarms = [
        (frame.t, alarm.kind)
        for frame in analysed_frames(path, detector.analysis_width, detector.analysis_fps)
        for alarm in detector.feed(frame.image, frame.t)
    ]
    assert alarms == []
