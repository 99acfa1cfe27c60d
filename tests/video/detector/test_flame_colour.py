from __future__ import annotations

import cv2
import numpy as np

from video.detector.flame_colour import FlameColourRule, flame_pixels


def _scene_with(colour: tuple[int, int, int]) -> np.ndarray:
    scene = np.full((60, 80, 3), (90, 100, 100), np.uint8)
    scene[20:40, 30:50] = colour
    return scene


def test_orange_and_yellow_flame_pixels_pass() -> None:
    rule = FlameColourRule()
    for colour in ((0, 120, 255), (60, 200, 255), (20, 90, 230)):
        mask = flame_pixels(_scene_with(colour), rule)
        assert cv2.countNonZero(mask[20:40, 30:50]) == 400, colour
        assert cv2.countNonZero(mask) == 400


def test_grey_blue_green_and_dark_red_fail() -> None:
    rule = FlameColourRule()
    for colour in ((160, 160, 160), (200, 80, 40), (40, 180, 40), (0, 0, 90)):
        assert cv2.countNonZero(flame_pixels(_scene_with(colour), rule)) == 0, colour


def test_thresholds_follow_the_scene() -> None:
    # In a scene lit orange all over, only what stands out from it is proposed.
    warm = np.full((60, 80, 3), (40, 130, 230), np.uint8)
    warm[20:40, 30:50] = (0, 160, 255)  # brighter and redder than the scene
    mask = flame_pixels(warm, FlameColourRule())
    assert cv2.countNonZero(mask) < 60 * 80 // 2
    assert cv2.countNonZero(mask[20:40, 30:50]) == 400


def test_margin_trades_candidates_for_strictness() -> None:
    pale = _scene_with((90, 140, 200))
    _, cr, cb = cv2.cvtColor(pale, cv2.COLOR_BGR2YCrCb)[30, 40]
    margin = int(cr) - int(cb)
    loose = flame_pixels(pale, FlameColourRule(cr_minus_cb=margin - 10))
    strict = flame_pixels(pale, FlameColourRule(cr_minus_cb=margin + 10))
    assert cv2.countNonZero(loose) == 400
    assert cv2.countNonZero(strict) == 0
