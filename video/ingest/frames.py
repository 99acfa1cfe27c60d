"""The pictures the analyser sees: which decoded frames, scaled to its width, as BGR.

One schedule (`AnalysisSchedule`), one picture type (`DecodedPicture`) and one conversion for
every path that feeds the detector (the hub's decoder, and the evaluator that tunes the detector
on recorded clips), so the detector is tuned on exactly what it is fed; and one `AnalyserFeed`
that hands decoded pictures over, the luma of every frame included while the analyser wants it
(the detector's flicker stage).

Decoders hand out planar YUV 4:2:0. Each plane is shrunk by halving with 2x2 box averages
(OpenCV's fast area path) and one last area step to the exact size, then converted with
BT.601 limited-range coefficients, the same FFmpeg's scaler uses for untagged video. At the
analyser's small size this costs about a third of a combined FFmpeg scale-and-convert
(0.18 ms against 0.49 ms for 640x360, 0.42 ms against 0.74 ms for 1280x720 into 320x180,
one thread); the pictures differ from FFmpeg's area scaling by under one grey level on
average, from chroma rounding.

Both paths also decode alike (`configure_analysis_decoder`): one thread, and without the
deblocking (loop) filter. The filter smooths the edges of the codec's 4x4 and 8x8 blocks and is
about 40% of H.264 decoding (0.37 against 0.22 ms a frame at 640x360, 1.24 against 0.77 at
1280x720, one thread); the analyser sees the picture shrunk two to six times, where block
edges average away. Skipping it lets small errors drift until the next keyframe, which is why
the detector is tuned and evaluated on exactly this decode. Clips are remuxed, never decoded,
so recordings keep the camera's full quality.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import cast

import av
import cv2
import numpy as np
import numpy.typing as npt
from av.video.codeccontext import VideoCodecContext

from video.analyzer import Alarm, BgrImage, FrameAnalyzer, LumaImage, LumaObserver, RateAdaptive

Plane = npt.NDArray[np.uint8]
# Formats whose planes are laid out (and, for yuv420p, ranged) as OpenCV's I420 conversion expects.
PLANAR_420 = "yuv420p"


def configure_analysis_decoder(context: VideoCodecContext) -> None:
    """Set up a decoder, before its first packet, as every analysis path decodes."""
    # One thread per camera: frame threading adds latency and contention, not throughput,
    # when every core already decodes other cameras.
    context.thread_type = "NONE"
    context.thread_count = 1
    context.options = {"skip_loop_filter": "all"}


def analysis_size(width: int, height: int, target_width: int) -> tuple[int, int]:
    """`target_width` wide (never upscaled), aspect kept, both sides even (4:2:0 chroma)."""
    w = min(target_width, width)
    h = max(2, round(height * w / width))
    return max(2, w - w % 2), h - h % 2


def analysis_bgr(frame: av.VideoFrame, size: tuple[int, int]) -> BgrImage:
    """`frame` scaled to `size` (width, height, both even) as a BGR image."""
    width, height = size
    if frame.format.name != PLANAR_420:
        # Full-range, packed or 4:2:2 input: FFmpeg's scaler knows every layout.
        image = frame.to_ndarray(format="bgr24", width=width, height=height, interpolation="AREA")
        return cast(BgrImage, image)
    luma, blue, red = (_plane(frame, i) for i in range(3))
    i420 = np.empty((height * 3 // 2, width), np.uint8)
    i420[:height] = _shrunk(luma, width, height)
    chroma = (width // 2, height // 2)
    # I420 as OpenCV wants it: the two quarter-size chroma planes stacked under the luma.
    flat = i420[height:].reshape(-1)
    half = chroma[0] * chroma[1]
    flat[:half] = _shrunk(blue, *chroma).reshape(-1)
    flat[half:] = _shrunk(red, *chroma).reshape(-1)
    return cast(BgrImage, cv2.cvtColor(i420, cv2.COLOR_YUV2BGR_I420))


def analysis_luma(frame: av.VideoFrame, size: tuple[int, int]) -> LumaImage:
    """The luma of `frame` at `size`, as `analysis_bgr` shrinks it (a copy: the decoder reuses
    its buffers)."""
    width, height = size
    if frame.format.name != PLANAR_420:
        image = frame.to_ndarray(format="gray", width=width, height=height, interpolation="AREA")
        return cast(LumaImage, image)
    plane = _plane(frame, 0)
    luma = _shrunk(plane, width, height)
    return luma.copy() if luma is plane else luma


@dataclass(frozen=True, slots=True)
class DecodedPicture:
    """A decoded frame, converted for the analyser only on demand."""

    frame: av.VideoFrame
    t: float  # stream time, s
    due: bool  # whether the analyser is fed it at its rate
    size: tuple[int, int]  # the analyser's picture size (width, height)

    def bgr(self) -> BgrImage:
        return analysis_bgr(self.frame, self.size)

    def luma(self) -> LumaImage:
        return analysis_luma(self.frame, self.size)


class AnalysisSchedule:
    """Which frames an analyser running at `fps` is fed: the first at or after each tick of its
    rate, by stream time."""

    def __init__(self, fps: float) -> None:
        self.interval = 1.0 / fps
        self._next_t: float | None = None

    def due(self, t: float) -> bool:
        if self._next_t is None or not -2 * self.interval <= t - self._next_t <= self.interval:
            # First frame, time went backwards (file loop, camera reset), or frames resume
            # after a gap (the activity gate's keyframes-only spell, a stream's hole): the
            # schedule starts here, rather than catching up with a burst of frames at the
            # stream's full rate.
            self._next_t = t
        if t + 1e-6 < self._next_t:
            return False
        # Advance on the schedule, not from t, so the mean rate is exact at any input rate.
        self._next_t = max(self._next_t + self.interval, t - self.interval)
        return True


def _plane(frame: av.VideoFrame, index: int) -> Plane:
    plane = frame.planes[index]
    rows = np.frombuffer(memoryview(plane), np.uint8).reshape(plane.height, plane.line_size)
    return rows[:, : plane.width]


def _shrunk(plane: Plane, width: int, height: int) -> Plane:
    # Halving with INTER_AREA is a plain 2x2 average (fast); a large factor in one INTER_AREA
    # step is not (1.3 ms for 1280x720 to 320x180).
    while plane.shape[1] >= 2 * width and plane.shape[0] >= 2 * height:
        half = (plane.shape[1] // 2, plane.shape[0] // 2)
        plane = cast(Plane, cv2.resize(plane, half, interpolation=cv2.INTER_AREA))
    if plane.shape[:2] != (height, width):
        plane = cast(Plane, cv2.resize(plane, (width, height), interpolation=cv2.INTER_AREA))
    return plane


class AnalyserFeed:
    """Hands one camera's decoded pictures to its analyser, converted as it asks.

    Every frame's luma goes to `observe_luma` while the analyser wants it; the frames due at
    its rate go to `feed` as BGR, unless it declines them (`wants_frame`). `analyser_s` adds up
    the time spent inside the analyser.
    """

    def __init__(self, analyzer: FrameAnalyzer) -> None:
        self.analyzer = analyzer
        # Decided once: a runtime protocol check costs more than a frame's luma.
        self._observer = analyzer if isinstance(analyzer, LumaObserver) else None
        self._adaptive = analyzer if isinstance(analyzer, RateAdaptive) else None
        self.analyser_s = 0.0

    def __call__(self, picture: DecodedPicture) -> tuple[BgrImage, list[Alarm]] | None:
        """The analysed image and its alarms, or None when `picture` was not due or the
        analyser declined it."""
        t = picture.t
        observer = self._observer
        if observer is not None and observer.wants_luma:
            luma = picture.luma()
            started = time.perf_counter()
            observer.observe_luma(luma, t)
            self.analyser_s += time.perf_counter() - started
        if not picture.due or (self._adaptive is not None and not self._adaptive.wants_frame(t)):
            return None
        image = picture.bgr()
        started = time.perf_counter()
        try:
            return image, self.analyzer.feed(image, t)
        finally:
            self.analyser_s += time.perf_counter() - started
