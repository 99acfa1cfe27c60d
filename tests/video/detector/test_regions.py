from __future__ import annotations

import cv2
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from video.detector.regions import Region, RegionTracker, extract_regions


def test_extract_regions_largest_first_and_small_ones_dropped() -> None:
    mask = np.zeros((50, 80), np.uint8)
    mask[5:10, 5:10] = 255  # 25 px
    mask[20:40, 30:60] = 255  # 600 px
    mask[45, 70] = 255  # 1 px noise
    regions = extract_regions(mask, min_area=4)
    assert [(r.x, r.y, r.w, r.h, r.area) for r in regions] == [
        (30, 20, 30, 20, 600),
        (5, 5, 5, 5, 25),
    ]
    assert extract_regions(np.zeros((10, 10), np.uint8), 1) == []


@settings(max_examples=60, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    density=st.floats(0.0, 0.4),
    min_area=st.integers(1, 12),
    max_regions=st.integers(1, 10),
)
def test_extract_regions_keeps_the_largest_blobs_in_order(
    seed: int, density: float, min_area: int, max_regions: int
) -> None:
    mask = (np.random.default_rng(seed).random((36, 64)) < density).astype(np.uint8) * 255
    regions = extract_regions(mask, min_area, max_regions)
    count, labels, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    big = sorted((int(a) for a in stats[1:count, cv2.CC_STAT_AREA] if a >= min_area), reverse=True)
    assert [r.area for r in regions] == big[:max_regions]
    for r in regions:
        # Each region is one whole blob: its box holds exactly `area` pixels of one label.
        box = labels[r.y : r.y + r.h, r.x : r.x + r.w]
        _, counts = np.unique(box[box > 0], return_counts=True)
        assert r.area in counts.tolist()
        assert all(isinstance(v, int) for v in (r.x, r.y, r.w, r.h, r.area))


def test_iou_and_nearness() -> None:
    a = Region(0, 0, 10, 10, 100)
    assert a.iou(Region(5, 0, 10, 10, 100)) == 50 / 150
    assert a.iou(Region(20, 20, 5, 5, 25)) == 0.0
    assert a.near(Region(6, 6, 10, 10, 100))
    assert not a.near(Region(30, 30, 10, 10, 100))


def test_tracks_follow_a_moving_region_and_expire() -> None:
    tracker = RegionTracker(window=4, max_missed=2)
    first = tracker.update([Region(10, 10, 10, 10, 100)], 0.0)
    second = tracker.update([Region(13, 11, 10, 10, 100), Region(60, 60, 5, 5, 25)], 0.1)
    assert second[0] is first[0]
    assert second[0].previous == Region(10, 10, 10, 10, 100)
    assert second[1].id != first[0].id
    for track in second:
        track.evidence.append(True)
    assert tracker.best() is not None
    for i in range(3):
        tracker.update([], 0.2 + i / 10)
    assert tracker.tracks == []


def test_score_is_a_share_of_the_whole_window() -> None:
    tracker = RegionTracker(window=4, max_missed=4)
    (track,) = tracker.update([Region(0, 0, 4, 4, 16)], 0.0)
    track.evidence.append(True)
    assert track.score == 0.25  # a young track cannot score high at once
    for _ in range(3):
        track.evidence.append(True)
    assert track.score == 1.0
    tracker.update([], 0.1)
    assert track.score == 0.75


def test_shape_history_can_outlast_the_evidence_window() -> None:
    tracker = RegionTracker(window=1, max_missed=1, history=5)
    (track,) = tracker.update([Region(0, 9, 4, 4, 16)], 0.0)
    for i in range(1, 8):
        tracker.update([Region(0, 9 - i, 4, 4 + i, 16 + 4 * i)], i / 10)
    assert list(track.areas) == [28, 32, 36, 40, 44]
    assert list(track.tops) == [6, 5, 4, 3, 2]
    track.evidence.append(True)
    assert track.score == 1.0


def test_a_shrunk_window_keeps_its_span_of_time_and_its_share_of_evidence() -> None:
    """The frame rate fell to half: the window keeps every other frame of the same seconds.
    Keeping only the newest frames, a share of 0.4 became 1.0 and an alarm rose on the resize."""
    tracker = RegionTracker(window=10, max_missed=5, history=10)
    for i in range(10):
        (track,) = tracker.update([Region(0, 0, 5, 5 + i, 25 + 5 * i)], i / 10)
        track.evidence.append(i >= 6)  # evidence in the last 4 frames
    assert track.score == 0.4
    tracker.resize(window=5, max_missed=2, history=5)
    assert list(track.evidence) == [False, False, False, True, True] and track.score == 0.4
    assert list(track.areas) == [25 + 5 * i for i in (1, 3, 5, 7, 9)]
    for i in range(3):
        tracker.update([], 1.0 + i / 10)
    assert tracker.tracks == []  # unseen for more than the new max_missed


def test_a_grown_window_keeps_what_it_had() -> None:
    tracker = RegionTracker(window=4, max_missed=2, history=4)
    region = Region(0, 0, 5, 5, 25)
    for i in range(4):
        (track,) = tracker.update([region], i / 10)
        track.evidence.append(True)
    tracker.resize(window=8, max_missed=4, history=8)
    assert list(track.evidence) == [True] * 4 and track.score == 0.5  # half a window seen
