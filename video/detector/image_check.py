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
        self._threshold = level.verifier_min

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
        kind: DetectionKind = "flame" if flame >= smoke else "smoke"
        confidence = max(flame, smoke)
        alarmed = confidence >= self._threshold
        return ImageVerdict(alarmed, kind if alarmed else None, confidence, len(regions))
