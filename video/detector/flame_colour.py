"""Flame-coloured pixels in YCrCb, with thresholds relative to the scene (Celik 2009).

A pixel is flame-coloured when it is brighter than the scene's mean luma, redder (Cr) and less
blue (Cb) than the scene's means, and its Cr exceeds its Cb by a margin. Comparing against the
scene's own means keeps the rule working in dark and bright scenes alike. This rule only
proposes: sunsets, warm lamps and red coats pass it on most frames, so what it finds must still
move (intersected with motion by the caller) and convince the later stages.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
from cv2.typing import MatLike

BgrImage = MatLike
Mask = MatLike


@dataclass(frozen=True, slots=True)
class FlameColourRule:
    cr_minus_cb: int = 40  # the Cr-Cb margin of a flame pixel (Celik's tau)
    min_luma: int = 80  # flames emit light: darker pixels are never flame

    def mask(self, ycrcb: BgrImage) -> Mask:
        """255 where the pixel of a YCrCb image is flame-coloured, else 0."""
        mean_y, mean_cr, mean_cb, _ = cv2.mean(ycrcb)
        luma_floor = max(float(self.min_luma), mean_y)
        # One range test on the three channels at once (no split): brighter than the floor,
        # redder and less blue than the scene; integer bounds as `cv2.threshold` applies them.
        low = (math.floor(luma_floor) + 1, math.floor(mean_cr) + 1, 0)
        high = (255, 255, math.floor(mean_cb))
        in_range = cv2.inRange(ycrcb, low, high)
        margin = cv2.subtract(cv2.extractChannel(ycrcb, 1), cv2.extractChannel(ycrcb, 2))
        cv2.threshold(margin, self.cr_minus_cb - 1, 255, cv2.THRESH_BINARY, dst=margin)
        result: Mask = cv2.bitwise_and(in_range, margin)
        return result


def flame_pixels(bgr: BgrImage, rule: FlameColourRule) -> Mask:
    """Convenience for callers holding BGR: convert once and apply the rule."""
    return rule.mask(cv2.cvtColor(bgr, cv2.COLOR_BGR2YCrCb))
