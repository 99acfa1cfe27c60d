"""Reading a clip the way the ingest feeds the detector: scaled, at the analyser's rate, timed.

Used by the evaluator, the benchmark, the tests and the measurement tools, never by the hub (the
ingest has its own decoder). Frames are decoded on one thread, scaled to the analyser's width by
the ingest's own `video.ingest.frames` (so the evaluation sees exactly the pictures the hub feeds)
and picked at most `fps` times a second of stream time, using the clip's own timestamps so
variable-rate clips are timed as they were recorded. `analyse_clip` also passes the luma of every
frame to an analyser that wants it, as the hub's camera does.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import av

from video.analyzer import Alarm, BgrImage, FrameAnalyzer
from video.detector.errors import ClipReadError
from video.ingest.frames import (
    AnalyserFeed,
    AnalysisSchedule,
    DecodedPicture,
    analysis_size,
    configure_analysis_decoder,
)


@dataclass(frozen=True, slots=True)
class TimedFrame:
    t: float  # seconds since the clip's first frame
    image: BgrImage


@dataclass(frozen=True, slots=True)
class AnalysedFrame:
    t: float
    image: BgrImage
    alarms: list[Alarm]
    seconds: float  # time spent in the analyser for this frame and the frames observed before it


def analysed_frames(path: Path, width: int, fps: float) -> Iterator[TimedFrame]:
    """The frames an analyser running at `fps` on `width`-wide frames would be fed."""
    for picture in every_frame(path, width, fps):
        if picture.due:
            yield TimedFrame(picture.t, picture.bgr())


def every_frame(path: Path, width: int, fps: float) -> Iterator[DecodedPicture]:
    """Every decoded frame, each saying whether an analyser running at `fps` is fed it, timed
    since the clip's first frame."""
    schedule = AnalysisSchedule(fps)
    for frame, t in _timed(path):
        size = analysis_size(frame.width, frame.height, width)
        yield DecodedPicture(frame, t, schedule.due(t), size)


def analyse_clip(analyzer: FrameAnalyzer, path: Path) -> Iterator[AnalysedFrame]:
    """Run `analyzer` over a clip as the hub's camera does; yield each analysed frame."""
    feed = AnalyserFeed(analyzer)
    reported = 0.0
    for picture in every_frame(path, analyzer.analysis_width, analyzer.analysis_fps):
        analysed = feed(picture)
        if analysed is not None:
            image, alarms = analysed
            yield AnalysedFrame(picture.t, image, alarms, feed.analyser_s - reported)
            reported = feed.analyser_s


def _timed(path: Path) -> Iterator[tuple[av.VideoFrame, float]]:
    """Each decoded frame and its time since the first."""
    try:
        container = av.open(str(path))
    except av.FFmpegError as err:
        raise ClipReadError(f"cannot open {path}: {err}") from err
    with container:
        stream = container.streams.video[0]
        configure_analysis_decoder(stream.codec_context)
        start: float | None = None
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
                yield frame, t_abs - start
        except av.FFmpegError as err:
            raise ClipReadError(f"decoding {path} failed: {err}") from err
