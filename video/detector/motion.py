"""Motion on a small grey image against a running-average background (Frigate's way).

The background is a float image updated with `accumulateWeighted`; a pixel moves when it differs
from it by more than a threshold. When most of the view changes at once (lightning, headlights
sweeping the scene, auto-exposure, the IR filter switching) that is not motion of anything: the
background is recalibrated to the new frame and nothing is reported until it has settled.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import numpy.typing as npt
from cv2.typing import MatLike

GreyImage = MatLike
Mask = MatLike


@dataclass(frozen=True, slots=True)
class MotionResult:
    mask: Mask  # 255 where the frame differs from the background, else 0
    fraction: float  # share of the image that moved
    recalibrated: bool  # the view changed globally; the mask is empty on purpose


class MotionModel:
    """Running-average background of a small grey image; one per camera."""

    def __init__(
        self,
        *,
        alpha: float = 0.05,
        threshold: int = 14,
        global_fraction: float = 0.45,
        settle_frames: int = 3,
    ) -> None:
        self._alpha = alpha
        self._threshold = threshold
        self._global_fraction = global_fraction
        self._settle_frames = settle_frames
        self._background: npt.NDArray[np.float32] | None = None
        self._settling = 0
        self._kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))

    @property
    def background(self) -> GreyImage | None:
        """The current background as an 8-bit image (None before the first frame)."""
        if self._background is None:
            return None
        return cv2.convertScaleAbs(self._background)

    def update(self, grey: GreyImage, frames: int = 1) -> MotionResult:
        """`grey` stands for `frames` frames at the planned rate (the detector thins its rate
        while nothing is followed): the background learns as if it had seen each of them."""
        blurred = cv2.GaussianBlur(grey, (3, 3), 0)
        if self._background is None or self._background.shape != blurred.shape:
            return self._recalibrate(blurred)
        diff = cv2.absdiff(blurred, cv2.convertScaleAbs(self._background))
        _, mask = cv2.threshold(diff, self._threshold, 255, cv2.THRESH_BINARY)
        fraction = cv2.countNonZero(mask) / mask.size
        if fraction > self._global_fraction:
            return self._recalibrate(blurred)
        # A fast rate while settling absorbs the tail of an exposure change quickly.
        alpha = 0.5 if self._settling > 0 else self._alpha
        cv2.accumulateWeighted(blurred, self._background, per_frames(alpha, frames))
        if self._settling > 0:
            self._settling -= frames  # in planned frames, as long at any rate
            return MotionResult(np.zeros_like(mask), 0.0, True)
        if fraction > 0.0:  # opening an empty mask gives it back: spare quiet frames the cost
            mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, self._kernel)
        return MotionResult(mask, fraction, False)

    def _recalibrate(self, blurred: GreyImage) -> MotionResult:
        self._background = blurred.astype(np.float32)
        self._settling = self._settle_frames
        return MotionResult(np.zeros_like(blurred), 0.0, True)


def per_frames(alpha: float, frames: int) -> float:
    """The running-average rate that learns from one frame what `alpha` learns from `frames`
    frames of the same picture (exactly `alpha` for one)."""
    return alpha if frames == 1 else 1.0 - (1.0 - alpha) ** frames
