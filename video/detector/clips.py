"""Reading a clip the way the ingest feeds the detector: scaled, at the analyser's rate, timed.

Used by the evaluator, the benchmark and `tools/flicker_probe.py`, never by the hub (the ingest
has its own decoder).
Frames are decoded on one thread, scaled to the analyser's width by the ingest's own
`video.ingest.frames` (so the evaluation sees exactly the pictures the hub feeds) and picked
at most `fps` times a second of stream time, using the clip's own timestamps so
variable-rate clips are timed as they were recorded.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av

from video.analyzer import BgrImage
from video.detector.errors import ClipReadError
from video.ingest.frames import analysis_bgr, analysis_size, configure_analysis_decoder


@dataclass(frozen=True, slots=True)
class TimedFrame:
    t: float  # seconds since the clip's first frame
    image: BgrImage
    analysed: bool = True  # whether an analyser at the asked rate is fed this frame


def analysed_frames(path: Path, width: int, fps: float) -> Iterator[TimedFrame]:
    """The frames an analyser running at `fps` on `width`-wide frames would be fed."""
    for frame, t, due in _scheduled(path, fps):
        if due:
            yield TimedFrame(t, _scaled(frame, width))


def every_frame(path: Path, width: int, fps: float) -> Iterator[TimedFrame]:
    """Every decoded frame, scaled the same way, each saying whether an analyser running at
    `fps` is fed it: for measurements at the clip's full rate around the analysed frames."""
    for frame, t, due in _scheduled(path, fps):
        yield TimedFrame(t, _scaled(frame, width), due)


def _scaled(frame: av.VideoFrame, width: int) -> BgrImage:
    return analysis_bgr(frame, analysis_size(frame.width, frame.height, width))


def _scheduled(path: Path, fps: float) -> Iterator[tuple[av.VideoFrame, float, bool]]:
    """Each decoded frame, its time since the first, and whether it is due for analysis."""
    step = 1.0 / fps
    try:
        container = av.open(str(path))
    except av.FFmpegError as err:
        raise ClipReadError(f"cannot open {path}: {err}") from err
    with container:
        stream = container.streams.video[0]
        configure_analysis_decoder(stream.codec_context)
        start: float | None = None
        next_t = 0.0
        index = 0
        try:
            for frame in container.decode(stream):
                index += 1
                stamp = frame.time
                # Some containers (WMV, raw streams) leave timestamps out: count frames instead.
                rate = float(stream.average_rate or 25)
                t_abs = float(stamp) if stamp is not None else index / rate
                if start is None:
                    start = t_abs
                t = t_abs - start
                due = t + 1e-6 >= next_t
                if due:
                    next_t += step
                    if next_t <= t:  # a gap in the stream: restart the schedule from here
                        next_t = t + step
                yield frame, t, due
        except av.FFmpegError as err:
            raise ClipReadError(f"decoding {path} failed: {err}") from err
