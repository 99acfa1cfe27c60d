from __future__ import annotations

import cv2
import numpy as np

from video.detector.motion import MotionModel


def _grey(value: int = 100) -> np.ndarray:
    return np.full((90, 160), value, np.uint8)


def test_first_frame_calibrates_and_reports_nothing() -> None:
    model = MotionModel(settle_frames=0)
    result = model.update(_grey())
    assert result.recalibrated
    assert cv2.countNonZero(result.mask) == 0
    assert model.background is not None


def test_a_moving_square_is_found_where_it_is() -> None:
    model = MotionModel(settle_frames=0)
    model.update(_grey())
    frame = _grey()
    frame[30:50, 60:80] = 200
    result = model.update(frame)
    assert not result.recalibrated
    ys, xs = np.nonzero(result.mask)
    assert xs.min() >= 55 and xs.max() <= 85 and ys.min() >= 25 and ys.max() <= 55
    assert 0.01 < result.fraction < 0.1


def test_small_noise_is_not_motion() -> None:
    model = MotionModel(settle_frames=0)
    rng = np.random.default_rng(3)
    model.update(_grey())
    noisy = (_grey().astype(np.int16) + rng.integers(-5, 6, size=(90, 160))).astype(np.uint8)
    assert cv2.countNonZero(model.update(noisy).mask) == 0


def test_a_global_change_recalibrates_instead_of_moving() -> None:
    model = MotionModel(settle_frames=2)
    model.update(_grey(80))
    for _ in range(3):
        model.update(_grey(80))
    flash = model.update(_grey(200))  # lightning, headlights, IR switch
    assert flash.recalibrated and cv2.countNonZero(flash.mask) == 0
    settling = [model.update(_grey(200)) for _ in range(2)]
    assert all(r.recalibrated for r in settling)
    after = model.update(_grey(200))
    assert not after.recalibrated and cv2.countNonZero(after.mask) == 0


def test_background_absorbs_a_parked_object() -> None:
    model = MotionModel(alpha=0.2, settle_frames=0)
    model.update(_grey())
    frame = _grey()
    frame[30:50, 60:80] = 200
    first = model.update(frame)
    for _ in range(30):
        last = model.update(frame)
    assert cv2.countNonZero(first.mask) > 0
    assert cv2.countNonZero(last.mask) == 0


def test_a_frame_standing_for_two_learns_as_two_frames_would() -> None:
    dark = np.full((60, 80), 40, np.uint8)
    patch = dark.copy()
    patch[20:40, 30:50] = 200  # a small change: learned, not a global recalibration
    once, twice = MotionModel(settle_frames=0), MotionModel(settle_frames=0)
    for model in (once, twice):
        model.update(dark)
    once.update(patch, frames=2)
    twice.update(patch)
    twice.update(patch)
    assert once.background is not None and twice.background is not None
    assert np.abs(once.background.astype(int) - twice.background.astype(int)).max() <= 1
    assert int(once.background[30, 40]) >= 40 + 2 * 8  # about twice one frame's 0.05 * 160
