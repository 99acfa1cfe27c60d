"""Candidate regions of a mask, and tracks that follow them from frame to frame.

A region is a connected blob of candidate pixels on the small work image. A track is one region
followed over time (matched by overlap), carrying the per-frame evidence the later stages
attach to it, so that persistence is judged per object and not per camera: a flickering lamp on
one side and a passing red car on the other do not add up to one fire.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import TypeVar

import cv2
import numpy as np
from cv2.typing import MatLike

_T = TypeVar("_T")

Mask = MatLike


@dataclass(frozen=True, slots=True)
class Region:
    x: int
    y: int
    w: int
    h: int
    area: int  # candidate pixels inside the box

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2

    def iou(self, other: Region) -> float:
        # Comparisons rather than min/max calls: this runs for every track-region pair.
        x0 = self.x if self.x > other.x else other.x
        y0 = self.y if self.y > other.y else other.y
        x1, ox1 = self.x + self.w, other.x + other.w
        y1, oy1 = self.y + self.h, other.y + other.h
        ix = (x1 if x1 < ox1 else ox1) - x0
        iy = (y1 if y1 < oy1 else oy1) - y0
        inter = ix * iy if ix > 0 and iy > 0 else 0
        union = self.w * self.h + other.w * other.h - inter
        return inter / union if union > 0 else 0.0

    def near(self, other: Region) -> bool:
        """Centres closer than the larger box's half-size: the same object, moved a little."""
        reach = max(self.w, self.h, other.w, other.h) / 2 + 2
        return abs(self.cx - other.cx) <= reach and abs(self.cy - other.cy) <= reach


def extract_regions(mask: Mask, min_area: int, max_regions: int = 8) -> list[Region]:
    """The largest connected blobs of a 0/255 mask, at least `min_area` pixels each."""
    if cv2.countNonZero(mask) < min_area:
        return []
    count, _, stats, _ = cv2.connectedComponentsWithStatsWithAlgorithm(
        mask, 8, cv2.CV_32S, cv2.CCL_GRANA
    )
    # Chosen in numpy: a noisy mask has hundreds of specks, and a Python loop over their rows
    # cost a fifth of the detector's time on a fire clip.
    blobs = stats[1:count]
    blobs = blobs[blobs[:, cv2.CC_STAT_AREA] >= min_area]
    # Largest first; a stable sort keeps equal areas in label order (top to bottom).
    order = np.argsort(-blobs[:, cv2.CC_STAT_AREA], kind="stable")[:max_regions]
    return [Region(x, y, w, h, a) for x, y, w, h, a in blobs[order].tolist()]


@dataclass(slots=True)
class Track:
    id: int
    region: Region
    born_t: float
    window: int  # frames of evidence kept
    history: int  # frames of shape history (areas, tops) kept for the temporal measures
    evidence: deque[bool] = field(init=False)
    areas: deque[int] = field(init=False)
    tops: deque[int] = field(init=False)
    previous: Region | None = None  # the region one frame before, for frame-to-frame change
    missed: int = 0
    verified_t: float | None = None  # when the verifier last scored this track
    verifier_p: float | None = None  # its latest probability of the track's kind
    temporal: float = 0.0  # the temporal stage's latest score
    flicker: float | None = None  # the flicker stage's latest measure
    flicker_t: float | None = None  # when it was taken

    def __post_init__(self) -> None:
        self.evidence = deque(maxlen=self.window)
        self.areas = deque([self.region.area], maxlen=self.history)
        self.tops = deque([self.region.y], maxlen=self.history)

    @property
    def score(self) -> float:
        """Share of the window's frames with evidence (a young track cannot score high)."""
        return sum(self.evidence) / self.window

    def saw(self, region: Region) -> None:
        self.previous = self.region
        self.region = region
        self.missed = 0
        self.areas.append(region.area)
        self.tops.append(region.y)


class RegionTracker:
    """Greedy overlap matching of this frame's regions to the live tracks."""

    def __init__(self, window: int, max_missed: int, history: int | None = None) -> None:
        self._window = window
        self._history = history or window
        self._max_missed = max_missed
        self._next_id = 1
        self.tracks: list[Track] = []

    def update(self, regions: list[Region], t: float) -> list[Track]:
        """Match regions to tracks; return the tracks seen in this frame (new ones included)."""
        unmatched = list(self.tracks)
        seen: list[Track] = []
        for region in regions:
            # The first track of greatest overlap. A plain loop: on a busy street this matching
            # ran a generator and a key function for every pair, a sixth of the detector's time.
            best: Track | None = None
            overlap = -1.0
            for tr in unmatched:
                o = tr.region.iou(region)
                if o > overlap:
                    overlap, best = o, tr
            if best is not None and (overlap > 0.05 or best.region.near(region)):
                unmatched.remove(best)
                best.saw(region)
                seen.append(best)
            else:
                track = Track(self._next_id, region, t, self._window, self._history)
                self._next_id += 1
                self.tracks.append(track)
                seen.append(track)
        for track in unmatched:
            track.missed += 1
            track.evidence.append(False)
        self.tracks = [tr for tr in self.tracks if tr.missed <= self._max_missed]
        return seen

    def resize(self, window: int, max_missed: int, history: int) -> None:
        """New window sizes (the frame rate changed) for every track, live ones included.

        A window that shrinks keeps the same span of time, thinned, not just its newest
        frames: the newest quarter of a window can hold a share of evidence the whole never
        reached, and an alarm would rise on the resize alone.
        """
        self._window, self._max_missed, self._history = window, max_missed, history
        for track in self.tracks:
            track.evidence = _thinned(track.evidence, track.window, window)
            track.areas = _thinned(track.areas, track.history, history)
            track.tops = _thinned(track.tops, track.history, history)
            track.window, track.history = window, history

    def best(self) -> Track | None:
        return max(self.tracks, key=lambda tr: tr.score, default=None)

    def clear(self) -> None:
        self.tracks = []


def _thinned(values: deque[_T], old_size: int, new_size: int) -> deque[_T]:
    """`values`, kept over `old_size` frames, for `new_size` frames covering the same time."""
    stride = max(1, round(old_size / new_size))
    return deque(list(values)[::-stride][::-1], maxlen=new_size)
