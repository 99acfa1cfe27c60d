"""Hard negatives from fire-free footage: the regions the production detector itself proposes.

A clip of a street, a car park, a shop or a night road is played through the real
`FireDetector` (high sensitivity, so that it proposes generously) at the analyser's width and
rate, exactly as `firegrid eval` feeds it. Instead of the shipped verifier, a recorder stands in:
it answers "background" to every request and keeps the crop it was asked about. Those crops are
what the verifier must learn to reject: warm, bright, moving or grey regions of real camera
footage (headlights, tail lights, neon, walking people, swaying trees). A few colour-proposed and
random boxes per second of footage are added so that a clip the classical stages ignore still
contributes.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from train_verifier.crops import LABEL_INDEX, Crop, CropKind, colour_boxes, random_box
from video.analyzer import BgrImage
from video.config import DetectorConfig
from video.detection import Box, DetectionKind
from video.detector.clips import analysed_frames
from video.detector.detector import FireDetector
from video.detector.errors import ClipReadError
from video.detector.tuning import camera_defaults
from video.detector.verifier import VerifierScore, crop_region

VIDEO_EXT = (".mp4", ".avi", ".mov", ".mkv", ".webm", ".wmv")
# Per clip: detector proposals kept, and colour/random boxes per second of footage.
MAX_PROPOSALS = 800
EXTRA_EVERY_S = 1.0


class _Recorder:
    """A stand-in verifier: says "background" to everything and keeps the asked-about crops,
    each with the kind the detector proposed it as (the thresholds are chosen per kind)."""

    def __init__(self) -> None:
        self.crops: list[Crop] = []

    def score(self, frame_bgr: BgrImage, boxes: Sequence[Box]) -> list[VerifierScore]:
        raise AssertionError("the detector asks a kind-aware verifier through score_kinds")

    def score_kinds(
        self, frame_bgr: BgrImage, boxes: Sequence[Box], kinds: Sequence[DetectionKind]
    ) -> list[VerifierScore]:
        label = LABEL_INDEX["background"]
        self.crops += [
            Crop(crop_region(frame_bgr, box), label, PROPOSAL_KINDS[kind])
            for box, kind in zip(boxes, kinds, strict=True)
        ]
        return [VerifierScore(1.0, 0.0, 0.0) for _ in boxes]


PROPOSAL_KINDS: dict[DetectionKind, CropKind] = {
    "flame": CropKind.FOOTAGE_PROPOSAL,
    "smoke": CropKind.FOOTAGE_SMOKE_PROPOSAL,
}


def crops_of_clip(rng: np.random.Generator, data: bytes, max_seconds: float) -> list[Crop]:
    """Background crops of a fire-free clip (its bytes), from at most `max_seconds` of it."""
    # Re-scoring every track five times as often as the detector does samples more of each
    # track's moments (headlights sweeping, a person turning) without changing what is proposed.
    settings = DetectorConfig(verify_interval_s=0.1)
    camera = camera_defaults().model_copy(update={"sensitivity": "high"})
    recorder = _Recorder()
    detector = FireDetector(settings, camera, recorder)
    extras: list[Crop] = []
    next_extra = 0.0
    with tempfile.NamedTemporaryFile(suffix=".mp4") as handle:
        handle.write(data)
        handle.flush()
        try:
            for frame in analysed_frames(
                Path(handle.name), settings.analysis_width, settings.analysis_fps
            ):
                if frame.t > max_seconds:
                    break
                detector.feed(frame.image, frame.t)
                if frame.t >= next_extra:
                    next_extra = frame.t + EXTRA_EVERY_S
                    extras += _extras(rng, frame.image)
        except ClipReadError:
            pass  # a clip cut short still gave its frames so far
    proposals = recorder.crops
    if len(proposals) > MAX_PROPOSALS:
        keep = np.linspace(0, len(proposals) - 1, MAX_PROPOSALS).round().astype(int)
        proposals = [proposals[i] for i in keep]
    return proposals + extras


def _extras(rng: np.random.Generator, image: BgrImage) -> list[Crop]:
    label = LABEL_INDEX["background"]
    height, width = image.shape[:2]
    crops = [
        Crop(crop_region(image, box), label, CropKind.COLOUR_NEGATIVE)
        for box in colour_boxes(image, 2)
    ]
    crops.append(
        Crop(crop_region(image, random_box(rng, width, height)), label, CropKind.RANDOM_NEGATIVE)
    )
    return crops
