"""Temporal evidence that a flame-coloured region behaves like a flame.

A flame's outline changes shape from frame to frame even once its drift is taken out; its area
jumps up and down; a fire that takes hold grows. A red car, a tail light or a lamp moves (or
stays) as a rigid blob. Three measures, each 0..1, on one track:

- boundary change: the share of the region's pixels that differ from the previous frame's mask
  after shifting it by the region's own displacement (rigid motion cancels out);
- area irregularity: the coefficient of variation of the region's area over the window;
- growth: the area now against the oldest area in the window.

At 10 analysed frames per second the 8-12 Hz flicker of a flame is aliased, so no spectrum is
computed: these shape measures are what survive the low rate.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import cv2
from cv2.typing import MatLike

from video.detector.regions import Region, Track

Mask = MatLike
MaskSource = Callable[[], Mask]  # a mask computed only when (and at most once) it is asked for


@dataclass(frozen=True, slots=True)
class TemporalWeights:
    boundary: float = 0.5
    irregularity: float = 0.3
    growth: float = 0.2
    boundary_full: float = 0.35  # this share of changed pixels counts as full evidence
    irregularity_full: float = 0.25
    growth_full: float = 1.5  # area ratio counted as full growth


def boundary_change(mask: Mask, previous_mask: Mask, region: Region, previous: Region) -> float:
    """Share of changed pixels in `region` against the previous mask shifted by the drift."""
    dx = round(region.cx - previous.cx)
    dy = round(region.cy - previous.cy)
    height, width = mask.shape
    x0, y0, x1, y1 = region.x, region.y, region.x + region.w, region.y + region.h
    # Clip the window so that its shifted twin in the previous mask stays inside the image.
    x0, y0 = max(x0, dx, 0), max(y0, dy, 0)
    x1, y1 = min(x1, width + dx, width), min(y1, height + dy, height)
    if x1 <= x0 or y1 <= y0:
        return 0.0
    now = mask[y0:y1, x0:x1]
    before = previous_mask[y0 - dy : y1 - dy, x0 - dx : x1 - dx]
    changed = cv2.countNonZero(cv2.bitwise_xor(now, before))
    either = cv2.countNonZero(cv2.bitwise_or(now, before))
    return changed / either if either else 0.0


def area_irregularity(track: Track) -> float:
    """Coefficient of variation of the window's areas (population standard deviation / mean)."""
    # Plain Python: for the twenty-odd areas of a window, numpy's std costs ten times more.
    areas = track.areas
    n = len(areas)
    mean = sum(areas) / n if n else 0.0
    if n < 3 or mean <= 0:
        return 0.0
    variance = sum((a - mean) ** 2 for a in areas) / n
    return math.sqrt(variance) / mean


def area_growth(track: Track) -> float:
    """Area now against the oldest area the window holds (1.0 = unchanged)."""
    first = track.areas[0]
    return track.areas[-1] / first if first > 0 else 1.0


class _Once:
    """A mask, or the function that computes it, called at most once."""

    __slots__ = ("_mask", "_source")

    def __init__(self, mask: Mask | MaskSource) -> None:
        self._source = mask if callable(mask) else None
        self._mask = None if callable(mask) else mask

    def __call__(self) -> Mask:
        if self._mask is None:
            assert self._source is not None
            self._mask = self._source()
        return self._mask


class FlameTemporal:
    """Scores flame tracks from the colour masks of consecutive frames."""

    def __init__(self, weights: TemporalWeights | None = None) -> None:
        self._w = weights or TemporalWeights()
        self._previous: MaskSource | None = None

    def begin_frame(self, mask: Mask | MaskSource) -> MaskSource | None:
        """Store this frame's colour mask; return the previous one (None on the first frame).

        Either may be a function that computes the mask: a frame where nothing moved has no
        candidates, so its mask is needed only if the next frame has tracks to compare with it,
        and most frames of most cameras are such frames.
        """
        previous = self._previous
        self._previous = _Once(mask)
        return previous

    def score(self, track: Track, mask: Mask, previous_mask: MaskSource | None) -> float:
        w = self._w
        change = 0.0
        if previous_mask is not None and track.previous is not None:
            before = previous_mask()
            if before.shape == mask.shape:  # not across a change of the stream's size
                change = boundary_change(mask, before, track.region, track.previous)
        growth = (area_growth(track) - 1.0) / (w.growth_full - 1.0)
        parts = (
            w.boundary * min(change / w.boundary_full, 1.0)
            + w.irregularity * min(area_irregularity(track) / w.irregularity_full, 1.0)
            + w.growth * min(max(growth, 0.0), 1.0)
        )
        # Smoothed per track: one noisy frame neither makes nor breaks the evidence.
        track.temporal = 0.6 * track.temporal + 0.4 * parts
        return track.temporal
