"""A tiny real analyser for ingest tests: it alarms when a bright red patch appears.

It is a pluggable stage, not a mock: the ingest feeds it real decoded frames at the rate and size
it asks for, exactly as it feeds the production detector.
"""

from __future__ import annotations

import numpy as np

from video.analyzer import Alarm, BgrImage
from video.config import CameraConfig, DetectorConfig
from video.detection import Box

RED_FRACTION = 0.005


class RedPatchAnalyzer:
    """Alarms on the first frame a red patch is seen, again only after it has gone away."""

    def __init__(self, fps: float, width: int) -> None:
        self._fps = fps
        self._width = width
        self._present = False
        self.frames = 0
        self.sizes: set[tuple[int, int]] = set()

    @property
    def analysis_fps(self) -> float:
        return self._fps

    @property
    def analysis_width(self) -> int:
        return self._width

    def feed(self, frame_bgr: BgrImage, t: float) -> list[Alarm]:
        self.frames += 1
        height, width = frame_bgr.shape[:2]
        self.sizes.add((width, height))
        b, g, r = (frame_bgr[..., i].astype(np.int16) for i in range(3))
        red = (r > 150) & (g < 90) & (b < 90)
        present = bool(red.mean() > RED_FRACTION)
        rising = present and not self._present
        self._present = present
        if not rising:
            return []
        ys, xs = np.nonzero(red)
        box = Box(
            x=xs.min() / width,
            y=ys.min() / height,
            w=(xs.max() - xs.min() + 1) / width,
            h=(ys.max() - ys.min() + 1) / height,
        )
        return [Alarm(kind="flame", box=box, confidence=1.0, evidence=("red_patch",))]


def make_red_patch(camera: CameraConfig, settings: DetectorConfig) -> RedPatchAnalyzer:
    """Factory in the production signature, importable by worker processes."""
    return RedPatchAnalyzer(settings.analysis_fps, settings.analysis_width)
