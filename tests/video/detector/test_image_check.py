from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from tests.video.detector.scenes import add_flame, static_scene
from video.analyzer import BgrImage
from video.detection import Box
from video.detector.image_check import IMAGE_THRESHOLDS, ImageCheck


@dataclass(frozen=True)
class Score:
    flame: float
    smoke: float
    background: float


class WholeImageSmokeVerifier:
    """Sees smoke (0.9, above every level's threshold) only in the whole-image box: checks that
    the whole image is asked about."""

    def score(self, frame_bgr: BgrImage, boxes: Sequence[Box]) -> list[Score]:
        return [
            Score(0.0, 0.9, 0.1) if b == Box(0.0, 0.0, 1.0, 1.0) else Score(0.1, 0.1, 0.8)
            for b in boxes
        ]


def _flame_still() -> BgrImage:
    image = static_scene()
    add_flame(image, 3)
    return image


def test_colour_alone_decides_without_a_verifier() -> None:
    check = ImageCheck(None)
    verdict = check.check(_flame_still())
    assert verdict.alarmed and verdict.kind == "flame" and verdict.candidates >= 1
    assert not check.check(static_scene()).alarmed


def test_the_verifier_judges_regions_and_the_whole_image() -> None:
    verdict = ImageCheck(WholeImageSmokeVerifier()).check(static_scene())
    assert verdict.alarmed and verdict.kind == "smoke" and verdict.confidence == 0.9
    assert ImageCheck(WholeImageSmokeVerifier(), "low").check(static_scene()).alarmed


def test_image_thresholds_order_from_strict_to_loose() -> None:
    low, medium, high = (IMAGE_THRESHOLDS[s] for s in ("low", "medium", "high"))
    assert low[0] > medium[0] > high[0]  # flame
    assert low[1] > medium[1] > high[1]  # smoke
