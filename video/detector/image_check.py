"""The per-image check: what the detector's appearance stages say about one still image.

A still has no motion and no time, so only two stages apply: flame colour proposes regions and
the learned verifier judges them, together with the whole image (smoke rarely has a colour a
rule could find). Without a verifier the colour stage alone decides, which is the weak baseline
the issue warns about. Images are reported on their own, never mixed into the clip metrics.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2

from video.analyzer import BgrImage
from video.config import Sensitivity
from video.detection import Box, DetectionKind
from video.detector.flame_colour import FlameColourRule
from video.detector.regions import extract_regions
from video.detector.tuning import LEVELS
from video.detector.verify_hook import CandidateVerifier, region_box

WORK_WIDTH = 192
MIN_SHARE = 0.002  # of the image: colour regions smaller than this are noise in a still
# (flame, smoke) probability a still needs, per level. Chosen with the detector's thresholds by
# `tools/train_verifier/thresholds.py` (image_flame_min, image_smoke_min): 1 / 2 / 5 % of
# held-out fire-free still images pass. Not the video thresholds: those bound what the detector
# proposes in moving footage, and a still has no motion or drift to propose by.
IMAGE_THRESHOLDS: dict[Sensitivity, tuple[float, float]] = {
    "low": (0.75, 0.88),
    "medium": (0.58, 0.76),
    "high": (0.33, 0.50),
}
WHOLE = Box(0.0, 0.0, 1.0, 1.0)


@dataclass(frozen=True, slots=True)
class ImageVerdict:
    alarmed: bool
    kind: DetectionKind | None
    confidence: float
    candidates: int  # colour regions proposed


class ImageCheck:
    def __init__(
        self, verifier: CandidateVerifier | None, sensitivity: Sensitivity = "medium"
    ) -> None:
        level = LEVELS[sensitivity]
        self._verifier = verifier
        self._rule = FlameColourRule(cr_minus_cb=level.colour_margin)
        self._flame_min, self._smoke_min = IMAGE_THRESHOLDS[sensitivity]

    def check(self, image: BgrImage) -> ImageVerdict:
        height, width = image.shape[:2]
        work_w = min(WORK_WIDTH, width)
        work_h = max(1, round(height * work_w / width))
        work = cv2.resize(image, (work_w, work_h), interpolation=cv2.INTER_AREA)
        mask = self._rule.mask(cv2.cvtColor(work, cv2.COLOR_BGR2YCrCb))
        min_area = max(2, round(MIN_SHARE * work_w * work_h))
        regions = extract_regions(mask, min_area)
        boxes = [region_box(r, work_w, work_h) for r in regions]
        if self._verifier is None:
            share = sum(r.area for r in regions) / (work_w * work_h)
            return ImageVerdict(bool(regions), "flame" if regions else None, share, len(regions))
        scores = self._verifier.score(image, [*boxes, WHOLE])
        flame = max(s.flame for s in scores)
        smoke = max(s.smoke for s in scores)
        # Each kind against its own threshold; the surer of the two (by its margin) names it.
        margins: dict[DetectionKind, float] = {
            "flame": flame - self._flame_min,
            "smoke": smoke - self._smoke_min,
        }
        kind = max(margins, key=lambda k: margins[k])
        alarmed = margins[kind] >= 0
        confidence = flame if kind == "flame" else smoke
        return ImageVerdict(alarmed, kind if alarmed else None, confidence, len(regions))
