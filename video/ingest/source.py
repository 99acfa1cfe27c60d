"""Opening a camera source and reading its encoded packets with continuous timestamps.

RTSP and RTSPS are read over TCP (UDP loses packets on busy links and through NAT) with short
probing, so the first frame arrives in about 0.3 s instead of 1.2 s, and with open and read
timeouts, so a silent or frozen camera raises instead of blocking the demux thread for ever. The
read timeout is FFmpeg's own socket timeout: PyAV's takes the GIL and calls Python's clock at
every one of FFmpeg's I/O checks, several per RTP packet, and that cost a still camera's demux
thread about a tenth of its CPU (1.19-1.27 against 1.09-1.16 ms per stream-second).

A live camera's packets are read in batches: once a read had to wait for the network, the demux
thread sleeps before the next one and then reads what arrived meanwhile from the socket buffer
without waiting. The cost of reading goes with wake-ups more than with packets (a thread that
slept starts on cold caches): demux-only CPU of a 640x360 stream, on a shared 2-core machine,
was about 9 ms per second read packet by packet, 3.7 ms with 0.1 s pauses, 2 ms with 0.3 s and
1.5 ms with 0.5 s; four still, activity-gated 640x360 streams in one worker took 3.4 ms per
stream-second in their demux threads at 0.3 s and 2.4 ms at 0.6 s, and on a faster machine two
such streams in one process 1.03-1.19 ms at 0.6 s and 0.73-0.83 ms at 1.2 s (their decode
threads, handed bigger batches, a little less too). The pause is
`READ_BATCH_S` while a live viewer watches (viewers see packets up to that much later, in small
bursts); with no viewer it grows up to `IDLE_BATCH_S` (at most half the read timeout, so that a
frozen camera is still reported stalled within the read timeout: see `video.ingest.health`),
capped so that no more than
`IDLE_BATCH_BYTES` gather in the socket buffer (its default size is 128 KiB; beyond it the
camera would have to hold back its packets), so a busy camera is read more often than a still
one. Each pause is announced (`on_pause`), so that the camera's health does not count it as
silence. An alarm may come up to one pause later, far inside the detector's time targets; the
health report's rates count stream time, not read time, so bursts do not make them swing.

A file source is played back at its native pace and looped, as if it were a live camera: its
timestamps continue across the loop so that the ring, the clips and the detector see one
continuous stream.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from fractions import Fraction
from pathlib import Path
from typing import TypeVar

import av

from video.ingest.errors import CameraError
from video.ingest.ring import EncodedPacket, StreamInfo

LIVE_SCHEMES = ("rtsp://", "rtsps://")
# Enough for the parameter sets and the first keyframe of a camera stream, no more.
PROBE_OPTIONS = {"analyzeduration": "200000", "probesize": "100000"}
# A file that declares no frame rate is paced as 25 fps video.
DEFAULT_FRAME_S = 1 / 25
# RTP video clock, for the rare demuxer that does not say.
RTP_TIME_BASE = Fraction(1, 90000)
# How long the demux thread lets a live stream's packets gather after a read that waited (with
# a viewer; without, up to the idle pause or byte cap), and what counts as waiting (a read from
# the socket buffer takes microseconds).
READ_BATCH_S = 0.1
IDLE_BATCH_S = 1.2
IDLE_BATCH_BYTES = 48 * 1024
WAITED_S = 0.002

T = TypeVar("T")


def is_live(url: str) -> bool:
    return url.lower().startswith(LIVE_SCHEMES)


def open_container(
    url: str, open_timeout_s: float, read_timeout_s: float
) -> av.container.InputContainer:
    """Open `url` with the ingest's transport, probing and timeout options."""
    if is_live(url):
        options = {
            "rtsp_transport": "tcp",
            # FFmpeg's socket I/O timeout, in microseconds; PyAV's timeout covers only the open.
            "timeout": str(round(read_timeout_s * 1_000_000)),
            **PROBE_OPTIONS,
        }
        return av.open(url, options=options, timeout=(open_timeout_s, None))
    if not Path(url).is_file():
        raise FileNotFoundError(url)
    return av.open(url)


class PacketSource:
    """One connection to a camera (or one playback of a looped file).

    `packets()` yields until the connection fails or `stop` is set; failures raise
    `CameraError`, which the camera pipeline answers with a backoff and a new `PacketSource`.
    `watched()` says whether a live viewer wants packets promptly (short pauses); `on_pause` is
    called with the length of every wait the demux thread chooses to make (to pace a file, or
    to let a camera's packets gather), at the end of a burst of packets.
    """

    def __init__(
        self,
        camera_id: str,
        url: str,
        open_timeout_s: float,
        read_timeout_s: float,
        stop: threading.Event,
        watched: Callable[[], bool] = lambda: True,
        on_pause: Callable[[float], None] = lambda _s: None,
    ) -> None:
        self.camera_id = camera_id
        self.url = url
        self._open_timeout_s = open_timeout_s
        self._read_timeout_s = read_timeout_s
        self._stop = stop
        self._watched = watched
        self._on_pause = on_pause
        self._idle_pause_s = min(IDLE_BATCH_S, read_timeout_s / 2)
        self._container: av.container.InputContainer | None = None
        self.info: StreamInfo | None = None
        # Bytes read since the last pause, for the unwatched pause's byte cap.
        self._burst_bytes = 0

    def open(self) -> StreamInfo:
        self._container = self._open_one()
        stream = self._container.streams.video[0]
        ctx = stream.codec_context
        self.info = StreamInfo(
            codec=ctx.name,
            width=ctx.width,
            height=ctx.height,
            time_base=Fraction(stream.time_base or RTP_TIME_BASE),
            extradata=bytes(ctx.extradata) if ctx.extradata else None,
        )
        return self.info

    def close(self) -> None:
        if self._container is not None:
            self._container.close()
            self._container = None

    def packets(self) -> Iterator[EncodedPacket]:
        """Packets paced as live: a camera's as they come, a file's at its own rate, looped."""
        if self.info is None:
            raise RuntimeError("PacketSource.open() first")
        if is_live(self.url):
            yield from self.read_pass()
            if not self._stop.is_set():
                raise CameraError(self.camera_id, "stream ended")
            return
        yield from self._play_looped(self.info)

    # -- internals -------------------------------------------------------------------------

    def _open_one(self) -> av.container.InputContainer:
        try:
            container = open_container(self.url, self._open_timeout_s, self._read_timeout_s)
        except (av.FFmpegError, OSError) as exc:
            raise CameraError(self.camera_id, f"cannot open: {exc}") from exc
        if not container.streams.video:
            container.close()
            raise CameraError(self.camera_id, "no video stream")
        return container

    def read_pass(self, offset: int = 0) -> Iterator[EncodedPacket]:
        """Packets of one pass over the open container, unpaced; `offset` shifts timestamps."""
        container, info = self._container, self.info
        if container is None or info is None:
            raise RuntimeError("PacketSource.open() first")
        stream = container.streams.video[0]
        default_step = _frame_step(stream, info.time_base)
        tick_s = info.tick_s
        last_pts: int | None = None
        try:
            for packet in self._batched(container.demux(stream)):
                if packet.size == 0:
                    continue  # the demuxer's end-of-stream marker
                # RTSP leaves the first packet without a timestamp, raw files leave them all.
                pts = packet.pts
                if pts is None:
                    step = packet.duration or default_step
                    pts = 0 if last_pts is None else last_pts + step
                dts = packet.dts if packet.dts is not None else pts
                last_pts = pts
                data = bytes(packet)
                self._burst_bytes += len(data)
                yield EncodedPacket(
                    data=data,
                    pts=pts + offset,
                    dts=dts + offset,
                    t=(pts + offset) * tick_s,
                    keyframe=packet.is_keyframe,
                    stream=info,
                )
        except (av.FFmpegError, OSError) as exc:
            raise CameraError(self.camera_id, f"read failed: {exc}") from exc

    def _batched(self, demuxed: Iterator[T]) -> Iterator[T]:
        """`demuxed` until stopped, pausing after each read that had to wait for the network."""
        monotonic = time.monotonic
        paused_at = monotonic()
        while not self._stop.is_set():
            started = monotonic()
            item = next(demuxed, None)
            if item is None:
                return
            done = monotonic()
            if done - started >= self._read_timeout_s:
                # FFmpeg's read timed out, and what it returned is the frame its parser held
                # back (it ends a frame when the next one starts): the camera is frozen. Without
                # this, the frame would show the camera online again and the failure would come
                # one more read timeout later.
                raise CameraError(self.camera_id, "read timed out")
            yield item
            if done - started > WAITED_S:
                # The bytes of this burst arrived since the previous pause began.
                burst, self._burst_bytes = self._burst_bytes, 0
                pause = read_pause_s(self._watched(), burst, done - paused_at, self._idle_pause_s)
                paused_at = done
                self._on_pause(pause)
                if self._stop.wait(pause):
                    return

    def _play_looped(self, info: StreamInfo) -> Iterator[EncodedPacket]:
        """Endless playback of a file at its native pace, timestamps continuing at each loop."""
        assert self._container is not None
        offset = 0
        start_wall = time.monotonic()
        first_t: float | None = None
        while not self._stop.is_set():
            step = _frame_step(self._container.streams.video[0], info.time_base)
            end_pts = offset
            for packet in self.read_pass(offset):
                if first_t is None:
                    first_t = packet.t
                # Interruptible pacing: wait until the packet's time has come on the wall clock.
                delay = (packet.t - first_t) - (time.monotonic() - start_wall)
                if delay > 0:
                    self._on_pause(delay)
                    if self._stop.wait(delay):
                        return
                end_pts = packet.pts + step
                yield packet
            if end_pts == offset:
                raise CameraError(self.camera_id, "file has no video packets")
            offset = end_pts
            self._container.close()
            self._container = self._open_one()


def _frame_step(stream: av.video.stream.VideoStream, time_base: Fraction) -> int:
    """One frame's duration in `time_base` units, from the stream's declared rate."""
    # A raw H.264 file reports its real rate only as the guessed one (its average is 25).
    rate = stream.guessed_rate or stream.average_rate
    frame_s = float(1 / rate) if rate else DEFAULT_FRAME_S
    return max(1, round(frame_s / time_base))


def read_pause_s(
    watched: bool, burst_bytes: int, cycle_s: float, idle_s: float = IDLE_BATCH_S
) -> float:
    """How long the demux thread lets packets gather, given the last cycle's bytes and length,
    and the longest pause without a viewer."""
    if watched:
        return READ_BATCH_S
    rate = burst_bytes / cycle_s if cycle_s > 0 else 0.0
    if rate * idle_s <= IDLE_BATCH_BYTES:
        return max(READ_BATCH_S, idle_s)
    return max(READ_BATCH_S, IDLE_BATCH_BYTES / rate)
