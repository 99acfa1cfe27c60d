"""The flicker window and its measure, on made-up luma series with known behaviour."""

from __future__ import annotations

import numpy as np
import pytest

from video.detection import Box
from video.detector.flame_flicker import FlickerSettings, FlickerWindow, lag1_share

WHOLE = Box(0.0, 0.0, 1.0, 1.0)


def _filled(frames: list[np.ndarray], fps: float = 25.0) -> FlickerWindow:
    window = FlickerWindow()
    for i, luma in enumerate(frames):
        window.add(luma, i / fps)
    return window


def test_independent_frame_to_frame_change_measures_near_one() -> None:
    rng = np.random.default_rng(3)
    frames = [rng.integers(60, 200, (40, 40), dtype=np.uint8) for _ in range(50)]
    measured = _filled(frames).measure(WHOLE)
    assert measured is not None and 0.8 < measured < 1.2


def test_a_slow_ramp_and_a_passing_edge_measure_near_zero() -> None:
    ramp = [np.full((20, 20), 50 + 3 * i, np.uint8) for i in range(50)]
    assert _filled(ramp).measure(WHOLE) == pytest.approx(0.0, abs=0.01)
    # A dark edge sweeping right a pixel a frame, blurred over 4 pixels as optics and motion
    # blur do (a perfectly sharp step measures about 2 / n: see the module's note).
    columns = np.arange(60, dtype=np.float32)
    edge = [
        np.clip(40 + 40 * (columns - (5 + i)), 40, 200).astype(np.uint8)[None, :].repeat(20, 0)
        for i in range(50)
    ]
    measured = _filled(edge).measure(Box(0.1, 0.0, 0.8, 1.0))
    assert measured is not None and measured < 0.03


def test_pixels_that_barely_change_are_not_measured() -> None:
    rng = np.random.default_rng(4)
    # Sensor grain of about one grey level on a still view: decorrelated, but not a flame.
    grain = [(100 + rng.normal(0, 1, (30, 30))).astype(np.uint8) for _ in range(50)]
    assert _filled(grain).measure(WHOLE) == 0.0
    assert lag1_share(np.stack(grain).astype(np.float32), min_std=0.0) > 0.5


def test_the_box_selects_the_pixels_measured() -> None:
    rng = np.random.default_rng(5)
    frames = []
    for i in range(50):
        luma = np.full((60, 60), 80 + i, np.uint8)  # the left half brightens slowly
        luma[:, 30:] = rng.integers(60, 200, (60, 30), dtype=np.uint8)  # the right flickers
        frames.append(luma)
    window = _filled(frames)
    left, right = window.measure(Box(0.0, 0.0, 0.5, 1.0)), window.measure(Box(0.5, 0.0, 0.5, 1.0))
    assert left is not None and right is not None and left < 0.05 < 0.8 < right


def test_no_measure_until_the_window_spans_enough_time() -> None:
    frames = [np.zeros((10, 10), np.uint8)] * 50
    settings = FlickerSettings()
    window = FlickerWindow(settings)
    for i, luma in enumerate(frames):
        t = i / 25
        window.add(luma, t)
        assert (window.measure(WHOLE) is None) == (
            i + 1 < settings.min_frames or t < settings.min_span_s
        )
    assert window.frames == 50  # 2 s at 25 fps; older frames leave the window
    window.add(frames[0], 2.5)
    assert window.frames == 38  # those of the last 2 s: from 0.52 s on, and the new one


def test_a_slow_stream_abstains() -> None:
    frames = [np.zeros((10, 10), np.uint8)] * 10
    assert _filled(frames, fps=10.0).too_slow
    assert not _filled(frames, fps=25.0).too_slow
    assert FlickerWindow().fps is None


def test_time_going_back_or_a_new_size_restarts_the_window() -> None:
    window = _filled([np.zeros((10, 10), np.uint8)] * 30)
    window.add(np.zeros((10, 10), np.uint8), 0.0)
    assert window.frames == 1
    window.add(np.zeros((20, 10), np.uint8), 0.1)
    assert window.frames == 1
    window.clear()
    assert window.frames == 0
