"""Alarm clips: which encoded packets belong to which alarm's MP4. Pure bookkeeping, no I/O.

On an alarm at stream time `t`, a clip takes the ring's packets from the keyframe at or before
`t - preroll_s`, then keeps collecting live packets until `t + postroll_s`. The finished packet
list goes to the media writer, which remuxes it on its own thread.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from video.ingest.ring import EncodedPacket, PacketRing


@dataclass(slots=True)
class PendingClip:
    detection_id: str
    alarm_t: float
    end_t: float
    packets: list[EncodedPacket] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class FinishedClip:
    detection_id: str
    packets: tuple[EncodedPacket, ...]

    @property
    def start_t(self) -> float:
        return self.packets[0].t

    @property
    def end_t(self) -> float:
        return self.packets[-1].t


class ClipRecorder:
    """The pre-roll ring of one camera plus the clips being collected from it."""

    def __init__(self, preroll_s: float, postroll_s: float) -> None:
        self.preroll_s = preroll_s
        self.postroll_s = postroll_s
        # The ring keeps a little more than the pre-roll: an alarm is decided a few frames
        # after the packets it concerns were demuxed.
        self.ring = PacketRing(preroll_s + 2.0)
        self._pending: list[PendingClip] = []

    @property
    def pending(self) -> int:
        return len(self._pending)

    def request(self, detection_id: str, alarm_t: float) -> None:
        """Start a clip for an alarm raised on the frame at stream time `alarm_t`."""
        clip = PendingClip(detection_id, alarm_t, alarm_t + self.postroll_s)
        clip.packets.extend(self.ring.since(alarm_t - self.preroll_s))
        self._pending.append(clip)

    def add(self, packet: EncodedPacket) -> list[FinishedClip]:
        """Record a demuxed packet; returns the clips it completes."""
        self.ring.append(packet)
        finished: list[FinishedClip] = []
        still: list[PendingClip] = []
        for clip in self._pending:
            if clip.packets and packet.stream is not clip.packets[-1].stream:
                # The stream restarted (reconnection): the clip ends with what it has.
                finished.extend(_finish(clip))
                continue
            if not clip.packets and not packet.keyframe:
                still.append(clip)  # the ring had nothing: wait for a keyframe to start
                continue
            clip.packets.append(packet)
            if packet.t >= clip.end_t:
                finished.extend(_finish(clip))
            else:
                still.append(clip)
        self._pending = still
        return finished

    def flush(self) -> list[FinishedClip]:
        """End every pending clip with the packets it has (the camera stops or disconnects)."""
        finished = [f for clip in self._pending for f in _finish(clip)]
        self._pending = []
        return finished


def _finish(clip: PendingClip) -> list[FinishedClip]:
    return [FinishedClip(clip.detection_id, tuple(clip.packets))] if clip.packets else []
