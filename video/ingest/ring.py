"""The pre-roll ring: the last seconds of a camera's encoded packets, starting at a keyframe.

Encoded packets are about 1/100 the size of decoded frames, so ten seconds of 720p video cost a
few megabytes. The ring drops whole groups of pictures from its front, so that it always starts
at a keyframe (a clip cut from it decodes from its first packet) and always covers at least
`duration_s` once that much video has been seen.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """What a remuxer needs to know about the stream the packets belong to."""

    codec: str
    width: int
    height: int
    time_base: Fraction
    # Parameter sets from the session description (Annex B), if the camera sent them there.
    extradata: bytes | None

    @property
    def tick_s(self) -> float:
        """One time-base unit in seconds, as a float: Fraction arithmetic per packet is slow."""
        return self.time_base.numerator / self.time_base.denominator


@dataclass(frozen=True, slots=True)
class EncodedPacket:
    """One encoded video packet, detached from the demuxer that read it.

    `pts` and `dts` are in `StreamInfo.time_base`; `t` is the same instant in seconds of stream
    time, continuous across file loops.
    """

    data: bytes
    pts: int
    dts: int
    t: float
    keyframe: bool
    stream: StreamInfo


class PacketRing:
    """Encoded packets of the last `duration_s` seconds, always starting at a keyframe."""

    def __init__(self, duration_s: float) -> None:
        self.duration_s = duration_s
        self._packets: deque[EncodedPacket] = deque()
        # Indices are not stable in a deque that drops from the left, so keyframe positions are
        # kept as the packets themselves, in order.
        self._keyframes: deque[EncodedPacket] = deque()
        self._bytes = 0

    def __len__(self) -> int:
        return len(self._packets)

    def __iter__(self) -> Iterator[EncodedPacket]:
        return iter(self._packets)

    @property
    def nbytes(self) -> int:
        return self._bytes

    @property
    def span_s(self) -> float:
        if not self._packets:
            return 0.0
        return self._packets[-1].t - self._packets[0].t

    def append(self, packet: EncodedPacket) -> None:
        if not self._packets and not packet.keyframe:
            return  # a clip cannot start before the first keyframe
        if self._packets and packet.stream is not self._packets[-1].stream:
            # A new connection or stream layout (one StreamInfo each): timestamps restart and
            # old packets cannot share a clip with the new ones.
            self.clear()
            if not packet.keyframe:
                return
        self._packets.append(packet)
        self._bytes += len(packet.data)
        if packet.keyframe:
            self._keyframes.append(packet)
        self._trim(packet.t)

    def clear(self) -> None:
        self._packets.clear()
        self._keyframes.clear()
        self._bytes = 0

    def since(self, t: float) -> list[EncodedPacket]:
        """Packets from the last keyframe at or before `t` (or the oldest one) to the newest."""
        start: EncodedPacket | None = None
        for key in self._keyframes:
            if key.t > t and start is not None:
                break
            start = key
        if start is None:
            return []
        out: list[EncodedPacket] = []
        started = False
        for packet in self._packets:
            started = started or packet is start
            if started:
                out.append(packet)
        return out

    def since_last_keyframe(self) -> list[EncodedPacket]:
        """The packets a decoder needs to reach the newest picture from a clean start."""
        if not self._keyframes:
            return []
        return self.since(self._keyframes[-1].t)

    def _trim(self, newest_t: float) -> None:
        # Drop the oldest group of pictures while the next one alone still covers the window.
        while len(self._keyframes) >= 2 and self._keyframes[1].t <= newest_t - self.duration_s:
            second = self._keyframes[1]
            while self._packets[0] is not second:
                self._bytes -= len(self._packets.popleft().data)
            self._keyframes.popleft()
