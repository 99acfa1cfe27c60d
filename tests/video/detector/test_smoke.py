from __future__ import annotations

import cv2
import numpy as np

from tests.video.detector.scenes import add_car, add_smoke, static_scene
from video.detector.regions import Region, RegionTracker, extract_regions
from video.detector.smoke import SmokeStage


def _small(frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    work = cv2.resize(frame, (192, 108), interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(work, cv2.COLOR_BGR2YCrCb), cv2.cvtColor(work, cv2.COLOR_BGR2GRAY)


def _run(draw: object, frames: int = 40) -> tuple[SmokeStage, list[int], bool]:
    stage = SmokeStage()
    counts: list[int] = []
    fog = False
    for i in range(frames):
        frame = static_scene()
        draw(frame, i)  # type: ignore[operator]
        result = stage.update(*_small(frame))
        counts.append(cv2.countNonZero(result.blocks))
        fog = fog or result.fog
    return stage, counts, fog


def test_a_rising_grey_plume_becomes_candidate_blocks() -> None:
    _, counts, fog = _run(lambda f, i: add_smoke(f, i))
    assert counts[0] == 0
    assert max(counts[20:]) >= 4
    assert not fog


def test_a_static_scene_has_no_candidates() -> None:
    _, counts, _ = _run(lambda f, i: None)
    assert sum(counts) == 0


def test_a_passing_car_leaves_no_lasting_candidates() -> None:
    _, counts, _ = _run(lambda f, i: add_car(f, i, colour=(30, 40, 200)), frames=150)
    assert max(counts) <= 8  # a faint ghost where the background learned the car
    assert counts[-1] == 0  # ... which heals


def test_fog_over_the_whole_view_is_dropped() -> None:
    def fog(frame: np.ndarray, i: int) -> None:
        veil = np.full_like(frame, 180)
        strength = min(0.05 * i, 0.8)
        cv2.addWeighted(veil, strength, frame, 1 - strength, 0, dst=frame)

    _, counts, was_fog = _run(fog)
    assert was_fog
    # The onset frame, where the veil just crosses the change threshold, may propose one large
    # region (the near-lens rule rejects it); once the fog is recognised nothing is proposed.
    assert sum(counts[3:]) == 0


def test_track_evidence_needs_age_and_growth_or_rise_and_not_near_lens() -> None:
    stage = SmokeStage()
    grid = (13, 24)
    tracker = RegionTracker(window=40, max_missed=2)
    (track,) = tracker.update([Region(10, 8, 2, 2, 4)], 0.0)
    assert not stage.track_evidence(track, grid, min_frames=3)
    for i in range(1, 4):
        tracker.update([Region(10, 8 - i, 2 + i, 2 + i, 4 + 3 * i)], i / 10)
    assert stage.track_evidence(track, grid, min_frames=3)
    tracker.update([Region(0, 0, 20, 12, 200)], 0.5)  # blown across the lens
    assert not stage.track_evidence(track, grid, min_frames=3)


def test_static_track_is_not_evidence() -> None:
    stage = SmokeStage()
    tracker = RegionTracker(window=40, max_missed=2)
    (track,) = tracker.update([Region(10, 8, 3, 3, 9)], 0.0)
    for i in range(1, 6):
        tracker.update([Region(10, 8, 3, 3, 9)], i / 10)
    assert not stage.track_evidence(track, (13, 24), min_frames=3)
    assert extract_regions(np.zeros((13, 24), np.uint8), 2) == []


def _brightening(frame: np.ndarray, i: int) -> None:
    """A slow exposure drift (no candidates: every block changes a little), then a plume."""
    cv2.add(frame, np.full_like(frame, min(i // 4, 12)), dst=frame)
    if i >= 30:
        add_smoke(frame, i - 30)


def test_learning_between_proposals_keeps_the_proposals_of_a_stage_run_on_every_frame() -> None:
    every, every_other = SmokeStage(), SmokeStage()
    frames = []
    for i in range(60):
        frame = static_scene()
        _brightening(frame, i)
        frames.append(_small(frame))
    proposals: list[tuple[int, int]] = []
    for i, (ycrcb, grey) in enumerate(frames):
        full = every.update(ycrcb, grey).blocks
        if i % 2:
            every_other.learn(grey)
            continue
        proposals.append(
            (cv2.countNonZero(full), cv2.countNonZero(every_other.update(ycrcb, grey).blocks))
        )
    # Until the plume, nothing is proposed and both backgrounds learnt the same frames.
    assert proposals[:15] == [(0, 0)] * 15
    assert max(full for full, _ in proposals[15:]) >= 4
    # Under candidates the skipping stage learns with the last candidates it found: close, and
    # it finds the plume as well.
    assert max(half for _, half in proposals[15:]) >= 4
    assert all(abs(full - half) <= 2 for full, half in proposals)


def test_a_frame_standing_for_two_learns_as_two_frames_would() -> None:
    first, later = static_scene(), static_scene()
    add_car(later, 10)
    grey0, grey1 = (cv2.cvtColor(f, cv2.COLOR_BGR2GRAY) for f in (first, later))
    ycrcb0 = cv2.cvtColor(first, cv2.COLOR_BGR2YCrCb)
    once, twice = SmokeStage(), SmokeStage()
    for stage in (once, twice):
        stage.update(ycrcb0, grey0)
    once.learn(grey1, frames=2)
    twice.learn(grey1)
    twice.learn(grey1)
    assert once.background is not None and twice.background is not None
    assert np.abs(once.background.astype(int) - twice.background.astype(int)).max() <= 1
    assert np.abs(once.background.astype(int) - grey0.astype(int)).max() > 1  # it did learn
