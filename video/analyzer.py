"""The seam between the ingest pipeline and the detector.

The ingest decodes, scales each analysed frame to the size the analyser asks for and feeds it;
the analyser is pure (no I/O, no threads, no asyncio) and keeps its state inside. An `Alarm` is
the analyser's decision; the ingest turns it into a `video.detection.Detection` by adding the
camera, an id, the wall time and the snapshot it writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

from video.detection import Box, DetectionKind

BgrImage = npt.NDArray[np.uint8]
LumaImage = npt.NDArray[np.uint8]  # the Y plane, at the size of the analysed frames


@dataclass(frozen=True, slots=True)
class Alarm:
    kind: DetectionKind
    box: Box
    confidence: float
    evidence: tuple[str, ...]


class FrameAnalyzer(Protocol):
    @property
    def analysis_fps(self) -> float:
        """Frames per second the analyser wants; the ingest feeds at most this rate."""
        ...

    @property
    def analysis_width(self) -> int:
        """Width in pixels of the frames it wants (height keeps the aspect ratio)."""
        ...

    def feed(self, frame_bgr: BgrImage, t: float) -> list[Alarm]:
        """Analyse one frame taken at stream time `t` (s); return the alarms that rose on it."""
        ...


@runtime_checkable
class RateAdaptive(Protocol):
    """An analyser that, at times, wants fewer frames than `analysis_fps` (the detector, while
    one of the camera's alarms is up, and while it follows no candidate). The feed asks before
    converting each frame due at the full rate, so a skipped frame costs nothing."""

    def wants_frame(self, t: float) -> bool:
        """Whether to convert and feed the frame due at stream time `t`; asked once for each
        such frame, so the analyser may count the ones it declines."""
        ...


@runtime_checkable
class LumaObserver(Protocol):
    """An analyser that, at times, also wants the luma of the frames between the analysed ones
    (the detector's flicker stage: 8-12 Hz flicker is invisible at the analysis rate)."""

    @property
    def wants_luma(self) -> bool:
        """Whether to pass the next decoded frames to `observe_luma` (checked per frame)."""
        ...

    def observe_luma(self, luma: LumaImage, t: float) -> None:
        """Take the luma of a decoded frame; an analysed frame is observed before it is fed."""
        ...
