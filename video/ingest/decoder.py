"""Decoding one camera's packets and picking the frames the analyser wants.

Every packet is decoded (a P-frame needs its predecessors) on one thread, but only the frames
due at the analyser's rate are converted, straight to its small BGR size (and, while the
analyser wants them, the other frames to their luma only), by the one schedule and the one
conversion that also feed the detector's evaluation (`video.ingest.frames`).
"""

from __future__ import annotations

from typing import cast

import av
from av.stream import Stream
from av.video.codeccontext import VideoCodecContext

from video.ingest.frames import (
    AnalysisSchedule,
    DecodedPicture,
    analysis_size,
    configure_analysis_decoder,
)
from video.ingest.keyframes import KeyframeChange, block_means
from video.ingest.ring import EncodedPacket, StreamInfo


class FrameDecoder:
    """Decodes one camera's packets and picks the frames the analyser wants.

    A new `StreamInfo` (a new connection) gets a fresh decoder, since parameter sets and
    timestamps restart.
    """

    def __init__(
        self, analysis_width: int, analysis_fps: float, keyframes: KeyframeChange | None = None
    ) -> None:
        self.analysis_width = analysis_width
        self.analysis_fps = analysis_fps
        # Compares decoded keyframes, for the activity gate; None without a gate.
        self.keyframes = keyframes
        # What the last `decode` call saw, for the caller's counters.
        self.resolution_changed = False
        self.corrupt_frames = 0
        self.decoded = 0
        self.picture_changed_at: float | None = None
        self._info: StreamInfo | None = None
        self._context: VideoCodecContext | None = None
        self._tick_s = 0.0
        self._size: tuple[int, int] | None = None
        self._out_size = (analysis_width, analysis_width)
        self._schedule = AnalysisSchedule(analysis_fps)

    def decode(self, packet: EncodedPacket) -> list[DecodedPicture]:
        """Decode `packet`; returns its frames, each with its stream time and whether it is
        due for analysis."""
        if packet.stream is not self._info or self._context is None:
            self._context = _open_decoder(packet.stream)
            self._info = packet.stream
            self._tick_s = packet.stream.tick_s
            self._schedule = AnalysisSchedule(self.analysis_fps)
        av_packet = to_av_packet(packet)
        self.resolution_changed = False
        self.corrupt_frames = 0
        self.decoded = 0
        self.picture_changed_at = None
        pictures: list[DecodedPicture] = []
        for frame in self._context.decode(av_packet):
            t = frame.pts * self._tick_s if frame.pts is not None else packet.t
            self.decoded += 1
            self._note_size(frame.width, frame.height)
            # Damaged input is concealed by the decoder rather than raised; it flags the frame.
            self.corrupt_frames += frame.is_corrupt
            if self._picture_changed(frame):
                self.picture_changed_at = t
            pictures.append(DecodedPicture(frame, t, self._schedule.due(t), self._out_size))
        return pictures

    def _picture_changed(self, frame: av.VideoFrame) -> bool:
        if self.keyframes is None or not frame.key_frame:
            return False
        return self.keyframes.observe(block_means(frame))

    def _note_size(self, width: int, height: int) -> None:
        if self._size == (width, height):
            return
        if self._size is not None:
            self.resolution_changed = True
        self._size = (width, height)
        self._out_size = analysis_size(width, height, self.analysis_width)


def open_stream_decoder(info: StreamInfo) -> VideoCodecContext:
    """A decoder for `info`'s stream with FFmpeg's defaults; the caller configures it."""
    context = cast(VideoCodecContext, av.CodecContext.create(info.codec, "r"))
    if info.extradata:
        context.extradata = info.extradata
    return context


def to_av_packet(packet: EncodedPacket) -> av.Packet[Stream]:
    av_packet = av.Packet(packet.data)
    av_packet.pts = packet.pts
    av_packet.dts = packet.dts
    return av_packet


def _open_decoder(info: StreamInfo) -> VideoCodecContext:
    context = open_stream_decoder(info)
    configure_analysis_decoder(context)
    return context
