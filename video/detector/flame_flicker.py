"""Flicker of flame candidates, seen at the stream's full frame rate.

A flame flickers at 8-12 Hz: its pixels lose their correlation from one frame to the next. At
the detector's 10 analysed frames a second that is aliased away, so while the detector follows
flame candidates it asks the ingest for the luma of every decoded frame as well (`wants_luma`),
and this window keeps the last `window_s` of them.

The measure, per candidate box: for each pixel, the share of its temporal variance that is
frame-to-frame change (the mean squared lag-1 difference over twice the variance: 1 for a pixel
that decorrelates every frame, near 0 for one that changes slowly), and its median over the
box's pixels that change at all (sensor grain alone, decorrelated but faint, would otherwise
pass any still background inside the box as flicker). A flame's pixels flicker; a person
walking past in orange, a car's lights, a sunset's glow moving across a window or an exposure
ramp change smoothly. The measure is blind to brightness and contrast (both cancel in the
ratio), so the luma's range does not matter.

Known limit: an edge that sweeps over a pixel in one frame is a step in that pixel's series,
which measures about 2 / n over n frames (0.04 over 2 s at 25 fps), whatever the cause; optics
and motion blur spread real edges over a few pixels, which brings it down, but fast sharp
edges come closest to flames' values.

It needs a stream fast enough to show flicker: below `min_fps` a lag of one frame is already
long enough for anything to change, and the window abstains (`too_slow`) rather than judge.

The stage is off by default (`DetectorConfig.flicker_min` = 0), because measured on footage that
is not evaluation footage it did not separate flames from nuisances well enough to veto
anything. `tools/flicker_probe.py` on 39 clips of 29 repositories not in the evaluation sources
(18 with flames, 21 street, traffic, shop and dashcam scenes; 2026-12-01): at the production
detector's alarms the fire clips' measures spread from 0.02 to 0.64, with a third of them (night
and distant fires, a candle) at 0.05 or below; at the colour-and-motion alarms on the fire-free
clips (verifier off) they spread from 0.03 to 0.25, so the ROC AUC between the two was 0.59. A
threshold that keeps 95% of those fires (0.02-0.03) removes no nuisance; the verifier already
rejected every nuisance candidate of those clips. The measure does look better on the evaluation
clips (AUC 0.85), which is why a threshold must not be set there. A boundary measure tried
offline on the same alarms (how often each pixel enters or leaves the flame-colour mask from
frame to frame) did better (AUC 0.83 on those clips), but at the threshold that keeps 95% of
their fires it would change no verdict of the evaluation either, and it needs the chroma of
every frame, not only its luma.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from video.analyzer import LumaImage
from video.detection import Box


@dataclass(frozen=True, slots=True)
class FlickerSettings:
    window_s: float = 2.0  # the stretch of frames measured
    min_frames: int = 20  # fewer than this: no measure yet
    # An edge sweeping over a pixel is a step in its series, whose lag-1 share is about 2 / n
    # for n frames: too few frames make anything that moves look like flicker.
    min_span_s: float = 1.0
    min_fps: float = 20.0  # slower streams cannot show 8-12 Hz flicker: abstain
    max_side: int = 24  # pixels per box side measured (a strided sample of larger boxes)
    min_std: float = 3.0  # grey levels of temporal spread a pixel needs to be measured
    min_hf: float = 0.0  # median lag-1 share below which a candidate changes too smoothly
    interval_s: float = 1.0  # each track is measured again after this much stream time


class FlickerWindow:
    """The recent full-rate luma frames of one camera, and the flicker measure over them."""

    def __init__(self, settings: FlickerSettings | None = None) -> None:
        self.settings = settings or FlickerSettings()
        self._frames: deque[tuple[float, LumaImage]] = deque()

    def add(self, luma: LumaImage, t: float) -> None:
        frames = self._frames
        if frames and (t <= frames[-1][0] or luma.shape != frames[-1][1].shape):
            frames.clear()  # time went back (a new connection) or the picture changed size
        frames.append((t, luma))
        while frames[0][0] < t - self.settings.window_s:
            frames.popleft()

    def clear(self) -> None:
        self._frames.clear()

    @property
    def frames(self) -> int:
        return len(self._frames)

    @property
    def fps(self) -> float | None:
        """The stream's frame rate over the window, once a few frames are in."""
        frames = self._frames
        if len(frames) < 5 or frames[-1][0] <= frames[0][0]:
            return None
        return (len(frames) - 1) / (frames[-1][0] - frames[0][0])

    @property
    def too_slow(self) -> bool:
        fps = self.fps
        return fps is not None and fps < self.settings.min_fps

    def measure(self, box: Box) -> float | None:
        """The median lag-1 share of the pixels in `box` (0..1 coordinates), or None while the
        window holds too little."""
        frames = self._frames
        if (
            len(frames) < self.settings.min_frames
            or frames[-1][0] - frames[0][0] < self.settings.min_span_s
        ):
            return None
        height, width = frames[-1][1].shape
        x0, y0 = int(box.x * width), int(box.y * height)
        x1 = min(width, max(x0 + 2, int((box.x + box.w) * width)))
        y1 = min(height, max(y0 + 2, int((box.y + box.h) * height)))
        side = self.settings.max_side
        step_x = max(1, -(-(x1 - x0) // side))
        step_y = max(1, -(-(y1 - y0) // side))
        stack = np.stack([luma[y0:y1:step_y, x0:x1:step_x] for _, luma in frames])
        return lag1_share(stack.astype(np.float32), self.settings.min_std)


def lag1_share(stack: npt.NDArray[np.float32], min_std: float) -> float:
    """Median over the pixels whose temporal spread is at least `min_std` of mean squared lag-1
    change / (2 x variance), for a (time, y, x) stack: 1 for flicker, near 0 for smooth change;
    0 when no pixel changes."""
    variance = stack.var(axis=0)
    active = variance >= min_std * min_std
    if not active.any():
        return 0.0
    steps = np.diff(stack[:, active], axis=0)
    change = (steps * steps).mean(axis=0)
    return float(np.median(change / (2.0 * variance[active] + 1e-6)))
