"""The flame and smoke detector: pure, one instance per camera, built by `make_detector`."""

from __future__ import annotations

from collections.abc import Collection

from video.analyzer import FrameAnalyzer
from video.config import CameraConfig, DetectorConfig
from video.detector.detector import STAGES, FireDetector
from video.detector.errors import ClipReadError, DetectorError, DetectorUsageError
from video.detector.verify_hook import load_default_verifier

__all__ = [
    "STAGES",
    "ClipReadError",
    "DetectorError",
    "DetectorUsageError",
    "FireDetector",
    "build_detector",
    "make_detector",
]


def build_detector(
    camera: CameraConfig, settings: DetectorConfig, disabled: Collection[str] = ()
) -> FireDetector:
    """The detector with some stages switched off by name (the evaluator's ablations)."""
    use_verifier = settings.use_verifier and "verifier" not in disabled
    verifier = load_default_verifier() if use_verifier else None
    return FireDetector(settings, camera, verifier, disabled)


def make_detector(camera: CameraConfig, settings: DetectorConfig) -> FrameAnalyzer:
    """The production detector of one camera, with the shipped verifier when it is there."""
    return build_detector(camera, settings)
