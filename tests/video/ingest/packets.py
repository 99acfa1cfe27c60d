"""Synthetic encoded packets for the pure ring and recorder tests."""

from __future__ import annotations

from fractions import Fraction

from video.ingest.ring import EncodedPacket, StreamInfo

TIME_BASE = Fraction(1, 90000)


def stream_info(width: int = 640) -> StreamInfo:
    return StreamInfo("h264", width, width * 9 // 16, TIME_BASE, None)


def packets(
    seconds: float, fps: int = 25, gop: int = 25, start: float = 0.0, info: StreamInfo | None = None
) -> list[EncodedPacket]:
    """`seconds` of packets with a keyframe every `gop` frames, 100 bytes each."""
    info = info or stream_info()
    out = []
    for i in range(round(seconds * fps)):
        t = start + i / fps
        pts = round(t / TIME_BASE)
        out.append(EncodedPacket(bytes(100), pts, pts, t, i % gop == 0, info))
    return out
