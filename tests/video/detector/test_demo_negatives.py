"""The production detector on the demo township's ordinary scenes (footage firegrid generates).

Each of these scenes is a hard negative a real street shows every night; none may alarm (the
warm-lit shop fronts did with the verifiers v1 and v2).
"""

from __future__ import annotations

from pathlib import Path

import cv2
import pytest

from firegrid.demo import SCENES
from video.config import DetectorConfig
from video.detector import make_detector
from video.detector.clips import analyse_clip
from video.detector.tuning import camera_defaults


@pytest.mark.parametrize("scene", list(SCENES))
def test_an_ordinary_scene_never_alarms(scene: str, tmp_path: Path) -> None:
    path = SCENES[scene](tmp_path / scene)
    detector = make_detector(camera_defaults(), DetectorConfig())
    cv2.setNumThreads(1)
    alarms = [
        (frame.t, alarm.kind) for frame in analyse_clip(detector, path) for alarm in frame.alarms
    ]
    assert alarms == []
