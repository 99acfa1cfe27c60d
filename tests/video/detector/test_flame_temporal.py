from __future__ import annotations

import cv2
import numpy as np

from tests.video.detector.scenes import add_car, add_flame
from video.detector.flame_temporal import FlameTemporal, area_growth, boundary_change
from video.detector.regions import Region, RegionTracker, extract_regions


def _mask(frame: np.ndarray) -> np.ndarray:
    """Warm pixels of a synthetic frame drawn on black."""
    hsv = cv2.cvtColor(frame, cv2.COLOR_BGR2HSV)
    out: np.ndarray = cv2.inRange(hsv, (0, 80, 80), (40, 255, 255))
    return out


def _scores(draw: object, frames: int = 20) -> float:
    temporal = FlameTemporal()
    tracker = RegionTracker(window=20, max_missed=3)
    score = 0.0
    for i in range(frames):
        frame = np.zeros((180, 320, 3), np.uint8)
        draw(frame, i)  # type: ignore[operator]
        mask = _mask(frame)
        previous = temporal.begin_frame(mask)
        for track in tracker.update(extract_regions(mask, 4), i / 10):
            score = temporal.score(track, mask, previous)
    return score


def test_a_flickering_flame_scores_higher_than_a_rigid_car() -> None:
    flame = _scores(lambda f, i: add_flame(f, i))
    car = _scores(lambda f, i: add_car(f, i, colour=(0, 120, 255)))
    assert flame > 0.3
    assert car < 0.15
    assert flame > 2 * car


def test_boundary_change_cancels_rigid_drift() -> None:
    before = np.zeros((40, 60), np.uint8)
    now = np.zeros((40, 60), np.uint8)
    before[10:20, 10:20] = 255
    now[12:22, 15:25] = 255  # the same square, moved
    moved = boundary_change(now, before, Region(15, 12, 10, 10, 100), Region(10, 10, 10, 10, 100))
    assert moved == 0.0
    reshaped = np.zeros((40, 60), np.uint8)
    reshaped[12:22, 15:20] = 255
    reshaped[8:12, 17:19] = 255
    changed = boundary_change(
        reshaped, before, Region(15, 8, 5, 14, 58), Region(10, 10, 10, 10, 100)
    )
    assert changed > 0.3


def test_growth_compares_with_the_oldest_area() -> None:
    tracker = RegionTracker(window=5, max_missed=1)
    (track,) = tracker.update([Region(0, 0, 4, 4, 10)], 0.0)
    for area in (12, 15, 20):
        tracker.update([Region(0, 0, 5, 5, area)], 0.1)
    assert area_growth(track) == 2.0


def test_a_deferred_mask_is_computed_only_when_a_track_needs_it_and_once() -> None:
    temporal = FlameTemporal()
    tracker = RegionTracker(window=5, max_missed=3)
    calls: list[int] = []
    square = np.zeros((40, 60), np.uint8)
    square[10:20, 10:20] = 255

    def quiet_mask() -> np.ndarray:
        calls.append(1)
        return square

    temporal.begin_frame(quiet_mask)  # a frame where nothing moved
    previous = temporal.begin_frame(quiet_mask)  # nor here: the first one is dropped unused
    assert calls == [] and previous is not None
    tracker.update(extract_regions(square, 4), 0.0)
    grown = square.copy()
    grown[5:20, 10:25] = 255
    previous = temporal.begin_frame(grown)
    (track,) = tracker.update(extract_regions(grown, 4), 0.1)
    first = temporal.score(track, grown, previous)
    temporal.score(track, grown, previous)
    assert calls == [1]  # the second frame's mask, once, for the boundary change
    assert first > 0.0
