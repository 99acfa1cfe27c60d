"""Running the detector over one manifest entry: a clip played faster than real time, or a still.

Each function here runs in a worker process of `firegrid eval` and returns a plain, picklable
result: the alarms, the per-frame confidence trace (for the report's plot) and a JPEG of the
first alarm with its box drawn.
"""

from __future__ import annotations

import time
from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path

import cv2
import numpy as np

from video.analyzer import Alarm, BgrImage
from video.config import DetectorConfig
from video.detection import DetectionKind
from video.detector import build_detector
from video.detector.clips import analyse_clip
from video.detector.errors import ClipReadError
from video.detector.image_check import ImageCheck
from video.detector.tuning import camera_defaults
from video.detector.verify_hook import load_default_verifier


@dataclass(frozen=True, slots=True)
class RaisedAlarm:
    t: float
    kind: DetectionKind
    confidence: float
    evidence: tuple[str, ...]


@dataclass(slots=True)
class ClipResult:
    file: str
    expect: str
    category: str
    alarms: list[RaisedAlarm] = field(default_factory=list)
    frames: int = 0
    duration_s: float = 0.0  # stream time covered
    seconds: float = 0.0  # wall time spent decoding and detecting
    detect_seconds: float = 0.0  # of which in the detector
    trace: list[tuple[float, float, float]] = field(default_factory=list)  # t, flame, smoke
    snapshot_jpeg: bytes | None = None
    error: str | None = None

    @property
    def alarmed(self) -> bool:
        return bool(self.alarms)

    @property
    def time_to_alarm_s(self) -> float | None:
        return self.alarms[0].t if self.alarms else None


@dataclass(frozen=True, slots=True)
class ImageResult:
    file: str
    expect: str
    category: str
    alarmed: bool
    kind: DetectionKind | None
    confidence: float
    error: str | None = None


@dataclass(frozen=True, slots=True)
class Entry:
    path: Path
    file: str
    media: str
    expect: str
    category: str


def evaluate_clip(entry: Entry, disabled: Collection[str]) -> ClipResult:
    settings = DetectorConfig()
    detector = build_detector(camera_defaults(), settings, disabled)
    result = ClipResult(entry.file, entry.expect, entry.category)
    started = time.perf_counter()
    try:
        for frame in analyse_clip(detector, entry.path):
            result.detect_seconds += frame.seconds
            result.frames += 1
            result.duration_s = frame.t
            conf = detector.last_confidence
            result.trace.append((frame.t, conf["flame"], conf["smoke"]))
            if frame.alarms and result.snapshot_jpeg is None:
                result.snapshot_jpeg = _snapshot(frame.image, frame.alarms)
            result.alarms.extend(
                RaisedAlarm(frame.t, a.kind, a.confidence, a.evidence) for a in frame.alarms
            )
    except ClipReadError as err:
        result.error = str(err)
    result.seconds = time.perf_counter() - started
    return result


def evaluate_image(entry: Entry, disabled: Collection[str]) -> ImageResult:
    image = cv2.imread(str(entry.path), cv2.IMREAD_COLOR)
    if image is None:
        return ImageResult(entry.file, entry.expect, entry.category, False, None, 0.0, "unreadable")
    verifier = None if "verifier" in disabled else load_default_verifier()
    verdict = ImageCheck(verifier).check(np.asarray(image, dtype=np.uint8))
    return ImageResult(
        entry.file, entry.expect, entry.category, verdict.alarmed, verdict.kind, verdict.confidence
    )


def _snapshot(image: BgrImage, alarms: list[Alarm]) -> bytes:
    canvas = image.copy()
    height, width = canvas.shape[:2]
    for alarm in alarms:
        b = alarm.box
        p0 = (round(b.x * width), round(b.y * height))
        p1 = (round((b.x + b.w) * width), round((b.y + b.h) * height))
        colour = (0, 0, 255) if alarm.kind == "flame" else (255, 200, 0)
        cv2.rectangle(canvas, p0, p1, colour, 2)
        cv2.putText(canvas, alarm.kind, (p0[0], max(12, p0[1] - 4)), 0, 0.45, colour, 1)
    ok, jpeg = cv2.imencode(".jpg", canvas, [cv2.IMWRITE_JPEG_QUALITY, 80])
    return jpeg.tobytes() if ok else b""
