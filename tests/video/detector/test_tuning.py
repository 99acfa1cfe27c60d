from __future__ import annotations

import cv2
import numpy as np

from video.detector.tuning import LEVELS, SceneProfile, allowed_area, camera_defaults


def test_masks_are_rasterised_in_image_coordinates() -> None:
    assert allowed_area([], 100, 50) is None
    allowed = allowed_area([[(0.0, 0.0), (0.5, 0.0), (0.5, 1.0), (0.0, 1.0)]], 100, 50)
    assert allowed is not None and allowed.shape == (50, 100)
    assert allowed[25, 10] == 0 and allowed[25, 90] == 255


def test_levels_order_from_strict_to_loose() -> None:
    low, medium, high = LEVELS["low"], LEVELS["medium"], LEVELS["high"]
    assert low.colour_margin > medium.colour_margin > high.colour_margin
    assert low.flame_min > medium.flame_min > high.flame_min
    assert low.smoke_min > medium.smoke_min > high.smoke_min
    assert medium.verifier_min("flame") == medium.flame_min
    assert medium.verifier_min("smoke") == medium.smoke_min
    assert low.window_on >= medium.window_on >= high.window_on


def _ycrcb(bgr: tuple[int, int, int], noise: int = 30) -> np.ndarray:
    rng = np.random.default_rng(0)
    image = np.full((60, 80, 3), bgr, np.int16) + rng.integers(-noise, noise, (60, 80, 3))
    out: np.ndarray = cv2.cvtColor(np.clip(image, 0, 255).astype(np.uint8), cv2.COLOR_BGR2YCrCb)
    return out


def test_auto_profile_sees_day_dark_and_infrared() -> None:
    profile = SceneProfile("auto", every=1)
    assert not profile.update(_ycrcb((120, 140, 160)))  # a coloured day scene
    assert profile.update(_ycrcb((15, 20, 25), noise=5))  # dark
    assert not profile.update(_ycrcb((120, 140, 160)))
    grey = np.random.default_rng(1).integers(60, 200, (60, 80), dtype=np.uint8)
    infrared = cv2.cvtColor(cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR), cv2.COLOR_BGR2YCrCb)
    assert profile.update(infrared)


def test_auto_profile_judges_one_frame_in_n() -> None:
    profile = SceneProfile("auto", every=3)
    assert profile.update(_ycrcb((15, 20, 25), noise=5))
    assert profile.update(_ycrcb((120, 140, 160)))  # not judged: still night
    assert profile.update(_ycrcb((120, 140, 160)))
    assert not profile.update(_ycrcb((120, 140, 160)))


def test_pinned_profiles_do_not_look() -> None:
    assert SceneProfile("night").update(_ycrcb((120, 140, 160)))
    assert not SceneProfile("day").update(_ycrcb((15, 20, 25), noise=5))
    assert camera_defaults().sensitivity == "medium"
